"""`AmigoClient`: the session, the credentials, and the one request path.

Every call goes through `_send`: rate limiter -> credentials -> aiohttp -> status
handling (429 pause and retry, 401 refresh and retry once, 503 / transport retry
for reads) -> a typed error or a response. Resources only describe operations.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import aiohttp
import attrs
from yarl import URL

from . import errors
from ._auth import ApiKeyCredentials, AuthScheme, Credentials, TokenCredentials
from ._config import RetryPolicy, Timeouts, resolve_base_url
from ._limits import InProcessBackend, Permit, RateLimit, RateLimitBackend
from ._spec import OPERATIONS, Operation

if TYPE_CHECKING:
    from .resources.admin import AdminResource
    from .resources.organization import OrganizationResource
    from .resources.tools import ToolsResource

__all__ = ["AmigoClient", "ClientStats", "encode_path_parameter"]

logger = logging.getLogger("amigo_async")

_USER_AGENT = "amigo_async/0.1.0"
_REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid", "request-id", "x-correlation-id")
_MULTI_SEGMENT_PARAMETERS = frozenset({"file_path", "directory_path", "git_path"})
_ERROR_BODY_BYTES = 16_384
_RETRYABLE_READ_STATUSES = frozenset({502, 503, 504})

QueryValue = str | int | float | bool | None | Sequence[str | int | float | bool]


@attrs.define
class ClientStats:
    """Counters for progress reports, benchmarks and tests."""

    requests_sent: int = 0
    responses: dict[int, int] = attrs.field(factory=dict)
    rate_limited: int = 0  # 429 answers received
    retries: int = 0
    throttled_seconds: float = 0.0  # time spent waiting for a rate-limit token
    sign_ins: int = 0

    def count(self, status: int) -> None:
        self.responses[status] = self.responses.get(status, 0) + 1


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def _check_text(name: str, value: object) -> str:
    if value is None:
        raise ValueError(f"{name} is required")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if any(c in value for c in "\r\n\x00"):
        raise ValueError(f"{name} must not contain line breaks or NUL")
    return value


def _optional_text(name: str, value: object) -> str | None:
    return None if value is None else _check_text(name, value)


def _encode_segment(segment: str) -> str:
    if segment in (".", ".."):
        return segment.replace(".", "%2E")
    return quote(segment, safe="")


def encode_path_parameter(name: str, value: object) -> str:
    """Percent-encode one path parameter so it can never change which URL is called.

    File, directory and git paths keep their `/` separators, but `.` and `..`
    segments are encoded too, so no client or proxy resolves them away.
    """
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    text = str(value)
    if name in _MULTI_SEGMENT_PARAMETERS:
        return "/".join(_encode_segment(segment) for segment in text.split("/"))
    if not text:
        raise ValueError(f"{name} must not be empty")
    return _encode_segment(text)


def _query_items(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else (value,)
        for item in values:
            if isinstance(item, bool):
                items.append((key, "true" if item else "false"))
            else:
                items.append((key, str(item)))
    return items


def _retry_after_seconds(headers: Mapping[str, str], *, or_reset: bool = True) -> float | None:
    """Retry-After (seconds or an HTTP date); for a 429, X-RateLimit-Reset stands in for it."""
    value = headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            return max(0.0, when.timestamp() - time.time())
    return _reset_seconds(headers) if or_reset else None


def _reset_seconds(headers: Mapping[str, str]) -> float | None:
    """X-RateLimit-Reset: seconds from now, or an epoch timestamp when it is that large."""
    value = headers.get("X-RateLimit-Reset")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e9:
        number -= time.time()
    return max(0.0, number)


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value[:100]
    return None


class AmigoClient:
    """An async client for the Amigo Admin, Tool and Organization endpoints.

    Use it as ``async with AmigoClient(...) as client:``; it owns one pooled
    aiohttp session and one rate-limit bucket per documented operation. Arguments
    left out are read from the same environment variables as the official SDK
    (``AMIGO_API_KEY``, ``AMIGO_API_KEY_ID``, ``AMIGO_USER_ID``,
    ``AMIGO_ORGANIZATION_ID``, ``AMIGO_BASE_URL``) plus ``AMIGO_TOKEN``.
    """

    admin: AdminResource
    tools: ToolsResource
    organization: OrganizationResource

    def __init__(
        self,
        organization: str | None = None,
        *,
        token: str | None = None,
        api_key: str | None = None,
        api_key_id: str | None = None,
        user_id: str | None = None,
        base_url: str | None = None,
        region: str | None = None,
        rate_limits: Mapping[str, RateLimit | None] | None = None,
        rate_limiting: bool = True,
        rate_limit_backend: RateLimitBackend | None = None,
        auth_scheme: AuthScheme = "bearer",
        org_id_header: str | None = None,
        mongo_cluster: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
    ) -> None:
        organization = organization if organization is not None else _env("AMIGO_ORGANIZATION_ID")
        self.organization_id = _check_text("organization", organization)
        if "/" in self.organization_id or self.organization_id != self.organization_id.strip():
            raise ValueError("organization must be a bare identifier (no '/', no spaces)")
        if base_url is None and region is None:
            base_url = _env("AMIGO_BASE_URL")
        self.base_url: URL = resolve_base_url(base_url, region)
        if auth_scheme not in ("bearer", "basic"):
            raise ValueError(f"auth_scheme must be 'bearer' or 'basic', got {auth_scheme!r}")
        self._credentials = self._make_credentials(token, api_key, api_key_id, user_id, auth_scheme)
        self._org_id_header = _optional_text("org_id_header", org_id_header)
        self._mongo_cluster = _optional_text("mongo_cluster", mongo_cluster)
        if timeouts is not None and not isinstance(timeouts, Timeouts):
            raise TypeError("timeouts must be an amigo_async.Timeouts")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError("retry must be an amigo_async.RetryPolicy")
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise TypeError("max_connections must be an integer")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self._max_connections = max_connections
        if not isinstance(rate_limiting, bool):
            raise TypeError("rate_limiting must be True or False")
        self._limits = self._resolve_limits(rate_limits) if rate_limiting else {}
        if rate_limit_backend is not None and not isinstance(rate_limit_backend, RateLimitBackend):
            raise TypeError("rate_limit_backend must be a RateLimitBackend")
        self._backend = rate_limit_backend or InProcessBackend()
        self._session: aiohttp.ClientSession | None = None
        self._prefix = f"{self.base_url.raw_path.rstrip('/')}/v1/" + quote(
            self.organization_id, safe=""
        )
        self._origin = str(self.base_url.origin())
        self.stats = ClientStats()
        self._attach_resources()

    # -- construction helpers -------------------------------------------------

    def _make_credentials(
        self,
        token: str | None,
        api_key: str | None,
        api_key_id: str | None,
        user_id: str | None,
        scheme: AuthScheme,
    ) -> Credentials:
        explicit_key = any(v is not None for v in (api_key, api_key_id))
        if token is not None and explicit_key:
            raise ValueError("give token= or api_key=/api_key_id=, not both")
        user_id = user_id if user_id is not None else _env("AMIGO_USER_ID")
        if token is None and not explicit_key:
            if _env("AMIGO_API_KEY") and _env("AMIGO_API_KEY_ID"):
                api_key, api_key_id = _env("AMIGO_API_KEY"), _env("AMIGO_API_KEY_ID")
            else:
                token = _env("AMIGO_TOKEN")
        if token is not None:
            token = _check_text("token", token)
            user_id = (
                _check_text("user_id", user_id)
                if scheme == "basic"
                else _optional_text("user_id", user_id)
            )
            return TokenCredentials(token, self.organization_id, scheme, user_id)
        if api_key is None and api_key_id is None:
            raise ValueError(
                "no credentials: pass token= (a JWT) or api_key=, api_key_id= and user_id=, "
                "or set AMIGO_TOKEN or AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID"
            )
        api_key = api_key if api_key is not None else _env("AMIGO_API_KEY")
        api_key_id = api_key_id if api_key_id is not None else _env("AMIGO_API_KEY_ID")
        return ApiKeyCredentials(
            _check_text("api_key", api_key),
            _check_text("api_key_id", api_key_id),
            _check_text("user_id", user_id),
            self.organization_id,
            scheme,
        )

    @staticmethod
    def _resolve_limits(overrides: Mapping[str, RateLimit | None] | None) -> dict[str, RateLimit]:
        limits = {op.id: op.limit for op in OPERATIONS.values() if op.limit is not None}
        if overrides is None:
            return limits
        if not isinstance(overrides, Mapping):
            raise TypeError("rate_limits must be a mapping of operation id to RateLimit or None")
        for operation_id, limit in overrides.items():
            if operation_id not in OPERATIONS:
                raise ValueError(f"rate_limits: unknown operation id {operation_id!r}")
            if limit is None:
                limits.pop(operation_id, None)
            elif isinstance(limit, RateLimit):
                limits[operation_id] = limit
            else:
                raise TypeError(
                    f"rate_limits[{operation_id!r}] must be a RateLimit or None, "
                    f"not {type(limit).__name__}"
                )
        return limits

    def _attach_resources(self) -> None:
        from .resources.admin import AdminResource
        from .resources.organization import OrganizationResource
        from .resources.tools import ToolsResource

        self.admin = AdminResource(self)
        self.tools = ToolsResource(self)
        self.organization = OrganizationResource(self)

    # -- lifetime -------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeouts.for_kind(OPERATIONS["get-models"].timeout),
                headers={"User-Agent": _USER_AGENT},
                raise_for_status=False,
            )
        return self._session

    def __repr__(self) -> str:
        kind = "api-key" if isinstance(self._credentials, ApiKeyCredentials) else "token"
        return (
            f"AmigoClient(organization={self.organization_id!r}, base_url={str(self.base_url)!r}, "
            f"auth={kind}/{self._credentials.scheme})"
        )

    __str__ = __repr__

    # -- facts for callers ----------------------------------------------------

    def rate_limit(self, operation_id: str) -> RateLimit | None:
        """The limit this client paces `operation_id` to (None: no bucket)."""
        if operation_id not in OPERATIONS:
            raise ValueError(f"unknown operation id {operation_id!r}")
        return self._limits.get(operation_id)

    @property
    def credential_identity(self) -> str:
        """A hash naming the caller; never the secret itself."""
        return self._credentials.identity

    def _secrets(self) -> tuple[str, ...]:
        return self._credentials.secrets

    # -- the request path -----------------------------------------------------

    def _url(self, operation: Operation, path_params: Mapping[str, object] | None) -> str:
        path = operation.path
        if operation.path_parameters:
            params = path_params or {}
            missing = [name for name in operation.path_parameters if name not in params]
            if missing:
                raise ValueError(f"{operation.id}: missing path parameter(s) {missing}")
            path = path.format(
                **{
                    name: encode_path_parameter(name, params[name])
                    for name in operation.path_parameters
                }
            )
        return self._prefix + path

    async def _sign_in(self) -> tuple[str, datetime]:
        credentials = self._credentials
        assert isinstance(credentials, ApiKeyCredentials)
        body = await self._request_json(
            "sign-in-with-api-key",
            headers={
                "x-api-key": credentials.api_key,
                "x-api-key-id": credentials.api_key_id,
                "x-user-id": credentials.user_id() or "",
            },
        )
        self.stats.sign_ins += 1
        try:
            token = body["id_token"]
            expires_at = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
            if not isinstance(token, str) or not token:
                raise TypeError("id_token")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise errors.InvalidResponseError(
                "sign-in answered without a usable id_token / expires_at",
                operation_id="sign-in-with-api-key",
            ) from exc
        return token, expires_at

    def _headers(
        self, authorization: str | None, extra: Mapping[str, str] | None
    ) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        if self._org_id_header is not None:
            headers["X-ORG-ID"] = self._org_id_header
        if self._mongo_cluster is not None:
            headers["x-mongo-cluster-name"] = self._mongo_cluster
        if extra:
            headers.update(extra)
        return headers

    def _bucket_key(self, operation: Operation) -> str:
        """Names the (credential, operation) bucket; the identity is a hash, never a secret."""
        return f"{self._credentials.identity}:{operation.id}"

    async def _acquire(self, operation: Operation) -> Permit:
        key = self._bucket_key(operation)
        limit = self._limits.get(operation.id)
        started = time.monotonic()
        permit = await self._backend.acquire(key, limit)
        waited = time.monotonic() - started
        if waited > 0.001:
            self.stats.throttled_seconds += waited
            logger.debug("%s waited %.3fs for its rate limit", operation.id, waited)
        return permit

    async def _on_rate_limited(
        self, operation: Operation, headers: Mapping[str, str], n: int
    ) -> float:
        limit = self._limits.get(operation.id)
        delay = _retry_after_seconds(headers)
        if delay is None:
            interval = limit.interval if limit else 1.0
            delay = min(interval * 2**n, limit.per_seconds if limit else 60.0)
        key = self._bucket_key(operation)
        await self._backend.pause(key, limit, delay)
        logger.warning("%s: 429 from the server; pausing %.2fs", operation.id, delay)
        return delay

    async def _learn(
        self, operation: Operation, headers: Mapping[str, str], sent_at: float
    ) -> None:
        """Follow X-RateLimit-* when a server sends them: a lower limit, fewer sends left."""
        limit = self._limits.get(operation.id)
        key = self._bucket_key(operation)
        announced = headers.get("X-RateLimit-Limit", "")
        if limit is not None and announced.isdigit():
            await self._backend.learn_limit(key, limit, int(announced))
        remaining = headers.get("X-RateLimit-Remaining", "")
        if not remaining.isdigit():
            return
        if limit is not None:
            await self._backend.learn_remaining(key, limit, int(remaining), as_of=sent_at)
        elif remaining == "0":
            reset = _reset_seconds(headers)
            if reset:
                await self._backend.pause(key, None, reset)

    def _backoff(self, attempt: int, headers: Mapping[str, str] | None = None) -> float:
        if headers is not None:
            hinted = _retry_after_seconds(headers, or_reset=False)
            if hinted is not None:
                return min(hinted, self.retry.backoff_max)
        ceiling = min(self.retry.backoff_max, self.retry.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _error(
        self,
        cls: type[errors.AmigoError],
        message: str,
        operation: Operation,
        path: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        **extra: Any,
    ) -> errors.AmigoError:
        excerpt = (
            errors.sanitize(body.decode("utf-8", "replace"), self._secrets()) if body else None
        )
        return cls(
            message,
            status=status,
            operation_id=operation.id,
            method=operation.method,
            path=path,
            request_id=_request_id(headers) if headers is not None else None,
            body_excerpt=excerpt or None,
            **extra,
        )

    async def _send(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        read_body: bool = True,
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        """Send until a 2xx answer or a final error.

        With `read_body`, the body is read here, so a read interrupted mid-body is
        retried like any other transport failure; otherwise the caller streams the
        body and releases the response (and b"" is returned for it).
        """
        operation = OPERATIONS[operation_id]
        method = method or operation.method
        path = self._url(operation, path_params)
        url = URL(self._origin + path, encoded=True)
        query = _query_items(params) if params else None
        data = None if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        timeout = self.timeouts.for_kind(operation.timeout)
        session = self._ensure_session()
        attempt = rate_limited = 0
        refreshed = False
        while True:
            attempt += 1
            permit = await self._acquire(operation)
            authorization = token = None
            if operation.authenticated:
                try:
                    token, authorization = await self._credentials.authorization(self._sign_in)
                except BaseException:
                    permit.unused()
                    raise
            request_headers = self._headers(authorization, headers)
            if data is not None:
                request_headers["Content-Type"] = "application/json"
            started = time.monotonic()
            try:
                self.stats.requests_sent += 1
                response = await session.request(
                    method, url, params=query, data=data, headers=request_headers, timeout=timeout
                )
            except asyncio.CancelledError:
                permit.sent()
                raise
            except (aiohttp.ClientError, TimeoutError) as exc:
                permit.sent()
                never_sent = isinstance(exc, aiohttp.ClientConnectorError)
                if (operation.idempotent or never_sent) and attempt < self.retry.max_attempts:
                    self.stats.retries += 1
                    await asyncio.sleep(self._backoff(attempt))
                    continue
                raise self._error(
                    errors.TransportError,
                    f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                    operation,
                    path,
                ) from (None if isinstance(exc, aiohttp.ClientResponseError) else exc)
            permit.sent()
            status = response.status
            self.stats.count(status)
            logger.debug("%s %s -> %d in %.3fs", method, path, status, time.monotonic() - started)
            if (
                "X-RateLimit-Remaining" in response.headers
                or "X-RateLimit-Limit" in response.headers
            ):
                await self._learn(operation, response.headers, started)
            if status < 400:
                if not read_body:
                    return response, b""
                try:
                    return response, await response.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    response.close()
                    if operation.idempotent and attempt < self.retry.max_attempts:
                        self.stats.retries += 1
                        await asyncio.sleep(self._backoff(attempt))
                        continue
                    raise self._error(
                        errors.TransportError,
                        f"body interrupted: {type(exc).__name__}",
                        operation,
                        path,
                        status=status,
                        headers=response.headers,
                    ) from exc
                finally:
                    response.release()
            try:
                body = await response.content.read(_ERROR_BODY_BYTES)
            except (aiohttp.ClientError, TimeoutError):
                body = b""
            finally:
                response.release()
            if status == 429:
                self.stats.rate_limited += 1
                rate_limited += 1
                delay = await self._on_rate_limited(operation, response.headers, rate_limited)
                if rate_limited < self.retry.max_rate_limited:
                    self.stats.retries += 1
                    continue
                raise self._error(
                    errors.RateLimitError,
                    "rate limited by the server",
                    operation,
                    path,
                    status=status,
                    headers=response.headers,
                    body=body,
                    retry_after=delay,
                )
            if (
                status == 401
                and token is not None
                and not refreshed
                and self._credentials.can_refresh()
            ):
                refreshed = True
                self._credentials.invalidate(token)
                self.stats.retries += 1
                continue
            if (
                status in _RETRYABLE_READ_STATUSES
                and operation.idempotent
                and attempt < self.retry.max_attempts
            ):
                self.stats.retries += 1
                await asyncio.sleep(self._backoff(attempt, response.headers))
                continue
            raise self._error(
                errors.error_for_status(status),
                response.reason or "request failed",
                operation,
                path,
                status=status,
                headers=response.headers,
                body=body,
            )

    async def _request_json(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send and decode a JSON answer (None for an empty body such as 204)."""
        response, body = await self._send(
            operation_id,
            path_params=path_params,
            params=params,
            json_body=json_body,
            headers=headers,
        )
        operation = OPERATIONS[operation_id]
        path = response.url.raw_path
        if not body.strip():
            return None
        try:
            return json.loads(body)
        except ValueError:
            raise self._error(
                errors.InvalidResponseError,
                "the answer is not valid JSON",
                operation,
                path,
                status=response.status,
                headers=response.headers,
                body=body,
            ) from None

    @asynccontextmanager
    async def _stream(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """A 2xx response whose body the caller streams; released on every exit path."""
        response, _ = await self._send(
            operation_id,
            path_params=path_params,
            params=params,
            json_body=json_body,
            headers=headers,
            read_body=False,
        )
        try:
            yield response
        finally:
            if response.content.at_eof():
                response.release()
            else:
                response.close()  # an unread body must not go back to the pool
