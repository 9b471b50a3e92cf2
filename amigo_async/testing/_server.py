"""`FakeAmigoServer`: a strict local stand-in for the Amigo API on 127.0.0.1.

It checks credentials, counts every authenticated request in a true sliding
window per (user, operation) and answers 429 with Retry-After the moment a window
is full, rejects what the documents reject, and can inject faults (an error
status, a body cut at byte N with a clean end, a connection reset, a slow body).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import socket
import struct
import time
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self

import attrs
from aiohttp import web

from .._client import AmigoClient
from .._limits import RateLimit
from .._problem import Problem
from .._spec import OPERATIONS, Operation
from .._spec_rows import EXTRA_METHODS
from . import _routes  # noqa: F401  (registers every handler)
from ._app import HANDLERS, Body, Call, Reply, Unprocessable, error_reply, unprocessable
from ._facts import header_facts, openapi_document
from ._faults import Fault, FaultKind, FaultPlan
from ._methods import declared_methods
from ._request_checks import refusal
from ._seeds import Seeds
from ._state import FakeState
from ._window import SlidingWindow

__all__ = ["FakeAmigoServer", "RecordedRequest"]

_MULTI_SEGMENT = {"file_path": ".+", "directory_path": ".*", "git_path": ".+"}
_HIDDEN_HEADERS = {"authorization", "x-api-key"}
_CUTS = (FaultKind.TRUNCATE, FaultKind.RESET)


@attrs.define
class RecordedRequest:
    """What the fake server saw; credentials are left out."""

    operation_id: str
    method: str
    raw_path: str
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: bytes
    at: float
    user_id: str | None = None
    status: int = 0


@attrs.define
class _Session:
    user_id: str
    organization: str
    expires_at: float  # wall clock


_PUBLIC = frozenset({"get-organization"})
"""Operations whose snapshot `security` is empty: credentials optional (checked when sent)."""


def _rate_limit_text(limit: RateLimit) -> str:
    """The documents' 429 text: "... of 20 requests per minute for this endpoint."."""
    noun = "request" if limit.requests == 1 else "requests"
    period = "minute" if limit.per_seconds == 60 else f"{limit.per_seconds:g} seconds"
    return (
        f"The user has exceeded the rate limit of {limit.requests} {noun} per {period} "
        "for this endpoint."
    )


