"""Every operation the client knows, written once: method, path, limit, paging, timeout.

The facts come from the OpenAPI snapshot through the generated rows in
`_spec_rows` (``python scripts/generate_api.py`` rewrites them). Written here by
hand, and only here: the tool repo operations, which the Tool document describes
without an operationId or a snapshot entry, and what no document states (which
timeout an operation gets). Everything else (limiters, resources, the fake
server, tests) reads this table instead of repeating a path or a number.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ._limits import RateLimit
from ._spec_rows import ROWS, PagingRow, SpecRow

__all__ = ["DOCUMENTED_RATE_LIMITS", "OPERATIONS", "Operation", "Paging", "TimeoutKind"]


class TimeoutKind(enum.Enum):
    """Which of the client's timeouts an operation gets."""

    DEFAULT = "default"
    LONG = "long"  # publish takes 1-5 minutes per the docs; building a tool for a test too
    STREAM = "stream"  # long bodies: bounded by silence on the socket, not by total time


@attrs.frozen
class Paging:
    """What a paginated list documents."""

    items_field: str
    token_field: str  # get-tool-repo-commits answers `next_continuation_token`
    cap: int  # the documented maximum `limit`
    default_limit: int  # the server's default when `limit` is left out
    first_token: int  # 0, or 1 for the tool repo commit and branch lists
    sort_fields: tuple[str, ...] = ()


@attrs.frozen
class Operation:
    id: str
    method: str
    path: str  # relative to /v1/{organization}; {name} placeholders
    limit: RateLimit | None  # documented; None when the documents give none
    area: str
    timeout: TimeoutKind = TimeoutKind.DEFAULT
    authenticated: bool = True
    paging: Paging | None = None
    path_parameters: tuple[str, ...] = attrs.field(init=False)
    """The `{name}` placeholders of `path`, found once (the request path reads them per call)."""

    @path_parameters.default
    def _placeholders(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: only reads are retried after they may have arrived."""
        return self.method in ("GET", "HEAD")


_LONG = TimeoutKind.LONG
_STREAM = TimeoutKind.STREAM

_TIMEOUTS = {
    "submit-sql-query": _LONG,
    "get-prompt-logs": _STREAM,
    "publish-tool-version": _LONG,
    "test-tool": _LONG,
    "invoke-tool-version": _LONG,
    "get-tool-scaffold-release": _STREAM,
    "access-git-interface": _STREAM,
    "get-tool-repo-file-content": _STREAM,
    # Both answer a stream of events for as long as the agent works.
    "create-conversation": _STREAM,
    "interact-with-conversation": _STREAM,
}

_AUTHENTICATED = {
    # The snapshot marks it public (`security: []`), but the details it documents
    # (`default_user_preferences`) come only with user credentials: the client sends them.
    "get-organization": True,
}

_TOOL_REPO = (
    # The Tool document's repo endpoints: no operationId, no snapshot entry, no documented limit.
    SpecRow("get-tool-repo-file-content", "GET", "/tool/repo/file/{file_path}", None, "tool", True),
    SpecRow(
        "get-tool-repo-directory",
        "GET",
        "/tool/repo/directory/{directory_path}",
        None,
        "tool",
        True,
    ),
    SpecRow("get-tool-repo-files", "GET", "/tool/repo/file", None, "tool", True),
    SpecRow(
        "get-tool-repo-commits",
        "GET",
        "/tool/repo/commit",
        None,
        "tool",
        True,
        PagingRow("commits", "next_continuation_token", 20, 20, 1, ()),
    ),
    SpecRow("get-tool-repo-branch", "GET", "/tool/repo/branch/{branch_name}", None, "tool", True),
    SpecRow(
        "get-tool-repo-branches",
        "GET",
        "/tool/repo/branch",
        None,
        "tool",
        True,
        PagingRow("branches", "continuation_token", 20, 20, 1, ()),
    ),
)


def _operation(row: SpecRow) -> Operation:
    limit = None if row.per_minute is None else RateLimit(row.per_minute, per_seconds=60.0)
    paging = None if row.paging is None else Paging(*row.paging)
    return Operation(
        row.id,
        row.method,
        row.path,
        limit,
        row.area,
        _TIMEOUTS.get(row.id, TimeoutKind.DEFAULT),
        _AUTHENTICATED.get(row.id, row.authenticated),
        paging,
    )


OPERATIONS: Mapping[str, Operation] = MappingProxyType(
    {row.id: _operation(row) for row in (*ROWS, *_TOOL_REPO)}
)

DOCUMENTED_RATE_LIMITS: Mapping[str, RateLimit] = MappingProxyType(
    {op.id: op.limit for op in OPERATIONS.values() if op.limit is not None}
)
"""operationId -> the limit documented in its 429 text (requests per 60 seconds)."""
