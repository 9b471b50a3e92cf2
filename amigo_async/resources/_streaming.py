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
    instead of leaving a silently short archive behind.
    """
    decoder = zlib.decompressobj(wbits=31) if gzip else None
    async with transport.stream(
        operation_id, accept=accept, path_params=path_params, params=params
    ) as body:
        async for chunk in body.chunks(chunk_size):
            if decoder is not None and not decoder.eof:
                corrupt = False
                try:
                    decoder.decompress(chunk, 0)  # check only; the output is dropped
                except zlib.error:
                    corrupt = True
                if corrupt:
                    raise body.error(errors.InvalidResponseError, "the gzip body is corrupt")
            yield chunk
        if decoder is not None and not decoder.eof:
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
