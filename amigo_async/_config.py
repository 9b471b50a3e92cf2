"""Client configuration as values: regions, timeouts, retry policy, base-URL checks."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aiohttp
import attrs
from yarl import URL

from ._limits import RateLimit
from ._spec import TimeoutKind

__all__ = ["REGIONS", "RetryPolicy", "Timeouts", "resolve_base_url"]

REGIONS: Mapping[str, str] = MappingProxyType(
    {
        "us": "https://api.amigo.ai",
        "internal": "https://internal-api.amigo.ai",
        "eu-central-1": "https://api-eu-central-1.amigo.ai",
        "ap-southeast-2": "https://api-ap-southeast-2.amigo.ai",
        "ca-central-1": "https://api-ca-central-1.amigo.ai",
    }
)
"""The five servers of the documents, by short name."""

DEFAULT_REGION = "us"


def _seconds(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{attribute.name} must be a number of seconds or None")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


def _byte_count(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an integer number of bytes")
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class Timeouts:
    """Seconds allowed per kind of operation.

    `total` bounds a whole ordinary call, retries and backoff included. Time spent
    waiting for the client's own rate limiter (its pacing, and pauses after a 429)
    and for an API-key sign-in does not count: the limits and
    `RetryPolicy.max_server_pause` bound those waits, and the sign-in is a call
    with a `total` of its own. A call that still runs out of time raises
    `TransportError` saying what it waited for, never a bare `TimeoutError`.
    `long_total` does the same for the operations that take minutes (publishing
    a tool version takes 1-5 minutes per the docs). For a streamed body `total`
    bounds the wait for the answer's headers; the body itself may take as long
    as it needs but fails after `stream_idle` seconds of silence on the socket.
    `connect` bounds opening one socket (waiting for a pooled connection counts
    against `total`).

    A server can also keep a streamed body alive for ever by dripping a byte now
    and then, never silent long enough for `stream_idle`. Two bounds stop that,
    the way curl's ``--speed-limit``/``--speed-time`` and ``--max-time`` do: a
    streamed body fails when fewer than `low_speed_bytes` arrive in
    `low_speed_window` seconds of waiting for it (1 KiB in 30 s by default, which
    a slow but honest link passes by far: an NDJSON turn sends a line per token,
    a zip arrives at network speed; time your own code spends between chunks is
    not counted), and one conversation turn (from its first byte to
    ``interaction-complete``, your code's time between events included) fails
    after `turn_total` seconds (15 minutes by default; agents answer in seconds).
    Both raise `StreamTimeoutError` naming the bound; None turns a bound off.
    """

    connect: float | None = attrs.field(default=15.0, validator=_seconds)
    total: float | None = attrs.field(default=60.0, validator=_seconds)
    long_total: float | None = attrs.field(default=600.0, validator=_seconds)
    stream_idle: float | None = attrs.field(default=60.0, validator=_seconds)
    low_speed_bytes: int = attrs.field(default=1024, validator=_byte_count)
    low_speed_window: float | None = attrs.field(default=30.0, validator=_seconds)
    turn_total: float | None = attrs.field(default=900.0, validator=_seconds)

    def for_kind(self, kind: TimeoutKind) -> aiohttp.ClientTimeout:
        if kind is TimeoutKind.STREAM:
            return aiohttp.ClientTimeout(
                total=None, sock_connect=self.connect, sock_read=self.stream_idle
            )
        total = self.long_total if kind is TimeoutKind.LONG else self.total
        # sock_connect bounds opening a socket; waiting for a pooled connection is
        # bounded by `total` (aiohttp's `connect` would add a timer to every call).
        return aiohttp.ClientTimeout(total=total, sock_connect=self.connect)


@attrs.frozen
class RetryPolicy:
    """How hard the client tries before raising.

    Reads (GET) are retried after 503, other 5xx gateway errors and connection
    failures, with jittered exponential backoff. A POST, PUT or DELETE is retried
    only when it surely never reached the server (connection refused) or on 429.
    """

    max_attempts: int = 4  # tries per request for 503 / transport failures
    max_rate_limited: int = 6  # 429s tolerated per request before RateLimitError
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_server_pause: float | None = None
    """The longest pause a server's Retry-After / X-RateLimit-Reset may impose, in
    seconds. None: twice the operation's documented window (120 s for a limit per
    minute). A longer hint ends the call with `RateLimitError` carrying the hint,
    and no pause is recorded, so one wild header never stalls other callers."""

    def __attrs_post_init__(self) -> None:
        for name in ("max_attempts", "max_rate_limited"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"RetryPolicy.{name} must be an integer >= 1, got {value!r}")
        if not (self.backoff_base > 0 and self.backoff_max >= self.backoff_base):
            raise ValueError("RetryPolicy needs 0 < backoff_base <= backoff_max")
        _seconds(self, attrs.fields(RetryPolicy).max_server_pause, self.max_server_pause)

    def server_pause_cap(self, limit: RateLimit | None) -> float:
        """Seconds a server hint may pause `limit`'s operation (see `max_server_pause`)."""
        if self.max_server_pause is not None:
            return self.max_server_pause
        return _SERVER_PAUSE_WINDOWS * (limit.per_seconds if limit else 60.0)


_SERVER_PAUSE_WINDOWS = 2.0
_FORBIDDEN_URL_CHARS = frozenset("\r\n\x00\t ")


def _is_loopback(host: str) -> bool:
    """A literal loopback address, or the name ``localhost`` itself.

    No other name is resolved to decide: aiohttp resolves it again when it
    connects, and a name that answered 127.0.0.1 here could answer another
    address there and receive a credential over plain HTTP.
    """
    if host.lower() == "localhost":  # not "localhost.": an absolute name may go to DNS
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | None, region: str | None) -> URL:
    """The server to talk to: an explicit URL wins over a region; https unless loopback."""
    if base_url is not None and region is not None:
        raise ValueError("give base_url or region, not both")
    if base_url is None:
        name = DEFAULT_REGION if region is None else region
        if not isinstance(name, str):
            raise TypeError(f"region must be a string, not {type(name).__name__}")
        if name not in REGIONS:
            raise ValueError(f"unknown region {name!r}; known regions: {', '.join(REGIONS)}")
        base_url = REGIONS[name]
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string, not {type(base_url).__name__}")
    if not _FORBIDDEN_URL_CHARS.isdisjoint(base_url):
        raise ValueError("base_url must not contain whitespace, line breaks or NUL")
    url = URL(base_url.rstrip("/"))
    if url.scheme not in ("https", "http") or not url.host:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ValueError(
            "refusing plain http:// to a non-loopback host: tokens would travel in clear; "
            "use https://"
        )
    if url.query_string or url.fragment or url.user or url.password:
        raise ValueError("base_url must not carry a query, fragment or credentials")
    return url
