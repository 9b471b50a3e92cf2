"""What a server's headers tell the client: pauses, limits, request ids.

Every value here comes from the network, so each parser refuses what is not a
plain finite number instead of trusting it; the request path decides what a
hint may impose (see `RetryPolicy.max_server_pause`). Numbers are read as ASCII
only: Python's `int` and `float` also take ``1_0``, ``٣`` or `` 7 ``, which no
server means, and `str.isdigit` takes ``²``, which `int` then refuses.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

__all__ = [
    "count",
    "request_id",
    "reset_seconds",
    "retry_after_seconds",
    "window_reset_seconds",
]

_REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid", "request-id", "x-correlation-id")
_MAX_HEADER_CHARS = 64  # a number or an HTTP date; anything longer is not a hint
_MAX_COUNT_DIGITS = 11
_COUNT = re.compile(rf"[0-9]{{1,{_MAX_COUNT_DIGITS}}}")
# A decimal number, or a spelling of infinity/NaN (an absurd hint the caller refuses).
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|[+-]?(?i:inf|infinity|nan)")


def count(value: str | None) -> int | None:
    """A count header (X-RateLimit-Limit, -Remaining): ASCII digits, or None."""
    if value is None or not _COUNT.fullmatch(value):
        return None
    return int(value)


def _number(value: str | None) -> float | None:
    if not value or len(value) > _MAX_HEADER_CHARS or not _NUMBER.fullmatch(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else math.inf


def retry_after_seconds(headers: Mapping[str, str], *, or_reset: bool = True) -> float | None:
    """Retry-After (seconds or an HTTP date); for a 429, X-RateLimit-Reset stands in for it.

    `inf` stands for an absurd hint (`inf`, `1e400`): the caller refuses it.
    """
    value = headers.get("Retry-After")
    if value:
        number = _number(value)
        if number is not None:
            return max(0.0, number)
        if len(value) <= _MAX_HEADER_CHARS and value.isascii():
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
            return max(0.0, when.timestamp() - time.time())
        return None
    return reset_seconds(headers) if or_reset else None


def reset_seconds(headers: Mapping[str, str]) -> float | None:
    """X-RateLimit-Reset: an epoch timestamp (as the real API sends), or seconds from now."""
    number = _number(headers.get("X-RateLimit-Reset"))
    if number is None:
        return None
    if 1e9 < number < math.inf:
        number -= time.time()
    return max(0.0, number)


def window_reset_seconds(headers: Mapping[str, str]) -> float | None:
    """When the server's count starts afresh, as an answer says: X-RateLimit-Reset, else
    Retry-After. None when it says neither; `inf` for an absurd hint."""
    reset = reset_seconds(headers)
    return reset if reset is not None else retry_after_seconds(headers, or_reset=False)


def request_id(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value[:100]
    return None
