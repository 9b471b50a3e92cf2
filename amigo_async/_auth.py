"""Credentials: a ready JWT, or an API key that signs in and refreshes before expiry.

Secrets live only in these objects; their reprs show neither token nor key, and
the bucket identity is a hash, so a rate-limit key in Redis or a log says nothing.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import hashlib
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

    @abc.abstractmethod
    def user_id(self) -> str | None: ...

    async def authorization(self, sign_in: SignIn) -> tuple[str, str]:
        """(token, Authorization header value)."""
        token = await self.token(sign_in)
        return token, _authorization(self.scheme, token, self.organization, self.user_id())


@attrs.define(repr=False)
class TokenCredentials(Credentials):
    """A ready JWT (`token=` or AMIGO_TOKEN); it cannot be refreshed."""

    _token: str
    organization: str
    scheme: AuthScheme = "bearer"
    _user_id: str | None = None

    @property
    def identity(self) -> str:
        return _identity("token", self._token)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._token,)

    async def token(self, sign_in: SignIn) -> str:
        return self._token

    def user_id(self) -> str | None:
        return self._user_id

    def __repr__(self) -> str:
        return f"TokenCredentials(scheme={self.scheme!r}, token=[hidden])"


@attrs.define(repr=False)
class ApiKeyCredentials(Credentials):
    """An API key: signs in once, refreshes before `expires_at`, and again after a 401.

    When a hundred coroutines need a token at the same moment, one signs in and
    the others wait for its answer.
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
    sign_ins: int = attrs.field(default=0, init=False)

    @property
    def identity(self) -> str:
        return _identity("api-key", self.organization, self.api_key_id, self._user_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._api_key, self._current) if s)

    @property
    def api_key(self) -> str:
        return self._api_key

    def user_id(self) -> str | None:
        return self._user_id

    def can_refresh(self) -> bool:
        return True

    def invalidate(self, token: str) -> None:
        if token == self._current:
            self._current = None

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
            self.sign_ins += 1
            now = self.clock()
            expires = expires_at.timestamp()
            lifetime = max(0.0, expires - now)
            self._current = token
            self._expires_at = expires
            self._refresh_at = expires - min(_REFRESH_MARGIN_SECONDS, lifetime / 10)
            return token

    def __repr__(self) -> str:
        return (
            f"ApiKeyCredentials(api_key_id={self.api_key_id!r}, user_id={self._user_id!r}, "
            f"scheme={self.scheme!r}, api_key=[hidden])"
        )
