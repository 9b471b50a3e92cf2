"""What a fake endpoint is: a handler for one operation id, given a `Call`, returning a `Reply`.

Route modules register handlers with `@handler("operation-id")`; the server turns
them into aiohttp routes from the one operations table, so a path is never
written twice. Authentication, rate limiting, recording and fault injection
happen around every handler in `_server.py`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from .._spec import OPERATIONS, Operation, Paging

if TYPE_CHECKING:
    from ._faults import Fault
    from ._server import FakeAmigoServer
    from ._state import FakeState

__all__ = [
    "HANDLERS",
    "Call",
    "Reply",
    "Unprocessable",
    "error_reply",
    "handler",
    "json_reply",
    "lax_int",
    "paginate",
    "paging_of",
]

Body = bytes | Iterable[bytes] | AsyncIterable[bytes] | None

_LAX_INTEGER = re.compile(r"\s*[+-]?\d+(\.0*)?\s*")


def lax_int(text: str) -> int:
    """An integer as FastAPI (pydantic's lax mode) reads one from a string: ``3.0`` is 3.

    Raises ValueError for anything else (``3.5``, ``x``, ``1e3``).
    """
    if not _LAX_INTEGER.fullmatch(text):
        raise ValueError(f"not an integer: {text!r}")
    return int(text.strip().split(".", 1)[0])


@attrs.define
class Reply:
    status: int = 200
    body: Body = None
    content_type: str = "application/json"
    headers: dict[str, str] = attrs.field(factory=dict)
    streamed: bool = False  # chunked transfer encoding, written chunk by chunk


def json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, separators=(",", ":"), default=str).encode())


def error_reply(status: int, detail: str) -> Reply:
    return json_reply({"detail": detail}, status)


class Unprocessable(Exception):
    """Raise from a handler to answer 422 like the real (FastAPI) server does."""

    def __init__(self, location: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message

    def reply(self) -> Reply:
        return json_reply(
            {"detail": [{"loc": list(self.location), "msg": self.message, "type": "value_error"}]},
            422,
        )


@attrs.define
class Call:
    """One request as a handler sees it: parsed parameters and the server's state."""

    request: web.Request
    operation: Operation
    server: FakeAmigoServer
    user_id: str | None
    body: bytes = b""
    fault: Fault | None = None  # an event-stream fault for this request (`Fault.in_events`)

    @property
    def state(self) -> FakeState:
        return self.server.state

    def path(self, name: str) -> str:
        """A path parameter (ids' documented `^[a-f0-9]{24}$` checked before the handler ran)."""
        return self.request.match_info[name]

    def query_all(self, name: str) -> list[str]:
        return self.request.query.getall(name, [])

    def query(self, name: str, default: str | None = None) -> str | None:
        values = self.query_all(name)
        return values[0] if values else default

    def query_bool(self, name: str) -> bool | None:
        value = self.query(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        raise Unprocessable(("query", name), "value is not a valid boolean")

    def query_int(self, name: str, default: int) -> int:
        """An integer query value (its bounds are the snapshot's, checked by the pass)."""
        value = self.query(name)
        if value is None:
            return default
        try:
            return lax_int(value)
        except ValueError:
            raise Unprocessable(("query", name), "value is not a valid integer") from None

    def query_datetime(self, name: str) -> datetime | None:
        """An ISO 8601 query value, a naive one read as UTC (records compare with it)."""
        value = self.query(name)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Unprocessable(("query", name), "invalid datetime format") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def json(self) -> Any:
        if not self.body:
            raise Unprocessable(("body",), "field required")
        try:
            return json.loads(self.body)
        except ValueError:
            raise Unprocessable(("body",), "invalid JSON") from None


Handler = Callable[[Call], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {}


def handler(operation_id: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[operation_id] = function
        return function

    return register


def paginate(call: Call, items: list[Any], operation_id: str) -> tuple[list[Any], bool, int | None]:
    """Slice `items` as the operation documents: `limit` capped, an integer continuation token.

    Tokens count items from the list's first token (0 for most lists; 1 for the tool
    repo commit and branch lists). Returns (page, has_more, next token or None).
    """
    paging = paging_of(operation_id)
    # The bounds are the snapshot's, checked by the validation pass before a handler runs
    # (`_request_checks`): where it allows 0, an empty page that repeats the token.
    limit = min(call.query_int("limit", paging.default_limit), paging.cap)
    # the snapshot bounds no token: one before the first reads from the start
    first_token = paging.first_token
    token = max(call.query_int("continuation_token", first_token), first_token)
    start = token - first_token
    page = items[start : start + limit]
    has_more = start + limit < len(items)
    return page, has_more, (token + limit if has_more else None)


def paging_of(operation_id: str) -> Paging:
    """The documented paging facts of a list the fake serves."""
    paging = OPERATIONS[operation_id].paging
    if paging is None:
        raise KeyError(f"{operation_id} is not a paginated list")
    return paging
