"""Credentials: a ready JWT, an API key that signs in, or both (the token first).

Sign-in is a step of the request path, in the shape of httpx's auth flow: the
transport asks the credentials for a `SignInTurn`; the turn either holds a
token already, or names the sign-in request it needs (its headers), which the
transport sends and hands back (`SignInTurn.signed_in`). The credentials never
see the transport, so nothing here calls back up into the request path.

Secrets live only in these objects; their reprs show neither token nor key, and
the bucket identity is a hash, so a rate-limit key in Redis or a log says nothing.
"""

from __future__ import annotations

import abc
import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Literal

import attrs

from ._token_cache import CachedToken, TokenCache

__all__ = [
    "ApiKeyCredentials",
    "AuthScheme",
    "Credentials",
    "SignInTurn",
    "TokenCredentials",
    "jwt_expiry",
    "usable_token",
]

AuthScheme = Literal["bearer", "basic"]

# Refresh this long before the server's expiry, or at a tenth of a short lifetime.
_REFRESH_MARGIN_SECONDS = 60.0
# A token that arrives already expired (a clock skew, a wrong server) is used this
# long before signing in again, instead of signing in before every call.
_EXPIRED_TOKEN_REUSE_SECONDS = 30.0

# Far above any JWT the API issues (a few KB), far below what breaks a header or the cache.
_MAX_TOKEN_CHARACTERS = 32 * 1024
# An API key id is scrubbed from what we print when it has at least this many characters.
_MIN_SCRUBBED_KEY_ID = 8

logger = logging.getLogger("amigo_async")


def usable_token(token: object) -> bool:
    """Whether `token` can travel in an Authorization header as it is.

    A server-issued or cached token is held to the rule a user's token is:
    printable ASCII without spaces, not empty (never ``"Bearer "``), not huge.
    """
    return (
        isinstance(token, str)
        and 0 < len(token) <= _MAX_TOKEN_CHARACTERS
        and token.isascii()
        and token.isprintable()
        and not any(c.isspace() for c in token)
    )


def jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT-shaped token, unverified: for information and ordering only."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromtimestamp(float(claims["exp"]), UTC)
    except (
        IndexError,
        ValueError,
        KeyError,
        TypeError,
        binascii.Error,
        OverflowError,
        OSError,
        RecursionError,
    ):
        return None


def _identity(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:20]


def _refresh_point(expires_at: float, now: float) -> float:
    lifetime = expires_at - now
    return expires_at - min(_REFRESH_MARGIN_SECONDS, lifetime / 10)


class SignInTurn:
    """One caller's turn at the credentials: a token at hand, or the sign-in to send.

    `sign_in_headers` is None when a token is ready (`token()`); otherwise the
    transport sends sign-in-with-api-key with those headers and passes the
    answer to `signed_in`.
    """

    def __init__(
        self,
        token: str | None,
        sign_in_headers: Mapping[str, str] | None = None,
        on_signed_in: Callable[[str, float], None] | None = None,
    ) -> None:
        self._token = token
        self.sign_in_headers = None if token is not None else sign_in_headers
        self._on_signed_in = on_signed_in

    def signed_in(self, id_token: str, expires_at: datetime) -> None:
        if not usable_token(id_token):
            raise ValueError("id_token cannot be sent in a header")
        if self._on_signed_in is not None:
            self._on_signed_in(id_token, expires_at.timestamp())
        self._token = id_token

    def token(self) -> str:
        if self._token is None:
            raise RuntimeError("the sign-in this turn asked for was not sent")
        return self._token


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
    def user_id(self) -> str | None: ...

    @abc.abstractmethod
    def sign_in_turn(self) -> contextlib.AbstractAsyncContextManager[SignInTurn]:
        """The caller's turn to get a token (one at a time when a sign-in may be due)."""

    def can_refresh(self) -> bool:
        return False

    def invalidate(self, token: str) -> None:
        """`token` was refused (401); forget it if it is still the current one."""

    def accepted(self, token: str) -> None:
        """`token` was just accepted: a later 401 for it is worth a fresh sign-in again."""

    def basic_username(self) -> str | None:
        """``{organization}_{user}``: the Basic username of the API and of the git interface."""
        user_id = self.user_id()
        return None if not user_id else f"{self.organization}_{user_id}"

    def header(self, token: str, bearer: bool = False) -> str:
        """The Authorization value for `token`; `bearer` for operations that take only Bearer."""
        if bearer or self.scheme == "bearer":
            return f"Bearer {token}"
        pair = f"{self.basic_username()}:{token}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

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
            header = self.header(token, bearer)
            self._headers = {key: header}  # one token at a time: never grows
        return token, header

    def _ready_token(self) -> str | None:
        return None

    def _secret_forms(self, token: str | None) -> tuple[str, ...]:
        """The token and, for Basic, the base64 credential it travels in."""
        if not token:
            return ()
        if self.scheme != "basic":
            return (token,)
        return (token, self.header(token)[6:])


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

    @contextlib.asynccontextmanager
    async def sign_in_turn(self) -> AsyncIterator[SignInTurn]:
        yield SignInTurn(self._token)

    def _ready_token(self) -> str | None:
        return self._token

    def user_id(self) -> str | None:
        return self._user_id

    def __repr__(self) -> str:
        return f"TokenCredentials(scheme={self.scheme!r}, token=[hidden])"


