"""Small servers of our own on 127.0.0.1 that answer as a hostile or broken API would.

`serve(handler)` runs one aiohttp app whose every request goes to `handler` and is
recorded (method, path with query, headers), so a test can show what reached it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
from aiohttp import web

from amigo_async import errors

__all__ = [
    "CREDENTIAL_HEADERS",
    "SIGN_IN_PATH",
    "Hostile",
    "chain",
    "everything_said",
    "json_response",
    "serve",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-api-key-id", "x-user-id")

SIGN_IN_PATH = "/v1/acme/user/signin_with_api_key"


@attrs.define
class Seen:
    method: str
    path_qs: str
    headers: dict[str, str]


@attrs.define
class Hostile:
    url: str
    requests: list[Seen] = attrs.field(factory=list)

    def count(self, path_part: str) -> int:
        return sum(1 for seen in self.requests if path_part in seen.path_qs)


def json_response(body: Any, status: int = 200, **headers: str) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[Hostile]:
    """A server answering every request with `handler`, recording each one first."""
    server = Hostile(url="")

    async def record(request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        server.requests.append(Seen(request.method, request.path_qs, headers))
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything on its `__cause__` / `__context__` links."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend((current.__cause__, current.__context__))


def everything_said(error: errors.AmigoError) -> str:
    """Every text the error and its chain can show: str, repr, args, attributes."""
    parts: list[str] = []
    for link in chain(error):
        parts.extend((str(link), repr(link), repr(link.args), repr(vars(link))))
    return "\n".join(parts)
