"""Bytes -> lines: NDJSON framing with memory bounded by the longest line.

Knows nothing of HTTP or of asyncio: `LineSplitter` is fed chunks and hands back
the lines they complete. A line split across chunks is reassembled; a line
longer than the cap is refused as soon as the cap is passed (the buffer never
grows past it); a last line without its newline is reported, never silently
treated as whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from .. import errors

__all__ = ["MAX_LINE_BYTES", "LineSplitter", "PartialLineError", "split_lines"]

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest event line accepted: far above any text piece, room for voice pieces."""


class PartialLineError(Exception):
    """The bytes ended inside a line; `size` bytes of it had arrived."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the stream ended inside a line ({size} bytes without a newline)")
        self.size = size


class LineSplitter:
    """Chunks in, complete lines out (without ``\\n``); blank lines are dropped."""

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._cap = max_line_bytes
        self._parts: list[bytes] = []  # the line in progress, joined once its newline arrives
        self._size = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        """The lines `chunk` completes; raises `InvalidResponseError` past the cap."""
        if b"\n" not in chunk:
            self._size += len(chunk)
            self._check(self._size)
            self._parts.append(chunk)
            return []
        if chunk.isspace():  # blank lines only: a gzip of newlines inflates to 1000x
            pending = b"".join(self._parts)
            self._parts, self._size = [], 0
            return [pending] if pending and not pending.isspace() else []
        if self._parts:
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
        lines = chunk.split(b"\n")
        last = lines.pop()
        self._parts = [last] if last else []
        self._size = len(last)
        cap = self._cap
        if self._size > cap or any(len(line) > cap for line in lines):
            self._check(cap + 1)
        return [line for line in lines if line and not line.isspace()]

    def end(self) -> None:
        """The bytes are over: `PartialLineError` if a line was left without its newline."""
        if self._size and not b"".join(self._parts).isspace():
            raise PartialLineError(self._size)

    def _check(self, size: int) -> None:
        if size > self._cap:
            raise errors.InvalidResponseError(
                f"an event line passed {self._cap} bytes without a newline; refusing to buffer more"
            )


async def split_lines(
    chunks: AsyncIterable[bytes], *, max_line_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[bytes]:
    """`LineSplitter` over an async iterator of chunks (`PartialLineError` at a cut end)."""
    splitter = LineSplitter(max_line_bytes)
    async for chunk in chunks:
        for line in splitter.feed(chunk):
            yield line
    splitter.end()
