"""Bytes -> lines: NDJSON framing with memory bounded by the longest line.

Knows nothing of HTTP: it takes any async iterator of byte chunks. A line split
across chunks is reassembled; a line longer than the cap is refused as soon as
the cap is passed (the buffer never grows past it); a last line without its
newline is reported, never silently treated as whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from .. import errors

__all__ = ["MAX_LINE_BYTES", "PartialLineError", "split_lines"]

MAX_LINE_BYTES = 16 * 1024 * 1024
"""The longest event line accepted: far above any text piece, room for voice pieces."""


class PartialLineError(Exception):
    """The bytes ended inside a line; `size` bytes of it had arrived."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the stream ended inside a line ({size} bytes without a newline)")
        self.size = size


async def split_lines(
    chunks: AsyncIterable[bytes], *, max_line_bytes: int = MAX_LINE_BYTES
) -> AsyncIterator[bytes]:
    """Each complete line (without its ``\\n`` or ``\\r\\n``), blank lines skipped.

    Raises `InvalidResponseError` for a line past `max_line_bytes`, and
    `PartialLineError` when the chunks end inside a line.
    """
    parts: list[bytes] = []  # the line in progress, joined once its newline arrives
    size = 0
    async for chunk in chunks:
        if b"\n" not in chunk:
            size += len(chunk)
            _check_length(size, max_line_bytes)
            parts.append(chunk)
            continue
        if parts:
            parts.append(chunk)
            chunk = b"".join(parts)
        lines = chunk.split(b"\n")
        last = lines.pop()
        for line in lines:
            _check_length(len(line), max_line_bytes)
            if line.strip():
                yield line
        _check_length(len(last), max_line_bytes)
        parts = [last] if last else []
        size = len(last)
    if size and b"".join(parts).strip():
        raise PartialLineError(size)


def _check_length(size: int, cap: int) -> None:
    if size > cap:
        raise errors.InvalidResponseError(
            f"an event line passed {cap} bytes without a newline; refusing to buffer more"
        )
