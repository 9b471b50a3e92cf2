"""Streamed downloads: chunks as they arrive, and files that are never left partial."""

from __future__ import annotations

import os
import zlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

import anyio

from .. import errors
from .._body import DEFAULT_CHUNK_SIZE

if TYPE_CHECKING:
    from .._paths import QueryValue
    from ._base import Transport

__all__ = ["DEFAULT_CHUNK_SIZE", "download", "stream_body"]

_INFLATE_STEP = 1024 * 1024  # the most one decompress call may produce
_MAX_RATIO = 100  # a source archive inflates far less; a bomb far more
_RATIO_FLOOR = 16 * 1024 * 1024  # below this much output the ratio is not judged


class _GzipCheck:
    """Runs a gzip body through a decoder to prove it whole, in bounded memory and time.

    The output is dropped. Each decompress call produces at most `_INFLATE_STEP`
    bytes, and a body that inflates more than `_MAX_RATIO` to 1 is refused, so a
    small hostile body cannot cost gigabytes of work.
    """

    def __init__(self) -> None:
        self._decoder = zlib.decompressobj(wbits=31)
        self._compressed = 0
        self._inflated = 0

    @property
    def ended(self) -> bool:
        return self._decoder.eof

    def feed(self, chunk: bytes) -> str | None:
        """None while the body is sound; otherwise what is wrong with it."""
        self._compressed += len(chunk)
        data = chunk
        while data and not self._decoder.eof:
            try:
                self._inflated += len(self._decoder.decompress(data, _INFLATE_STEP))
            except zlib.error:
                return "the gzip body is corrupt"
            if self._inflated > _RATIO_FLOOR and self._inflated > _MAX_RATIO * self._compressed:
                return f"the gzip body inflates more than {_MAX_RATIO} to 1; refusing it"
            data = self._decoder.unconsumed_tail
        return None


async def stream_body(
    transport: Transport,
    operation_id: str,
    *,
    accept: str,
    path_params: Mapping[str, object] | None = None,
    params: Mapping[str, QueryValue] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    gzip: bool = False,
) -> AsyncIterator[bytes]:
    """Yield a response body chunk by chunk; the connection is released on every exit.

    With `gzip`, the bytes are also run through a gzip decoder as they pass, so a
    body that ends before the end of its gzip stream raises `TruncatedStreamError`
    instead of leaving a silently short archive behind; a corrupt body, or one
    inflating more than 100 to 1, raises `InvalidResponseError`.
    """
    check = _GzipCheck() if gzip else None
    async with transport.stream(
        operation_id, accept=accept, path_params=path_params, params=params
    ) as body:
        async for chunk in body.chunks(chunk_size):
            if check is not None and not check.ended:
                problem = check.feed(chunk)
                if problem is not None:
                    raise body.error(errors.InvalidResponseError, problem)
            yield chunk
        if check is not None and not check.ended:
            raise body.error(
                errors.TruncatedStreamError,
                "the gzip body ended before its end marker",
                bytes_received=body.bytes_received,
            )


async def download(chunks: AsyncIterator[bytes], destination: str | os.PathLike[str]) -> int:
    """Write `chunks` to `destination` through a `.part` file renamed at the end.

    A failed or cancelled download leaves nothing at `destination` and closes the
    stream (and so its connection). Returns the number of bytes written.
    """
    target = anyio.Path(os.fspath(destination))
    partial = target.with_name(target.name + ".part")
    written = 0
    try:
        async with await anyio.open_file(partial, "wb") as file:
            async for chunk in chunks:
                await file.write(chunk)
                written += len(chunk)
        await partial.replace(target)
    except BaseException:
        await partial.unlink(missing_ok=True)
        raise
    finally:
        close = getattr(chunks, "aclose", None)
        if close is not None:
            await close()
    return written
