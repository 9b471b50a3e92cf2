"""Reading answers: whole JSON bodies with a size cap, streamed bodies with full context.

A server controls how long a body is, so nothing here reads without a bound:
`read_capped` stops as soon as the decompressed bytes pass the cap, and a
streamed body that ends early (connection cut, or shorter than its
Content-Length) raises `TruncatedStreamError` naming the operation, path,
status and request id.
"""

from __future__ import annotations

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

    def __init__(self, response: aiohttp.ClientResponse, context: errors.ErrorContext) -> None:
        self._response = response
        self.context = context
        self.bytes_received = 0

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def content_length(self) -> int | None:
        return self._response.content_length

    async def chunks(self, size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The body's chunks; a body cut short raises `TruncatedStreamError` after the last one."""
        failure: str | None = None
        try:
            async for chunk in self._response.content.iter_chunked(size):
                self.bytes_received += len(chunk)
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
