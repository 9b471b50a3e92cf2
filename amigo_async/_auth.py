"""Credentials: a ready JWT, or an API key that signs in and refreshes before expiry.

Secrets live only in these objects; their reprs show neither token nor key, and
the bucket identity is a hash, so a rate-limit key in Redis or a log says nothing.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

import attrs

__all__ = ["ApiKeyCredentials", "AuthScheme", "Credentials", "SignIn", "TokenCredentials"]

AuthScheme = Literal["bearer", "basic"]

SignIn = Callable[[], Awaitable[tuple[str, datetime]]]
"""Calls sign-in-with-api-key; returns (id_token, expires_at)."""

# Refresh this long before the server's expiry, or at a tenth of a short lifetime.
_REFRESH_MARGIN_SECONDS = 60.0
# A token that arrives already expired (a clock skew, a wrong server) is used this
# long before signing in again, instead of signing in before every call.
_EXPIRED_TOKEN_REUSE_SECONDS = 30.0

logger = logging.getLogger("amigo_async")


def _identity(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:20]


def _authorization(scheme: AuthScheme, token: str, organization: str, user_id: str | None) -> str:
    if scheme == "bearer":
        return f"Bearer {token}"
    pair = f"{organization}_{user_id}:{token}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class Credentials(abc.ABC):
    """What a request needs to authenticate, and what to do after a 401."""

    scheme: AuthScheme
    organization: str
    _headers: dict[tuple[str, bool], str]  # the header of the current token, per scheme

    @property
    @abc.abstractmethod
    def identity(self) -> str:
        """A stable, non-secret name of the caller, for rate-limit bucket keys."""

    @property
    @abc.abstractmethod
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from anything we print."""

    @abc.abstractmethod
    async def token(self, sign_in: SignIn) -> str:
        """A token valid for the next request."""

    def can_refresh(self) -> bool:
        return False

    def invalidate(self, token: str) -> None:
        """`token` was refused (401); forget it if it is still the current one."""

    def accepted(self, token: str) -> None:
        """`token` was just accepted: a later 401 for it is worth a fresh sign-in again."""

    @abc.abstractmethod
    def user_id(self) -> str | None: ...

    def ready_authorization(self, bearer: bool = False) -> tuple[str, str] | None:
        """(token, header) when a valid token is at hand, without awaiting anything.

        The request path asks this first: a ready JWT costs a dict lookup, not a
        coroutine, on every call.
        """
        token = self._ready_token()
        if token is None:
            return None
        key = (token, bearer)
        header = self._headers.get(key)
        if header is None:
            scheme: AuthScheme = "bearer" if bearer else self.scheme
            header = _authorization(scheme, token, self.organization, self.user_id())
            self._headers = {key: header}  # one token at a time: never grows
        return token, header

    def _ready_token(self) -> str | None:
        return None

    async def authorization(self, sign_in: SignIn, *, bearer: bool = False) -> tuple[str, str]:
        """(token, Authorization header value); `bearer` for operations that take only Bearer."""
        token = await self.token(sign_in)
        scheme: AuthScheme = "bearer" if bearer else self.scheme
        return token, _authorization(scheme, token, self.organization, self.user_id())

    def _secret_forms(self, token: str | None) -> tuple[str, ...]:
        """The token and, for Basic, the base64 credential it travels in."""
        if not token:
            return ()
        if self.scheme != "basic":
            return (token,)
        return (token, _authorization("basic", token, self.organization, self.user_id())[6:])


@attrs.define(repr=False)
class TokenCredentials(Credentials):
    """A ready JWT (`token=` or AMIGO_TOKEN); it cannot be refreshed."""

    _token: str
    organization: str
    scheme: AuthScheme = "bearer"
    _user_id: str | None = None
    _headers: dict[tuple[str, bool], str] = attrs.field(factory=dict, init=False)

    @property
    def identity(self) -> str:
        return _identity("token", self._token)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secret_forms(self._token)

    async def token(self, sign_in: SignIn) -> str:
        return self._token

    def _ready_token(self) -> str | None:
        return self._token

    def user_id(self) -> str | None:
        return self._user_id

    def __repr__(self) -> str:
        return f"TokenCredentials(scheme={self.scheme!r}, token=[hidden])"


@attrs.define(repr=False)
class ApiKeyCredentials(Credentials):
    """An API key: signs in once, refreshes before `expires_at`, and again after a 401.

    When a hundred coroutines need a token at the same moment, one signs in and
    the others wait for its answer. A token fresh from a sign-in that a 401 caused
    is not dropped when it is refused too: the key itself lacks the right, and
    signing in again for every refused caller would only burn the sign-in limit.
    """

    _api_key: str
    api_key_id: str
    _user_id: str
    organization: str
    scheme: AuthScheme = "bearer"
    clock: Callable[[], float] = time.time
    _current: str | None = attrs.field(default=None, init=False)
    _expires_at: float = attrs.field(default=0.0, init=False)
    _refresh_at: float = attrs.field(default=0.0, init=False)
    _lock: asyncio.Lock | None = attrs.field(default=None, init=False)
    _headers: dict[tuple[str, bool], str] = attrs.field(factory=dict, init=False)
    _after_refusal: bool = attrs.field(default=False, init=False)
    _current_after_refusal: bool = attrs.field(default=False, init=False)
    _warned_expired: bool = attrs.field(default=False, init=False)

    @property
    def identity(self) -> str:
        return _identity("api-key", self.organization, self.api_key_id, self._user_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key, *self._secret_forms(self._current))

    @property
    def api_key(self) -> str:
        return self._api_key

    def user_id(self) -> str | None:
        return self._user_id

    def can_refresh(self) -> bool:
        return True

    def accepted(self, token: str) -> None:
        if token == self._current:
            self._current_after_refusal = False

    def invalidate(self, token: str) -> None:
        if token != self._current or self._current_after_refusal:
            return
        self._current = None
        self._after_refusal = True

    def _ready_token(self) -> str | None:
        return self._fresh()

    def _fresh(self) -> str | None:
        if self._current is not None and self.clock() < self._refresh_at:
            return self._current
        return None

    async def token(self, sign_in: SignIn) -> str:
        token = self._fresh()
        if token is not None:
            return token
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            token = self._fresh()
            if token is not None:
                return token
            token, expires_at = await sign_in()
            self._remember(token, expires_at.timestamp())
            return token

    def _remember(self, token: str, expires: float) -> None:
        now = self.clock()
        lifetime = expires - now
        self._current = token
        self._current_after_refusal, self._after_refusal = self._after_refusal, False
        self._expires_at = expires
        if lifetime <= 0:
            if not self._warned_expired:
                self._warned_expired = True
                logger.warning(
                    "sign-in returned a token whose expires_at is already past; "
                    "using it for %.0fs before signing in again",
                    _EXPIRED_TOKEN_REUSE_SECONDS,
                )
            self._refresh_at = now + _EXPIRED_TOKEN_REUSE_SECONDS
        else:
            self._refresh_at = expires - min(_REFRESH_MARGIN_SECONDS, lifetime / 10)

    def __repr__(self) -> str:
        return (
            f"ApiKeyCredentials(api_key_id={self.api_key_id!r}, user_id={self._user_id!r}, "
            f"scheme={self.scheme!r}, api_key=[hidden])"
        )