def _rechunk(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Uneven pieces (a zip writer's) as `size`-byte chunks, the last one shorter."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]  # O(1) at the front of a bytearray
    if buffer:
        yield bytes(buffer)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _route_pattern(operation: Operation) -> str:
    path = "/v1/{organization}" + operation.path
    for name, regex in _MULTI_SEGMENT.items():
        path = path.replace("{" + name + "}", "{" + name + ":" + regex + "}")
    return path


def _route_order(operation: Operation) -> tuple[int, int]:
    # Literal segments first: POST /tool/test must not be taken for POST /tool/{tool_id}.
    return (len(operation.path_parameters), -len(operation.path))


async def _openapi(request: web.Request) -> web.Response:
    """The API description, where FastAPI serves it: for schemathesis and other tools."""
    return web.Response(body=openapi_document(), content_type="application/json")


class FakeAmigoServer:
    """``async with FakeAmigoServer() as fake:`` then ``fake.client()`` talks to it."""

    def __init__(
        self,
        *,
        organization: str = "acme",
        seed: int = 0,
        time_scale: float = 1.0,
        rate_limits: Mapping[str, RateLimit | None] | None = None,
        enforce_rate_limits: bool = True,
        count_refused: bool = False,
        rate_limit_headers: bool = True,
        token_ttl: float = 3600.0,
        chunk_size: int = 64 * 1024,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.organization = organization
        self.seed = seed
        self.time_scale = time_scale
        self.enforce_rate_limits = enforce_rate_limits
        self.count_refused = count_refused
        self.rate_limit_headers = rate_limit_headers
        self.token_ttl = token_ttl
        self.chunk_size = chunk_size
        self.host = host
        self.port = port
        self.state = FakeState.seeded(seed, organization)
        self.faults = FaultPlan()
        self.requests: list[RecordedRequest] = []
        self.rate_limited: Counter[str] = Counter()
        self._limits: dict[str, RateLimit] = {
            op.id: op.limit for op in OPERATIONS.values() if op.limit is not None
        }
        for operation_id, limit in (rate_limits or {}).items():
            if operation_id not in OPERATIONS:
                raise ValueError(f"unknown operation id {operation_id!r}")
            if limit is None:
                self._limits.pop(operation_id, None)
            else:
                self._limits[operation_id] = limit
        self._windows: dict[tuple[str, str], SlidingWindow] = {}
        self._secret = hashlib.sha256(f"fake-amigo:{seed}".encode()).digest()
        self._sessions: dict[str, _Session] = {}
        self.user_id = hashlib.sha256(f"user:{seed}".encode()).hexdigest()[:24]
        self.api_key_id = hashlib.sha256(f"key-id:{seed}".encode()).hexdigest()[:24]
        self.api_key = "amigo-fake-" + hashlib.sha256(f"key:{seed}".encode()).hexdigest()
        self._api_keys: dict[str, tuple[str, set[str]]] = {
            self.api_key_id: (self.api_key, {self.user_id})
        }
        self.token = self.issue_token(ttl=10 * 365 * 24 * 3600)
        self.sign_ins = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    @property
    def seeds(self) -> Seeds:
        """The seeded ids examples need: the chat service, prompt-log prefixes, invoked tools."""
        return Seeds.of(self.state)

    # -- lifetime -------------------------------------------------------------

    def make_app(self) -> web.Application:
        """One aiohttp resource per path, so a 405 lists every method the path serves."""
        app = web.Application(client_max_size=32 * 1024 * 1024, middlewares=[declared_methods])
        resources: dict[str, web.Resource] = {}
        for operation in sorted(OPERATIONS.values(), key=_route_order):
            pattern = _route_pattern(operation)
            resource = resources.get(pattern)
            if resource is None:
                resource = resources[pattern] = app.router.add_resource(pattern)
            serve = functools.partial(self._serve, operation)
            for method in (operation.method, *EXTRA_METHODS.get(operation.id, ())):
                resource.add_route(method, serve)
        app.router.add_get("/openapi.json", _openapi)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.port = port
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def client(self, **overrides: Any) -> AmigoClient:
        """An `AmigoClient` pointed at this server with its token (or the given credentials)."""
        options: dict[str, Any] = {
            "organization": self.organization,
            "base_url": self.url,
        }
        if not {"token", "api_key", "api_key_id"} & overrides.keys():
            options["token"] = self.token
        options.update(overrides)
        return AmigoClient(**options)

    # -- credentials ----------------------------------------------------------

    def issue_token(self, user_id: str | None = None, *, ttl: float | None = None) -> str:
        """A signed JWT-shaped token the server accepts until `ttl` seconds from now."""
        user = user_id or self.user_id
        expires = time.time() + (self.token_ttl if ttl is None else ttl)
        header = _b64(b'{"alg":"HS256","typ":"JWT"}')
        nonce = len(self._sessions)
        payload = _b64(
            json.dumps({"sub": user, "org": self.organization, "exp": expires, "n": nonce}).encode()
        )
        signature = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest())
        token = f"{header}.{payload}.{signature}"
        self._sessions[token] = _Session(user, self.organization, expires)
        return token

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (the next call answers 401)."""
        for session in self._sessions.values():
            session.expires_at = 0.0

    def add_api_key(self, api_key_id: str, api_key: str, users: Iterable[str]) -> None:
        self._api_keys[api_key_id] = (api_key, set(users))

    def remove_api_key(self, api_key_id: str) -> None:
        self._api_keys.pop(api_key_id, None)

    def api_key_signs_in(self, api_key_id: str, api_key: str, user_id: str) -> bool:
        """Whether the key is known, matches (compared in constant time) and names the user."""
        known = self._api_keys.get(api_key_id)
        if known is None:
            return False
        # as bytes: a header may hold any character, which `compare_digest` refuses in a str
        sent = api_key.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(known[0].encode(), sent) and user_id in known[1]

    def _authenticate(self, request: web.Request, *, basic: bool = True) -> str | None:
        """The user a credential names; None when it is not one (or Basic where not allowed)."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        username = None
        if scheme.lower() == "bearer":
            token = value.strip()
        elif scheme.lower() == "basic" and basic:
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except ValueError:
                return None
            username, _, token = decoded.partition(":")
        else:
            return None
        session = self._sessions.get(token)
        if session is None or session.expires_at <= time.time():
            return None
        if username is not None and username != f"{session.organization}_{session.user_id}":
            return None
        return session.user_id

    # -- rate limits and faults -----------------------------------------------

    def limit(self, operation_id: str) -> RateLimit | None:
        return self._limits.get(operation_id) if self.enforce_rate_limits else None

    def max_in_window(self, operation_id: str) -> int:
        """The most requests of `operation_id` one credential had in any window."""
        return max(
            (w.max_seen for (_, op), w in self._windows.items() if op == operation_id), default=0
        )

    def inject(self, operation_id: str, fault: Fault, times: int = 1) -> None:
        if operation_id not in OPERATIONS:
            raise ValueError(f"unknown operation id {operation_id!r}")
        self.faults.add(operation_id, fault, times)

    def count(self, operation_id: str) -> int:
        return sum(1 for r in self.requests if r.operation_id == operation_id)

    def _admit(
        self, credential: str, operation: Operation, now: float, headers: dict[str, str]
    ) -> Reply | None:
        """Count the arrival; a 429 reply when the window is full. Fills X-RateLimit-*."""
        limit = self.limit(operation.id)
        if limit is None:
            return None
        seconds = limit.per_seconds / self.time_scale
        window = self._windows.setdefault(
            (credential, operation.id),
            SlidingWindow(limit.requests, seconds, count_refused=self.count_refused),
        )
        verdict = window.arrive(now)
        if self.rate_limit_headers:
            headers["X-RateLimit-Limit"] = str(limit.requests)
            headers["X-RateLimit-Remaining"] = str(verdict.remaining)
            # An epoch timestamp, as the real API (and the official SDK's reading) has it.
            headers["X-RateLimit-Reset"] = f"{time.time() + verdict.retry_after:.3f}"
        if verdict.allowed:
            return None
        self.rate_limited[operation.id] += 1
        reply = error_reply(429, _rate_limit_text(limit))
        reply.headers["Retry-After"] = SlidingWindow.header_seconds(verdict.retry_after)
        return reply

    # -- the request pipeline -------------------------------------------------

    async def _serve(self, operation: Operation, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        body = await request.read()
        record = RecordedRequest(
            operation_id=operation.id,
            method=request.method,
            raw_path=request.raw_path.split("?", 1)[0],
            query=tuple(request.query.items()),
            headers={k: v for k, v in request.headers.items() if k.lower() not in _HIDDEN_HEADERS},
            body=body,
            at=now,
        )
        self.requests.append(record)
        fault = None
        limit_headers: dict[str, str] = {}
        reply = await self._reply(operation, request, now, record, limit_headers)
        if reply is None:
            reply = refusal(operation, request, body)
        if reply is None:
            fault = self.faults.take(operation.id)
            if fault is not None and fault.kind is FaultKind.STATUS:
                reply = error_reply(
                    fault.status, "The service is going through temporary maintenance."
                )
                if fault.retry_after is not None:
                    reply.headers["Retry-After"] = SlidingWindow.header_seconds(fault.retry_after)
            else:
                event_fault = fault if fault is not None and fault.in_events else None
                call = Call(request, operation, self, record.user_id, body, event_fault)
                try:
                    reply = await HANDLERS[operation.id](call)
                except Unprocessable as problem:
                    reply = problem.reply()
        record.status = reply.status
        reply.headers.update(limit_headers)
        return await self._write(request, reply, fault)

    async def _reply(
        self,
        operation: Operation,
        request: web.Request,
        now: float,
        record: RecordedRequest,
        limit_headers: dict[str, str],
    ) -> Reply | None:
        """A refusal (401, 404, 429, 501) or None when the handler should answer."""
        facts = header_facts(operation.id)
        if operation.id in _PUBLIC and "Authorization" not in request.headers:
            credential = f"anonymous:{request.remote}"
        elif operation.authenticated:
            user_id = self._authenticate(request, basic=facts.basic_allowed)
            if user_id is None:
                return error_reply(401, "Invalid authorization credentials.")
            record.user_id = user_id
            credential = f"user:{user_id}"
        elif operation.id == "sign-in-with-api-key":
            credential = f"key:{request.headers.get('x-api-key-id')}"
        else:  # sign-in-with-email: no credential yet
            credential = f"anonymous:{request.remote}"
        missing = [h for h in facts.required_headers if h not in request.headers]
        if missing:  # refused before it counts against anyone's limit
            return unprocessable(
                Problem(("header", h), "field required", "missing") for h in missing
            )
        if request.match_info["organization"] != self.organization:
            return error_reply(404, "The specified organization does not exist.")
        refusal = self._admit(credential, operation, now, limit_headers)
        if refusal is not None:
            return refusal
        if operation.id not in HANDLERS:
            return error_reply(501, f"the fake server does not implement {operation.id} yet")
        return None

    async def _body_chunks(self, body: Body) -> AsyncIterator[bytes]:
        """Bytes and byte producers in `chunk_size` pieces, as a buffered server sends them;
        an async producer's pieces (an event stream's events) as they come."""
        if isinstance(body, AsyncIterable):
            async for chunk in body:
                yield chunk
        elif body is not None:
            for chunk in _rechunk([body] if isinstance(body, bytes) else body, self.chunk_size):
                yield chunk

    async def _write(
        self, request: web.Request, reply: Reply, fault: Fault | None
    ) -> web.StreamResponse:
        byte_fault = fault is not None and fault.kind is not FaultKind.STATUS
        if isinstance(reply.body, bytes | None) and not reply.streamed and not byte_fault:
            plain = web.Response(status=reply.status, body=reply.body, headers=reply.headers)
            plain.content_type = reply.content_type
            return plain
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.content_type = reply.content_type
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            return await self._write_body(request, response, reply.body, fault)
        except ConnectionResetError:  # the client left mid-body (it stopped reading early)
            return response

    async def _write_body(
        self, request: web.Request, response: web.StreamResponse, body: Body, fault: Fault | None
    ) -> web.StreamResponse:
        """The body, slowed or cut at `at_byte` as the fault says."""
        delay = fault.delay if fault is not None and fault.kind is FaultKind.SLOW else None
        cut_at = fault.at_byte if fault is not None and fault.kind in _CUTS else None
        sent = 0
        async for chunk in self._body_chunks(body):
            if delay is not None:
                await asyncio.sleep(delay)
            if cut_at is not None and sent + len(chunk) > cut_at:
                if cut_at > sent:
                    await response.write(chunk[: cut_at - sent])
                break
            await response.write(chunk)
            sent += len(chunk)
        if fault is not None and cut_at is not None:
            return await self._cut(request, response, fault)
        await response.write_eof()
        return response

    async def _cut(
        self, request: web.Request, response: web.StreamResponse, fault: Fault
    ) -> web.StreamResponse:
        if fault.kind is FaultKind.TRUNCATE:
            await response.write_eof()  # a clean end: the client sees a complete HTTP body
            return response
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # linger 0: closing sends RST instead of FIN, like a dropped connection
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.close()
        raise asyncio.CancelledError  # aiohttp stops handling this request quietly
