"""What a fake endpoint is: a handler for one operation id, given a `Call`, returning a `Reply`.

Route modules register handlers with `@handler("operation-id")`; the server turns
them into aiohttp routes from the one operations table, so a path is never
written twice. Authentication, rate limiting, recording and fault injection
happen around every handler in `_server.py`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from .._problem import Problem
from .._spec import OPERATIONS, Operation, Paging

if TYPE_CHECKING:
    from ._faults import Fault
    from ._server import FakeAmigoServer
    from ._state import FakeState

__all__ = [
    "HANDLERS",
    "Body",
    "Call",
    "Refused",
    "Reply",
    "Unprocessable",
    "error_reply",
    "handler",
    "json_reply",
    "paginate",
    "paging_of",
    "unprocessable",
]

Body = bytes | Iterable[bytes] | AsyncIterable[bytes] | None


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


class Refused(Exception):
    """A documented refusal (404, 409, 400...): `handler` answers ``{"detail": detail}``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def unprocessable(problems: Iterable[Problem]) -> Reply:
    """The 422 the real (FastAPI) server answers: ``{"detail": [{loc, msg, type}...]}``."""
    detail = [{"loc": list(p.loc), "msg": p.msg, "type": p.type} for p in problems]
    return json_reply({"detail": detail}, 422)


class Unprocessable(Exception):
    """Raise from a handler to answer 422 like the real (FastAPI) server does."""

    def __init__(self, location: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.problem = Problem(location, message, "value_error")

    def reply(self) -> Reply:
        return unprocessable([self.problem])


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

    # The pass (`_request_checks`) has read every query value as the snapshot types it
    # before a handler runs: these only convert what it accepted.

    def query_bool(self, name: str) -> bool | None:
        value = self.query(name)
        return None if value is None else value.lower() in ("true", "1", "yes", "on")

    def query_int(self, name: str, default: int) -> int:
        """An integer query value, ``3.0`` read as 3 like the pass (and FastAPI) read it."""
        value = self.query(name)
        if value is None:
            return default
        return int(float(value)) if "." in value else int(value)

    def query_datetime(self, name: str) -> datetime | None:
        """An ISO 8601 query value (one without a time zone was refused)."""
        value = self.query(name)
        return None if value is None else datetime.fromisoformat(value)

    def json(self) -> Any:
        """The JSON body (the pass refused a missing one; a form's fields can fit its schema)."""
        try:
            return json.loads(self.body)
        except ValueError:
            raise Unprocessable(("body",), "invalid JSON") from None


Handler = Callable[[Call], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {}


def handler(operation_id: str) -> Callable[[Handler], Handler]:
    """Register `function` to answer `operation_id`, a `Refused` it raises as its reply."""

    def register(function: Handler) -> Handler:
        async def serve(call: Call) -> Reply:
            try:
                return await function(call)
            except Refused as refused:
                return error_reply(refused.status, refused.detail)

        HANDLERS[operation_id] = serve
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
