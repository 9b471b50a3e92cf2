"""The one request path: build -> permit -> authenticate -> send -> classify -> retry.

Resources see it only through the `amigo_async.resources._base.Transport`
protocol (the eight members they use); nothing else in the package sends a
request. Retries draw on separate budgets, so one kind of trouble never uses up
another's:

- 429: the operation's bucket pauses for the server's hint (bounded by
  `RetryPolicy.max_server_pause`) and the request waits for a new permit, at most
  `max_rate_limited` times; limiter waits do not count against `Timeouts.total`;
- 401: one fresh sign-in, when the credentials can sign in;
- 502/503/504 and transport failures: reads (and requests that surely never
  left) are sent again with jittered backoff, at most `max_attempts` tries,
  all inside `Timeouts.total` for the whole call.

Redirects are never followed: the API documents none, and following one could
carry a credential to another origin. Every error is built outside any
`except` block, so no aiohttp exception (whose repr holds request headers) rides
along on `__context__`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import time
import warnings
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import aiohttp
import attrs
import orjson
from yarl import URL

from . import errors
from ._auth import Credentials, usable_token
from ._body import BodyTooLargeError, StreamedBody, read_capped
from ._config import RetryPolicy, Timeouts
from ._hints import retry_after_seconds
from ._limits import RateLimit, RateLimitBackend
from ._network import Network
from ._pacing import Pacing
from ._pagination import (
    AsyncPager,
    Page,
    PageToken,
    check_max_items,
    check_page_class,
    page_of,
)
from ._paths import QueryValue, encode_path_parameter, query_items
from ._request import (
    JSON_ACCEPT,
    AttemptFailure,
    CallBudget,
    FormFactory,
    FormFields,
    PreparedRequest,
    RequestOptions,
    build_error,
    describe_failure,
    error_context,
    form_data,
    form_view,
    redirect_error,
    server_text,
    with_trace_headers,
)
from ._spec import OPERATIONS, Operation, TimeoutKind
from ._stats import ClientStats
from ._validation import ABSENT, check_request
from .events import (
    CallFinished,
    CallStarted,
    EventDispatcher,
    RequestFinished,
    RequestStarted,
    Retrying,
    SignedIn,
)
from .models import structure_response, unstructure

__all__ = ["JSON_ACCEPT", "FormFactory", "Transport"]

T = TypeVar("T")

logger = logging.getLogger("amigo_async")

_ERROR_BODY_BYTES = 16_384
_URL_CACHE_SIZE = 512
_RETRYABLE_STATUSES = frozenset({502, 503, 504})
# A first attempt may end this much after `Timeouts.total`, rather than build a
# timer object of its own on every call for the microseconds spent before it.
_TIMER_SLACK = 0.01
_TRANSPORT_FAILURES = (aiohttp.ClientError, TimeoutError)
# A call with nothing of its own (get-organization) shares one options value:
# building a frozen value costs more than the rest of such a call's preparation.
_PLAIN = RequestOptions()
_CLOSED = "the client was closed while this call was in flight"


def _ended_by(exc: BaseException) -> str:
    """What `RequestFinished.error` says for an attempt ended by an exception."""
    return "cancelled" if isinstance(exc, asyncio.CancelledError) else type(exc).__name__


@attrs.frozen
class _SignInAnswer:
    id_token: str
    expires_at: datetime


def _wire_body(json_body: Any) -> Any:
    """The JSON body as it goes on the wire (an attrs body unstructured), or ABSENT: the
    one form both the validation pass and the encoder read."""
    if json_body is None:
        return ABSENT
    return unstructure(json_body) if attrs.has(type(json_body)) else json_body


class Transport:
    """Owns the session, the credentials' use and the limiter; sends every request."""

    def __init__(
        self,
        *,
        base_url: URL,
        organization: str,
        credentials: Credentials,
        limits: Mapping[str, RateLimit],
        backend: RateLimitBackend,
        timeouts: Timeouts,
        retry: RetryPolicy,
        fixed_headers: Mapping[str, str],
        network: Network,
        max_connections: int,
        max_body_bytes: int,
        events: EventDispatcher,
        stats: ClientStats,
        user_agent: str,
    ) -> None:
        self.organization = organization
        self.credentials = credentials
        self._pacing = Pacing(
            identity=credentials.identity,
            limits=limits,
            backend=backend,
            retry=retry,
            events=events,
            stats=stats,
        )
        self.timeouts = timeouts
        self.retry = retry
        self.stats = stats
        self.max_body_bytes = max_body_bytes
        self._events = events
        self._origin = str(base_url.origin())
        self._prefix = f"{base_url.raw_path.rstrip('/')}/v1/" + encode_path_parameter(
            "organization", organization
        )
        self._template = f"{base_url.raw_path.rstrip('/')}/v1/{{organization}}"
        # Sent with every request from the per-request dict: session default headers
        # would make aiohttp merge two header sets on every call.
        self._fixed_headers = {"User-Agent": user_agent, **fixed_headers}
        self._network = network
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._keys = iter(range(1, 2**62))
        self._observed = bool(events)  # no hook: no event objects built at all
        self._urls: dict[str, URL] = {}
        self._fixed: dict[
            tuple[str, str], tuple[Operation, aiohttp.ClientTimeout, dict[str, str]]
        ] = {}
        # Calls with no parameters, body or headers of their own (get-organization):
        # one prepared request per operation serves them all.
        self._parameterless: dict[tuple[str, str, bool], PreparedRequest] = {}
        self._timeouts = {kind: timeouts.for_kind(kind) for kind in TimeoutKind}

    # -- lifetime ---------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    def open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise errors.ClientClosedError("this AmigoClient is closed; create a new one")
        if self._session is None:
            network = self._network
            self._session = aiohttp.ClientSession(
                connector=network.connector(limit=self._max_connections),
                proxy=network.proxy,
                raise_for_status=False,
                auto_decompress=True,
            )
        return self._session

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        """An opened client dropped without `aclose`: say so, as aiohttp and asyncio do.

        Calls made without ``async with`` work (the session opens on first use); a
        client that then leaks its connections is the mistake this names.
        """
        if getattr(self, "_session", None) is not None and not self._closed:
            _warn(
                f"unclosed AmigoClient for organization {self.organization!r}: use "
                "`async with AmigoClient(...) as client:` or call `await client.aclose()`",
                ResourceWarning,
                source=self,
            )

    async def aclose(self) -> None:
        self._closed = True
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- what resources call ----------------------------------------------------

    async def request_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> T:
        """Send, read the JSON answer (bounded by `max_body_bytes`) and structure it as `into`."""
        options = _PLAIN
        if path_params or params or json_body is not None or form or headers or bearer_only:
            options = RequestOptions(
                path_params=path_params,
                params=params,
                json_body=json_body,
                form=form,
                headers=headers,
                bearer_only=bearer_only,
            )
        request = self.build(operation_id, options)
        return structure_response(await self._json_answer(request), into, operation_id)

    async def request_optional_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
    ) -> T | None:
        """`request_json` for an operation whose answer may be empty or `null` (a dry run)."""
        options = RequestOptions(path_params=path_params, params=params, json_body=json_body)
        value = await self._json_answer(self.build(operation_id, options))
        return None if value is None else structure_response(value, into, operation_id)

    async def request_none(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> None:
        """Send an operation whose answer carries nothing the caller needs (204, `null`)."""
        options = RequestOptions(
            path_params=path_params,
            params=params,
            json_body=json_body,
            headers=headers,
            bearer_only=bearer_only,
        )
        await self._send(self.build(operation_id, options), read_body=True)

    @asynccontextmanager
    async def stream(
        self,
        operation_id: str,
        *,
        accept: str,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[StreamedBody]:
        """A 2xx answer whose body the caller reads as it arrives; released on every exit."""
        options = RequestOptions(
            path_params=path_params,
            params=params,
            json_body=json_body,
            form=form,
            headers=headers,
            accept=accept,
        )
        request = self.build(operation_id, options)
        response, _ = await self._send(request, read_body=False)
        pace = (self.timeouts.low_speed_bytes, self.timeouts.low_speed_window)
        context = error_context(request, response, self.credentials.secrets)
        body = StreamedBody(
            response, context, low_speed=pace, turn_total=self.timeouts.turn_total
        )
        try:
            yield body
        finally:
            body.release()

    def check(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        form: FormFields | None = None,
    ) -> None:
        """The validation pass now, for a call sent later: a lazy stream refuses a wrong
        argument where it is called, not where it is first iterated."""
        body = form_view(form) if form is not None else _wire_body(json_body)
        check_request(operation_id, path_params, params, body)

    def paginate(
        self,
        operation_id: str,
        into: type[object],
        item: type[T],
        params: Mapping[str, QueryValue],
        *,
        path_params: Mapping[str, object] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[T]:
        """An `AsyncPager` of `item` over a continuation-token list, in pages as large as allowed.

        `into` is the class of one whole page's answer; the operations table says
        which of its fields hold the items (a ``list[item]``) and the next token.
        """
        paging = OPERATIONS[operation_id].paging
        if paging is None:
            raise ValueError(f"{operation_id} is not a paginated list")
        check_page_class(into, paging.items_field, item)
        check_request(operation_id, path_params, {**params, "limit": limit})  # refused now
        check_max_items(max_items)
        page_size = limit if limit is not None else paging.cap
        if max_items is not None and max_items > 0:
            page_size = min(page_size, max_items)

        async def fetch(token: PageToken) -> Page[T]:
            options = RequestOptions(
                path_params=path_params,
                params={**params, "limit": page_size, "continuation_token": token},
                checked=True,  # the check above holds for every page; only the token changes
            )
            answer = await self._json_answer(self.build(operation_id, options))
            return page_of(structure_response(answer, into, operation_id), paging, operation_id)

        return AsyncPager(
            fetch, first_token=paging.first_token, operation_id=operation_id, max_items=max_items
        )

    def rate_limit(self, operation_id: str) -> RateLimit | None:
        """The limit `operation_id` is paced to (None: no bucket); the pacing holds them all."""
        return self._pacing.limits.get(operation_id)

    def url(self, operation_id: str, path_params: Mapping[str, object] | None = None) -> str:
        """The absolute URL of an operation (for tools such as git that send on their own)."""
        return self._origin + self._path(OPERATIONS[operation_id], path_params)

    async def basic_credential(self) -> tuple[str, str]:
        """(``{org}_{user}``, a current token): the git interface's Basic pair."""
        username = self.credentials.basic_username()
        if username is None:
            raise ValueError(
                "user_id is needed for the git interface (username {org}_{user}): "
                "pass user_id= to AmigoClient"
            )
        token, _ = await self._authorization(bearer=True)
        return username, token

    async def _authorization(self, *, bearer: bool) -> tuple[str, str]:
        """(token, Authorization value), signing in first when the credentials ask for it.

        The credentials' auth flow, driven from here: their turn either holds a
        token or names the sign-in request it needs; the transport sends that
        request and hands the answer back. Concurrent callers share one sign-in.
        """
        ready = self.credentials.ready_authorization(bearer)
        if ready is not None:
            return ready
        async with self.credentials.sign_in_turn() as turn:
            if turn.sign_in_headers is not None:
                turn.signed_in(*await self._sign_in(turn.sign_in_headers))
            token = turn.token()
        return token, self.credentials.header(token, bearer)

    async def _sign_in(self, headers: Mapping[str, str]) -> tuple[str, datetime]:
        """sign-in-with-api-key with the credentials' headers; a token a header can carry."""
        started = time.monotonic()
        operation_id = "sign-in-with-api-key"
        answer = await self.request_json(operation_id, _SignInAnswer, headers=headers)
        if not usable_token(answer.id_token):
            raise errors.InvalidResponseError(
                "sign-in answered an id_token that cannot be sent in a header "
                "(empty, too long, or holding spaces or control characters)",
                status=200,
                operation_id=operation_id,
                method=OPERATIONS[operation_id].method,
                path=self._path(OPERATIONS[operation_id], None),
            )
        self.stats.sign_ins += 1
        if self._events:
            self._events.emit(SignedIn(operation_id, time.monotonic() - started))
        return answer.id_token, answer.expires_at

    # -- building ---------------------------------------------------------------

    def _path(self, operation: Operation, path_params: Mapping[str, object] | None) -> str:
        path = operation.path
        if operation.path_parameters:
            given = path_params or {}
            missing = [name for name in operation.path_parameters if name not in given]
            if missing:
                raise ValueError(f"{operation.id}: missing path parameter(s) {missing}")
            path = path.format(
                **{n: encode_path_parameter(n, given[n]) for n in operation.path_parameters}
            )
        return self._prefix + path

    def _url(self, path: str) -> URL:
        """The URL of an encoded path; the last few hundred are kept, as most calls repeat one."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            url = self._urls[path] = URL(self._origin + path, encoded=True)
        return url

    def build(self, operation_id: str, options: RequestOptions) -> PreparedRequest:
        """The request a call describes, checked and encoded, ready to send (and resend)."""
        accept, bearer_only = options.accept, options.bearer_only
        parameterless = options.parameterless
        if parameterless:  # nothing of the call's own: the same request as last time
            cached = self._parameterless.get((operation_id, accept, bearer_only))
            if cached is not None:
                return cached
        fixed = self._fixed.get((operation_id, accept))
        if fixed is None:
            fixed = self._fixed[operation_id, accept] = self._fixed_parts(operation_id, accept)
        operation, timeout, request_headers = fixed
        path_params, params = options.path_params, options.params
        json_body = _wire_body(options.json_body)
        form = options.form
        if not options.checked:
            checked_body = json_body if form is None else form_view(form)
            check_request(operation_id, path_params, params, checked_body)
        path = self._path(operation, path_params)
        body: bytes | FormFactory | None = None if form is None else partial(form_data, form)
        headers = options.headers
        if json_body is not ABSENT or headers:
            request_headers = dict(request_headers)  # the shared one is never changed
        if json_body is not ABSENT:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            request_headers["Content-Type"] = "application/json"
        if headers:
            request_headers.update(headers)
        request = PreparedRequest(
            operation=operation,
            path=path,
            url=self._url(path),
            query=query_items(params) if params else None,
            body=body,
            headers=request_headers,
            timeout=timeout,
            bearer_only=bearer_only,
        )
        if parameterless:
            self._parameterless[operation_id, accept, bearer_only] = request
        return request

    def _fixed_parts(
        self, operation_id: str, accept: str
    ) -> tuple[Operation, aiohttp.ClientTimeout, dict[str, str]]:
        """What every call of an operation shares: found once, not on every call."""
        operation = OPERATIONS[operation_id]
        headers = {"Accept": accept, **self._fixed_headers}
        return operation, self._timeouts[operation.timeout], headers

    # -- sending ----------------------------------------------------------------

    def _total(self, operation: Operation) -> float:
        total = (
            self.timeouts.long_total
            if operation.timeout is TimeoutKind.LONG
            else self.timeouts.total
        )
        return math.inf if total is None else total

    async def _send(
        self, request: PreparedRequest, *, read_body: bool
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        """Send until a 2xx answer (its body read when `read_body`) or a final error."""
        if not self._observed:
            return await self._send_until_answered(request, read_body, call=0)
        operation = request.operation
        call = next(self._keys)
        started = time.monotonic()
        self._events.emit(CallStarted(call, operation.id, operation.method))
        error: str | None = "cancelled"  # unless the call returns or raises an Exception
        try:
            answer = await self._send_until_answered(request, read_body, call=call)
            error = None
            return answer
        except Exception as exc:
            error = type(exc).__name__
            raise
        finally:
            seconds = time.monotonic() - started
            self._events.emit(CallFinished(call, operation.id, seconds, error))

    async def _send_until_answered(
        self, request: PreparedRequest, read_body: bool, *, call: int
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        session = self.open()
        budget = CallBudget(deadline=time.monotonic() + self._total(request.operation), call=call)
        while True:
            token, outcome = await self._attempt(session, request, budget)
            if isinstance(outcome, AttemptFailure):
                await self._after_failure(request, budget, outcome, None)
                continue
            response = outcome
            if response.status < 300:
                if token is not None:
                    self.credentials.accepted(token)
                if not read_body:
                    return response, b""
                body = await self._read_body(request, response, budget)
                if body is not None:
                    return response, body
                continue
            await self._after_status(request, budget, response, token)

    async def _attempt(
        self, session: aiohttp.ClientSession, request: PreparedRequest, budget: CallBudget
    ) -> tuple[str | None, aiohttp.ClientResponse | AttemptFailure]:
        """One try: a permit, credentials, the request; a response or a described failure."""
        permit = self._pacing.ready(request.operation)
        if permit is None:
            permit, waited = await self._pacing.permit(request.operation)
            budget.waited(waited, "for the rate limiter")  # bounded by the limits instead
        token: str | None = None
        authorization: str | None = None
        try:
            if request.operation.authenticated:
                ready = self.credentials.ready_authorization(request.bearer_only)
                token, authorization = ready or await self._signed_in(request, budget)
            timeout = self._attempt_timeout(request, budget)
        except BaseException:
            permit.unused()
            raise
        headers = request.headers if authorization is None else request.with_auth(authorization)
        budget.sent += 1
        self.stats.requests_sent += 1
        observed = self._observed
        key = next(self._keys) if observed else 0
        started = time.monotonic()
        if observed:
            trace = self._emit_start(request, key, budget)
            if trace:
                headers = with_trace_headers(headers, trace)
        failure: AttemptFailure | None = None
        response: aiohttp.ClientResponse | None = None
        try:
            sending = session.request(
                request.operation.method,
                request.url,
                params=request.query,
                data=request.body() if callable(request.body) else request.body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                proxy_headers=self._network.proxy_headers,
            )
            if timeout.total is None:  # a stream: bound the wait for its headers here
                async with asyncio.timeout(budget.remaining()):
                    response = await sending
            else:
                response = await sending
        except _TRANSPORT_FAILURES as exc:
            failure = AttemptFailure(
                describe_failure(exc), isinstance(exc, aiohttp.ClientConnectorError)
            )
        except BaseException as exc:  # cancelled, say: the attempt still ends for observers
            if not (self._closed and isinstance(exc, RuntimeError)):
                if observed:
                    ended = AttemptFailure(_ended_by(exc), False)
                    self._emit_finish(request, key, budget, started, None, ended)
                raise
            failure = AttemptFailure(_CLOSED, False)  # aiohttp's "Session is closed": ours
        finally:
            permit.sent()
        if observed:
            self._emit_finish(request, key, budget, started, response, failure)
        if failure is not None:
            return token, failure
        assert response is not None
        self.stats.count(response.status)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(  # header names only: their values hold the credentials
                "%s %s -> %d in %.3fs (headers sent: %s)",
                request.operation.method,
                request.path,
                response.status,
                time.monotonic() - started,
                ", ".join(headers),
            )
        if "X-RateLimit-Remaining" in response.headers or "X-RateLimit-Limit" in response.headers:
            await self._pacing.learn(request.operation, response.headers, started)
        return token, response

    async def _signed_in(self, request: PreparedRequest, budget: CallBudget) -> tuple[str, str]:
        """The token and Authorization header once none is ready. The sign-in, bounded by
        its own call, is not charged to this call's `Timeouts.total` (as a limiter wait)."""
        started = time.monotonic()
        ready = await self._authorization(bearer=request.bearer_only)
        budget.waited(time.monotonic() - started, "to sign in")
        return ready

    def _attempt_timeout(
        self, request: PreparedRequest, budget: CallBudget
    ) -> aiohttp.ClientTimeout:
        """aiohttp's own timer bounds this attempt by what is left of `Timeouts.total`.

        A streamed body has no total (only silence ends it); the wait for its
        headers is bounded by the caller's `asyncio.timeout` instead.
        """
        remaining = budget.remaining()
        if remaining <= 0:
            raise self._error(
                errors.TransportError,
                f"Timeouts.total ran out before an attempt could be sent ({budget.waits()})",
                request,
            )
        kind = request.timeout
        if kind.total is None or remaining >= kind.total - _TIMER_SLACK:
            return kind  # a stream, or an attempt with (all but a few ms of) the whole budget
        return aiohttp.ClientTimeout(total=remaining, sock_connect=kind.sock_connect)

    # -- reading and classifying ---------------------------------------------------

    async def _read_body(
        self, request: PreparedRequest, response: aiohttp.ClientResponse, budget: CallBudget
    ) -> bytes | None:
        """The whole 2xx body, or None after a cut read that will be retried."""
        failure: AttemptFailure | None = None
        too_large = False
        body = b""
        try:
            body = await read_capped(response, self.max_body_bytes)  # under the attempt's timer
        except BodyTooLargeError:
            too_large = True
        except _TRANSPORT_FAILURES as exc:
            failure = AttemptFailure(f"body interrupted: {describe_failure(exc)}", False)
        finally:
            if failure is None and not too_large:
                response.release()
            else:
                response.close()
        if too_large:
            raise self._error(
                errors.InvalidResponseError,
                f"the answer is larger than max_body_bytes={self.max_body_bytes}",
                request,
                response,
            )
        if failure is not None:
            await self._after_failure(request, budget, failure, response)
            return None
        return body

    async def _json_answer(self, request: PreparedRequest) -> Any:
        response, body = await self._send(request, read_body=True)
        return self._decode(request, response, body)

    def _decode(
        self, request: PreparedRequest, response: aiohttp.ClientResponse, body: bytes
    ) -> Any:
        if not body or body.isspace():
            return None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        raise self._error(
            errors.InvalidResponseError, "the answer is not valid JSON", request, response, body
        )

    async def _after_failure(
        self,
        request: PreparedRequest,
        budget: CallBudget,
        failure: AttemptFailure,
        response: aiohttp.ClientResponse | None,
    ) -> None:
        """Back off before another try, or raise: a failure is retried only when it is safe."""
        if self._closed:
            raise self._error(errors.ClientClosedError, _CLOSED, request, response)
        budget.attempts += 1
        safe = request.operation.idempotent or failure.never_sent
        delay = self._backoff(budget.attempts)
        if safe and budget.attempts < self.retry.max_attempts and delay < budget.remaining():
            await self._pause_before_retry(request, budget, "transport", delay)
            return
        if budget.remaining() <= 0:
            message = f"no answer within Timeouts.total ({failure.description})"
        else:
            message = failure.description
        raise self._error(errors.TransportError, message, request, response)

    async def _after_status(
        self,
        request: PreparedRequest,
        budget: CallBudget,
        response: aiohttp.ClientResponse,
        token: str | None,
    ) -> None:
        """An error status: return to try again, or raise the status's error."""
        status = response.status
        body = await self._error_body(response)
        if status == 429:
            await self._after_rate_limited(request, budget, response, body)
            return
        if (
            status == 401
            and token is not None
            and not budget.signed_in_again
            and self.credentials.can_refresh()
        ):
            budget.signed_in_again = True
            self.credentials.invalidate(token)
            self._count_retry(request, budget, "401", 0.0)
            return
        if status in _RETRYABLE_STATUSES and request.operation.idempotent:
            budget.attempts += 1
            hinted = retry_after_seconds(response.headers, or_reset=False)
            delay = self._backoff(budget.attempts, hinted)
            if budget.attempts < self.retry.max_attempts and delay < budget.remaining():
                await self._pause_before_retry(request, budget, str(status), delay)
                return
        secrets = self.credentials.secrets
        if 300 <= status < 400:
            raise redirect_error(request, response, secrets)
        message = server_text(response.reason, secrets) or "request failed"
        raise self._error(errors.error_for_status(status), message, request, response, body)

    async def _after_rate_limited(
        self,
        request: PreparedRequest,
        budget: CallBudget,
        response: aiohttp.ClientResponse,
        body: bytes,
    ) -> None:
        """Pause every caller of the operation for the server's hint, then queue again."""
        self.stats.rate_limited += 1
        budget.rate_limited += 1
        operation = request.operation
        hint = self._pacing.pause_hint(operation, response.headers, budget.rate_limited)
        cap = self._pacing.cap(operation)
        if hint > cap:
            raise self._error(
                errors.RateLimitError,
                f"the server asks for a pause of {hint:g}s, beyond max_server_pause={cap:g}s",
                request,
                response,
                body,
                retry_after=hint,
            )
        await self._pacing.pause(operation, hint)
        if budget.rate_limited >= self.retry.max_rate_limited:
            raise self._error(
                errors.RateLimitError,
                "rate limited by the server",
                request,
                response,
                body,
                retry_after=hint,
            )
        self._count_retry(request, budget, "429", hint)

    async def _error_body(self, response: aiohttp.ClientResponse) -> bytes:
        body = b""
        try:
            body = await response.content.read(_ERROR_BODY_BYTES)
        except _TRANSPORT_FAILURES:
            pass
        finally:
            response.close()
        return body

    # -- retries ------------------------------------------------------------------

    def _backoff(self, attempt: int, hinted: float | None = None) -> float:
        if hinted is not None:
            return min(hinted, self.retry.backoff_max)
        ceiling = min(self.retry.backoff_max, self.retry.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def _pause_before_retry(
        self, request: PreparedRequest, budget: CallBudget, reason: str, delay: float
    ) -> None:
        self._count_retry(request, budget, reason, delay)
        await asyncio.sleep(delay)

    def _count_retry(
        self, request: PreparedRequest, budget: CallBudget, reason: str, delay: float
    ) -> None:
        self.stats.retries += 1
        if self._events:
            self._events.emit(Retrying(request.operation.id, reason, budget.sent, delay))

    # -- events ---------------------------------------------------------------------

    def _emit_start(self, request: PreparedRequest, key: int, budget: CallBudget) -> dict[str, str]:
        """Announce the attempt; returns the tracing headers a hook asks to send with it."""
        operation = request.operation
        event = RequestStarted(
            key,
            operation.id,
            operation.method,
            request.path,
            budget.sent,
            call=budget.call,
            url=str(request.url),
            url_template=self._template + operation.path,
        )
        self._events.emit(event)
        return event.trace_headers

    def _emit_finish(
        self,
        request: PreparedRequest,
        key: int,
        budget: CallBudget,
        started: float,
        response: aiohttp.ClientResponse | None,
        failure: AttemptFailure | None,
    ) -> None:
        operation = request.operation
        self._events.emit(
            RequestFinished(
                key,
                operation.id,
                operation.method,
                request.path,
                budget.sent,
                None if response is None else response.status,
                time.monotonic() - started,
                None if failure is None else failure.description,
                call=budget.call,
            )
        )

    # -- errors ---------------------------------------------------------------------

    def _error(
        self,
        cls: type[errors.AmigoError],
        message: str,
        request: PreparedRequest,
        response: aiohttp.ClientResponse | None = None,
        body: bytes = b"",
        **extra: Any,
    ) -> errors.AmigoError:
        return build_error(cls, message, request, response, body, self.credentials.secrets, **extra)