@attrs.define(repr=False)
class ApiKeyCredentials(Credentials):
    """An API key: signs in when no valid token is at hand, refreshes before expiry,
    and signs in again after a 401.

    A `token` given with the key is used first, until its ``exp`` (read
    unverified) or a 401. With a `cache`, a token another process signed in for
    is used before signing in, and a fresh one is written for the others.

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
    _token: str | None = attrs.field(default=None, kw_only=True)
    cache: TokenCache | None = attrs.field(default=None, kw_only=True)
    _current: str | None = attrs.field(default=None, init=False)
    _refresh_at: float = attrs.field(default=0.0, init=False)
    _refused: str | None = attrs.field(default=None, init=False)
    _lock: asyncio.Lock | None = attrs.field(default=None, init=False)
    _headers: dict[tuple[str, bool], str] = attrs.field(factory=dict, init=False)
    _after_refusal: bool = attrs.field(default=False, init=False)
    _current_after_refusal: bool = attrs.field(default=False, init=False)
    _warned_expired: bool = attrs.field(default=False, init=False)

    def __attrs_post_init__(self) -> None:
        if self._token is not None:
            self._adopt_given_token(self._token)

    def _adopt_given_token(self, token: str) -> None:
        """A user's token serves until its `exp` (or forever, when it has none) or a 401."""
        expiry = jwt_expiry(token)
        expires_at = math.inf if expiry is None else expiry.timestamp()
        if expires_at > self.clock():
            self._current = token
            self._refresh_at = expires_at

    @property
    def given_token(self) -> bool:
        """Whether a user's token came with the key (it is tried first)."""
        return self._token is not None

    @property
    def identity(self) -> str:
        return _identity("api-key", self.organization, self.api_key_id, self._user_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key, its id and the tokens; an id too short to be told from a word is left
        out (scrubbing ``key`` from every message would hide more than it protects)."""
        key_id = (self.api_key_id,) if len(self.api_key_id) >= _MIN_SCRUBBED_KEY_ID else ()
        return (
            self._api_key,
            *key_id,
            *self._secret_forms(self._token),
            *self._secret_forms(self._current),
        )

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
        self._refused = token
        self._after_refusal = True

    def _ready_token(self) -> str | None:
        if self._current is not None and self.clock() < self._refresh_at:
            return self._current
        return None

    @contextlib.asynccontextmanager
    async def sign_in_turn(self) -> AsyncIterator[SignInTurn]:
        """One caller at a time; the others find the token the first one got."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            token = self._ready_token()
            if token is not None:
                yield SignInTurn(token)
                return
            cache = self.cache
            async with cache.exclusive() if cache else contextlib.nullcontext():
                yield SignInTurn(self._from_cache(), self._sign_in_headers(), self._signed_in)

    def _sign_in_headers(self) -> dict[str, str]:
        return {
            "x-api-key": self._api_key,
            "x-api-key-id": self.api_key_id,
            "x-user-id": self._user_id,
        }

    def _from_cache(self) -> str | None:
        """A token another process signed in for, when it is still good and not refused."""
        entry = self.cache.read() if self.cache is not None else None
        if entry is None or entry.id_token == self._refused or not usable_token(entry.id_token):
            return None
        expiry = jwt_expiry(entry.id_token)  # an entry can outlive its token's own `exp`
        last = entry.refresh_at if expiry is None else min(entry.refresh_at, expiry.timestamp())
        if self.clock() >= last:
            return None
        self._current, self._refresh_at = entry.id_token, entry.refresh_at
        self._current_after_refusal, self._after_refusal = self._after_refusal, False
        return entry.id_token

    def _signed_in(self, token: str, expires: float) -> None:
        now = self.clock()
        self._current = token
        self._current_after_refusal, self._after_refusal = self._after_refusal, False
        if expires <= now:
            if not self._warned_expired:
                self._warned_expired = True
                logger.warning(
                    "sign-in returned a token whose expires_at is already past; "
                    "using it for %.0fs before signing in again",
                    _EXPIRED_TOKEN_REUSE_SECONDS,
                )
            self._refresh_at = now + _EXPIRED_TOKEN_REUSE_SECONDS
        else:
            self._refresh_at = _refresh_point(expires, now)
        if self.cache is not None:
            self.cache.write(CachedToken(token, expires, self._refresh_at))

    def __repr__(self) -> str:
        return (
            f"ApiKeyCredentials(user_id={self._user_id!r}, "
            f"scheme={self.scheme!r}, api_key_id=[hidden], api_key=[hidden])"
        )
