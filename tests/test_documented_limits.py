"""DOCUMENTED_RATE_LIMITS agrees with the 429 texts of the Admin, Tool and Organization documents.

The texts below are copied from the documents' 429 responses, one per operation,
so a typo in our table cannot hide behind the same typo in a parser.
"""

from __future__ import annotations

import re

import pytest
from _snapshot import snapshot_operations

from amigo_async import DOCUMENTED_RATE_LIMITS, OPERATIONS, RateLimit

_DOCUMENTED_429_TEXTS = {
    # Admin
    "get-prompt-logs": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "submit-sql-query": "The user has exceeded the rate limit of 6 requests per minute for this endpoint.",
    "get-models": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    # Tool
    "get-tool-scaffold-release": "The user has exceeded the rate limit of 50 requests per minute for this endpoint.",
    "get-tools": "The user has exceeded the rate limit of 50 requests per minute for this endpoint.",
    "create-tool": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "deprecate-tool-version": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "modify-tool": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "deprecate-tool": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "test-tool": "The user has exceeded the rate limit of 1 request per minute for this endpoint.",
    "modify-tool-envvars": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "get-tool-versions": "The user has exceeded the rate limit of 50 requests per minute for this endpoint.",
    "publish-tool-version": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "get-tool-invocations": "The user has exceeded the rate limit of 50 requests per minute for this endpoint.",
    "invoke-tool-version": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "search-tool-invocations": "The user has exceeded the rate limit of 50 requests per minute for this endpoint.",
    # Organization
    "create-organization": "The user has exceeded the rate limit of 5 requests per minute for this endpoint.",
    "modify-organization": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "delete-organization": "The user has exceeded the rate limit of 5 requests per minute for this endpoint.",
    "get-agents": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "create-agent": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "create-agent-version": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "delete-agent": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "get-agent-versions": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "get-service-hierarchical-state-machines": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "create-service-hierarchical-state-machine": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "create-service-hierarchical-state-machine-version": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "delete-service-hierarchical-state-machine": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "get-service-hierarchical-state-machine-versions": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    "create-api-key": "The user has exceeded the rate limit of 5 requests per minute for this endpoint.",
    "get-api-keys": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "delete-api-key": "The user has exceeded the rate limit of 10 requests per minute for this endpoint.",
    "get-user-dimensions": "The user has exceeded the rate limit of 20 requests per minute for this endpoint.",
    # User: the sign-in the client performs with an API key (OpenAPI snapshot)
    "sign-in-with-api-key": "The user has exceeded the rate limit of 5 requests per minute for this endpoint.",
}

# Documented without any 429: they get no bucket (but still honour a 429).
_NO_DOCUMENTED_LIMIT = {
    "get-organization",
    "access-git-interface",
    "get-tool-repo-file-content",
    "get-tool-repo-directory",
    "get-tool-repo-files",
    "get-tool-repo-commits",
    "get-tool-repo-branch",
    "get-tool-repo-branches",
}


def _parse(text: str) -> RateLimit:
    match = re.fullmatch(
        r"The user has exceeded the rate limit of (\d+) requests? per minute for this endpoint\.",
        text,
    )
    assert match, text
    return RateLimit(int(match.group(1)), per_seconds=60.0)


@pytest.mark.parametrize("operation_id", sorted(_DOCUMENTED_429_TEXTS))
def test_documented_limit_matches_the_429_text(operation_id: str) -> None:
    assert DOCUMENTED_RATE_LIMITS[operation_id] == _parse(_DOCUMENTED_429_TEXTS[operation_id])


def test_the_documents_copied_here_are_in_the_table() -> None:
    assert set(_DOCUMENTED_429_TEXTS) <= set(DOCUMENTED_RATE_LIMITS)
    assert set(OPERATIONS) >= set(_DOCUMENTED_429_TEXTS) | _NO_DOCUMENTED_LIMIT
    assert not _NO_DOCUMENTED_LIMIT & set(DOCUMENTED_RATE_LIMITS)


_RENAMED = {
    "get_roles_v1__organization__role__get": "get-roles",
    "get_webhook_destinations": "get-webhook-destinations",
}


def _snapshot_429_limits() -> dict[str, int | None]:
    """operationId -> the limit the generator read from its 429 text (in-repo data)."""
    return {
        _RENAMED.get(op["operationId"], op["operationId"]): op.get("x-limit-per-minute")
        for _, _, op in snapshot_operations()
    }


def test_every_snapshot_limit_matches_its_429_fact_and_nothing_else_is_limited() -> None:
    texts = _snapshot_429_limits()
    limited = {key: RateLimit(n, per_seconds=60.0) for key, n in texts.items() if n is not None}
    assert dict(DOCUMENTED_RATE_LIMITS) == limited
    tool_repo = {
        operation_id
        for operation_id in OPERATIONS
        if "/tool/repo/" in OPERATIONS[operation_id].path
    }
    assert set(OPERATIONS) == set(texts) | tool_repo


def test_the_texts_copied_here_are_the_snapshot_facts() -> None:
    limits = _snapshot_429_limits()
    for key, text in _DOCUMENTED_429_TEXTS.items():
        assert RateLimit(limits[key] or 0, per_seconds=60.0) == _parse(text), key


def test_sign_in_with_email_has_no_documented_limit() -> None:
    assert "sign-in-with-email" in OPERATIONS
    assert "sign-in-with-email" not in DOCUMENTED_RATE_LIMITS


@pytest.mark.parametrize(
    ("operation_id", "requests"),
    [
        ("get-prompt-logs", 20),
        ("submit-sql-query", 6),
        ("test-tool", 1),
        ("get-tool-invocations", 50),
        ("create-api-key", 5),
    ],
)
def test_examples_named_in_the_issue(operation_id: str, requests: int) -> None:
    assert DOCUMENTED_RATE_LIMITS[operation_id] == RateLimit(requests, per_seconds=60.0)


def test_limits_are_per_minute() -> None:
    assert {limit.per_seconds for limit in DOCUMENTED_RATE_LIMITS.values()} == {60.0}


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        DOCUMENTED_RATE_LIMITS["get-models"] = RateLimit(1)  # type: ignore[index]
