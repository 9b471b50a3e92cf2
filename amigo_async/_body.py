"""Reading answers: whole JSON bodies with a size cap, streamed bodies with full context.

A server controls how long a body is, so nothing here reads without a bound:
`read_capped` stops as soon as the decompressed bytes pass the cap, and a
streamed body that ends early (connection cut, or shorter than its
Content-Length) raises `TruncatedStreamError` naming the operation, path,
status and request id.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from . import errors

__all__ = ["DEFAULT_CHUNK_SIZE", "BodyTooLargeError", "StreamedBody", "read_capped"]

DEFAULT_CHUNK_SIZE = 64 * 1024


class BodyTooLargeError(Exception):
    """The body passed the cap; the caller turns this into `InvalidResponseError`."""


async def read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """The whole body, decompressed, or `BodyTooLargeError` once it passes `cap` bytes."""
    length = response.content_length
    if length is not None and length > cap:
        raise BodyTooLargeError
    # One loop for every body (`response.read()` costs more, even with a known length).
    parts: list[bytes] = []
    size = 0
    content = response.content
    while True:
        chunk = await content.readany()
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > cap:
            raise BodyTooLargeError
        parts.append(chunk)


class StreamedBody:
    """A 2xx answer whose body arrives piece by piece; the transport releases it."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        context: errors.ErrorContext,
        *,
        low_speed: tuple[int, float | None] = (0, None),
        turn_total: float | None = None,
    ) -> None:
        self._response = response
        self.context = context
        self.bytes_received = 0
        self._low_speed_bytes, self._low_speed_window = low_speed
        self._turn_total = turn_total

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def content_length(self) -> int | None:
        return self._response.content_length

    async def chunks(
        self, size: int = DEFAULT_CHUNK_SIZE, *, turn: bool = False
    ) -> AsyncIterator[bytes]:
        """The body's chunks; a body cut short raises `TruncatedStreamError` after the last one.

        One that arrives too slowly, or (a conversation `turn`) for longer than
        `turn_total` seconds, raises `StreamTimeoutError`.
        """
        failure: str | None = None
        turn_total = self._turn_total if turn else None
        deadline = None if turn_total is None else time.monotonic() + turn_total
        pace = _Pace(self._low_speed_bytes, self._low_speed_window)
        try:
            async for chunk in pace.timed(self._response.content.iter_chunked(size)):
                self.bytes_received += len(chunk)
                if not pace.fast_enough(len(chunk)):
                    raise self._too_slow()
                if deadline is not None and time.monotonic() > deadline:
                    raise self.error(
                        errors.StreamTimeoutError,
                        f"the conversation turn took longer than Timeouts.turn_total "
                        f"({turn_total:g} s)",
                        bound="turn_total",
                        bytes_received=self.bytes_received,
                    )
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = type(exc).__name__
        expected = self._decoded_length()
        if failure is None and (expected is None or self.bytes_received == expected):
            return
        reason = failure or f"{expected} bytes announced"
        raise self.error(
            errors.TruncatedStreamError,
            f"the connection ended after {self.bytes_received} bytes of the body ({reason})",
            bytes_received=self.bytes_received,
        )

    def _too_slow(self) -> errors.AmigoError:
        return self.error(
            errors.StreamTimeoutError,
            f"the body arrived slower than Timeouts.low_speed_bytes "
            f"({self._low_speed_bytes} bytes) per Timeouts.low_speed_window "
            f"({self._low_speed_window:g} s)",
            bound="low_speed",
            bytes_received=self.bytes_received,
        )

    def _decoded_length(self) -> int | None:
        """The length the received bytes must reach, when one is known.

        With a `Content-Encoding` the announced length counts the encoded bytes,
        not the decoded ones counted here; aiohttp then checks the encoded length
        itself and reports a short body as a payload error.
        """
        encoding = self._response.headers.get("Content-Encoding", "").strip().lower()
        return None if encoding not in ("", "identity") else self.content_length

    def error(self, cls: type[errors.AmigoError], message: str, **extra: Any) -> errors.AmigoError:
        """An error about this body, carrying the request's context."""
        return cls(message, **self.context.as_kwargs(), **extra)

    def add_context(self, error: errors.AmigoError) -> errors.AmigoError:
        """Fill in what a parser cannot know (operation, path, status, request id)."""
        for name, value in self.context.as_kwargs().items():
            if getattr(error, name, None) is None:
                setattr(error, name, value)
        return error

    def release(self) -> None:
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()  # an unread body must not go back to the pool


class _Pace:
    """Bytes that arrived against the time spent waiting for them, window by window.

    Only the waits count: a caller that takes a minute over one chunk has not
    made the server slow.
    """

    def __init__(self, min_bytes: int, window: float | None) -> None:
        self._min_bytes = min_bytes
        self._window = window
        self._waited = 0.0
        self._bytes = 0

    async def timed(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        iterator = aiter(chunks)
        while True:
            started = time.monotonic()
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                return
            self._waited += time.monotonic() - started
            yield chunk

    def fast_enough(self, size: int) -> bool:
        """Count `size` new bytes; False once a whole window brought too few."""
        if self._window is None:
            return True
        self._bytes += size
        if self._waited < self._window:
            return True
        if self._bytes < self._min_bytes:
            return False
        self._waited, self._bytes = 0.0, 0
        return True
