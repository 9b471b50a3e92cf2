"""Bad input to client.tools is refused before any request: no rate-limit token is spent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from amigo_async import AmigoClient
from amigo_async.models.tools import EnvVarInsert, ToolInput
from amigo_async.testing import FakeAmigoServer

ID = "0123456789abcdef01234567"
BAD_ID = "0123456789ABCDEF01234567"

Call = Callable[[AmigoClient], Any]


async def run(call: Call, client: AmigoClient) -> None:
    """Call, then drive the result: a coroutine is awaited, a pager or stream iterated."""
    result = call(client)
    if hasattr(result, "__await__"):
        await result
    elif hasattr(result, "__aiter__"):
        async for _ in result:
            pass


CASES: list[tuple[str, Call, type[Exception], str]] = [
    # ids
    (
        "modify bad id",
        lambda c: c.tools.update(BAD_ID, description="d"),
        ValueError,
        r"^tool_id must match",
    ),
    (
        "deprecate bad id",
        lambda c: c.tools.deprecate("../admin"),
        ValueError,
        r"^tool_id must match",
    ),
    ("versions bad id", lambda c: c.tools.list_versions("abc"), ValueError, r"^tool_id must match"),
    (
        "invoke bad id",
        lambda c: c.tools.invoke_version("x" * 24, "1.0.0", [{}]),
        ValueError,
        r"^tool_id must match",
    ),
    (
        "list bad id filter",
        lambda c: c.tools.list(ids=[ID, "nope"]),
        ValueError,
        r"^id\[1\] must match",
    ),
    (
        "invocations bad tool id",
        lambda c: c.tools.list_invocations(tool_id=["nope"]),
        ValueError,
        r"^tool_id\[0\]",
    ),
    (
        "invocations bad conversation id",
        lambda c: c.tools.list_invocations(conversation_id=["nope"]),
        ValueError,
        r"^conversation_id\[0\]",
    ),
    (
        "search bad run id",
        lambda c: c.tools.search_invocations(
            "x", query_against=["invocation_status.output"], simulation_unit_test_set_run_id=["r"]
        ),
        ValueError,
        r"^simulation_unit_test_set_run_id\[0\]",
    ),
    (
        "id given as one string",
        lambda c: c.tools.list(ids=ID),
        TypeError,
        r"^id must be a list, not str",
    ),
    # limits
    (
        "tools limit over 20",
        lambda c: c.tools.list(limit=21),
        ValueError,
        r"^limit must be at most 20",
    ),
    (
        "versions limit over 50",
        lambda c: c.tools.list_versions(ID, limit=51),
        ValueError,
        r"^limit must be at most 50",
    ),
    (
        "invocations limit over 100",
        lambda c: c.tools.list_invocations(limit=101),
        ValueError,
        r"^limit must be at most 100",
    ),
    (
        "commits limit over 20",
        lambda c: c.tools.repo.list_commits(limit=21),
        ValueError,
        r"^limit must be at most 20",
    ),
    (
        "branches limit over 20",
        lambda c: c.tools.repo.list_branches(limit=21),
        ValueError,
        r"^limit must be at most 20",
    ),
    ("limit zero", lambda c: c.tools.list(limit=0), ValueError, r"^limit must be more than 0"),
    (
        "negative max_items",
        lambda c: c.tools.list(max_items=-1),
        ValueError,
        r"max_items must be >= 0",
    ),
    # names, tags, enums, patterns
    (
        "tool name upper case",
        lambda c: c.tools.create("Weather", "d"),
        ValueError,
        r"^body\.name must match \^\[a-z0-9_\]\+\$",
    ),
    (
        "tool name with dash",
        lambda c: c.tools.create("my-tool", "d"),
        ValueError,
        r"^body\.name must match",
    ),
    (
        "empty description",
        lambda c: c.tools.create("ok", "  "),
        ValueError,
        r"^body\.description must not be empty",
    ),
    (
        "tag filter without colon",
        lambda c: c.tools.list(tag=["team"]),
        ValueError,
        r"^tag\[0\] must match the tag syntax",
    ),
    (
        "tag body key",
        lambda c: c.tools.create("ok", "d", tags={"bad-key": "v"}),
        ValueError,
        r"^body\.tags\.bad-key must match",
    ),
    (
        "too many tags",
        lambda c: c.tools.update(ID, tags={f"k{i}": None for i in range(21)}),
        ValueError,
        r"^body\.tags must hold at most 20",
    ),
    (
        "sort field",
        lambda c: c.tools.list(sort_by=["-created_at"]),
        ValueError,
        r"^sort_by\[0\] must be one of",
    ),
    (
        "creator format",
        lambda c: c.tools.list_versions(ID, creator=["acme"]),
        ValueError,
        r"^creator\[0\] must be 'org_id,user_id'",
    ),
    (
        "bump type",
        lambda c: c.tools.publish_version(ID, project_path="tools/x", bump_type="huge"),
        ValueError,
        r"^body\.bump_type must be one of",
    ),
    (
        "project path",
        lambda c: c.tools.publish_version(ID, project_path="../x", bump_type="major"),
        ValueError,
        r"^body\.project_path must match",
    ),
    (
        "test project path",
        lambda c: c.tools.test(commit_branch="main", project_path="a b", inputs=[{}]),
        ValueError,
        r"^body\.project_path must match",
    ),
    (
        "deprecated as text",
        lambda c: c.tools.list(deprecated="false"),
        TypeError,
        r"^deprecated must be a bool",
    ),  # type: ignore[arg-type]
    (
        "source type",
        lambda c: c.tools.list_invocations(invocation_source_type=["phone"]),
        ValueError,
        r"^invocation_source_type\[0\] must be one of",
    ),
    # inputs
    (
        "no inputs",
        lambda c: c.tools.invoke_version(ID, "1.0.0", []),
        ValueError,
        r"^body\.inputs must hold at least 1",
    ),
    (
        "eleven inputs",
        lambda c: c.tools.invoke_version(ID, "1.0.0", [{}] * 11),
        ValueError,
        r"^body\.inputs must hold at most 10",
    ),
    (
        "test eleven inputs",
        lambda c: c.tools.test(commit_branch="m", project_path="p", inputs=[{}] * 11),
        ValueError,
        r"^body\.inputs must hold at most 10",
    ),
    (
        "input mode",
        lambda c: c.tools.invoke_version(ID, "1", [ToolInput(invocation_mode="batch")]),
        ValueError,
        r"^body\.inputs\[0\]\.invocation_mode must be one of",
    ),  # type: ignore[arg-type]
    (
        "user variable name",
        lambda c: c.tools.invoke_version(
            ID, "1", [ToolInput(nonsensitive_user_variables={"Bad": "v"})]
        ),
        ValueError,
        r"^body\.inputs\[0\]\.nonsensitive_user_variables\.Bad must match",
    ),
    (
        "single input not in a list",
        lambda c: c.tools.invoke_version(ID, "1", {"a": 1}),
        TypeError,
        r"^body\.inputs must be a list",
    ),
    (
        "empty version",
        lambda c: c.tools.invoke_version(ID, "", [{}]),
        ValueError,
        r"^version must not be empty",
    ),
    (
        "empty constraint",
        lambda c: c.tools.deprecate_versions(ID, " "),
        ValueError,
        r"^versions must not be empty",
    ),
    # invocations and search
    (
        "versions without tool ids",
        lambda c: c.tools.list_invocations(version=[">=1"]),
        ValueError,
        r"^version must have exactly one constraint per tool_id",
    ),
    (
        "more versions than tool ids",
        lambda c: c.tools.list_invocations(tool_id=[ID], version=["1", "2"]),
        ValueError,
        r"^version must have exactly one",
    ),
    (
        "repeated tool id with versions",
        lambda c: c.tools.list_invocations(tool_id=[ID, ID], version=["1", "2"]),
        ValueError,
        r"^tool_id\[1\] repeats",
    ),
    (
        "empty query",
        lambda c: c.tools.search_invocations("", query_against=["invocation_status.output"]),
        ValueError,
        r"^query must not be empty",
    ),
    (
        "empty query_against",
        lambda c: c.tools.search_invocations("x", query_against=[]),
        ValueError,
        r"^query_against must hold at least 1 item",
    ),
    (
        "unknown query_against",
        lambda c: c.tools.search_invocations("x", query_against=["inputs"]),
        ValueError,
        r"^query_against\[0\] must be one of",
    ),
    # env vars
    ("nothing to modify", lambda c: c.tools.update_envvars(ID), ValueError, r"nothing to modify"),
    (
        "insert of a wrong type",
        lambda c: c.tools.update_envvars(ID, inserts=[{"name": "A"}]),
        ValueError,
        r"^body\.inserts\[0\]\.value is required",
    ),  # type: ignore[list-item]
    (
        "empty env var name",
        lambda c: c.tools.update_envvars(ID, inserts=[EnvVarInsert(name="", value="v")]),
        ValueError,
        r"^body\.inserts\[0\]\.name must not be empty",
    ),
    # repo
    (
        "no file paths",
        lambda c: c.tools.repo.get_files([]),
        ValueError,
        r"^body\.file_paths must hold at least 1",
    ),
    (
        "six file paths",
        lambda c: c.tools.repo.get_files(["a"] * 6),
        ValueError,
        r"^body\.file_paths must hold at most 5",
    ),
    (
        "empty file path",
        lambda c: c.tools.repo.stream_file(""),
        ValueError,
        r"^file_path must not be empty",
    ),
    (
        "empty ref",
        lambda c: c.tools.repo.get_directory("", ref=""),
        ValueError,
        r"^ref must not be empty",
    ),
    (
        "empty branch name",
        lambda c: c.tools.repo.get_branch(""),
        ValueError,
        r"^branch_name must not be empty",
    ),
    (
        "naive commit filter",
        lambda c: c.tools.repo.list_commits(committed_on_or_after=datetime(2024, 1, 1)),
        ValueError,
        r"^committed_on_or_after must be a timezone-aware",
    ),
    (
        "chunk size",
        lambda c: c.tools.stream_scaffold(chunk_size=0),
        ValueError,
        r"^chunk_size must be a positive int",
    ),
]


@pytest.mark.parametrize(("case", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
async def test_bad_input_is_refused_before_any_request(
    fake: FakeAmigoServer,
    client: AmigoClient,
    case: str,
    call: Call,
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        await run(call, client)
    assert fake.requests == []
    assert client.stats.requests_sent == 0
