"""Streamed bodies: chunks as they arrive, and downloads that never leave a partial file."""

from __future__ import annotations

import os
import zlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

import aiohttp
import anyio

from .. import errors

if TYPE_CHECKING:
    from .._client import AmigoClient, QueryValue

__all__ = ["DEFAULT_CHUNK_SIZE", "download", "stream_body"]

DEFAULT_CHUNK_SIZE = 64 * 1024


def _transport_error(operation_id: str, exc: BaseException) -> errors.TransportError:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return errors.TransportError(f"body interrupted: {text}", operation_id=operation_id)


async def stream_body(
    client: AmigoClient,
    operation_id: str,
    *,
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
    received = 0
    async with client._stream(operation_id, path_params=path_params, params=params) as response:
        try:
            async for chunk in response.content.iter_chunked(chunk_size):
                received += len(chunk)
                if decoder is not None and not decoder.eof:
                    try:
                        decoder.decompress(chunk, 0)  # check only; the output is dropped
                    except zlib.error as exc:
                        raise errors.InvalidResponseError(
                            f"the gzip body is corrupt: {exc}", operation_id=operation_id
                        ) from exc
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _transport_error(operation_id, exc) from exc
    if decoder is not None and not decoder.eof:
        raise errors.TruncatedStreamError(
            "the gzip body ended before its end marker",
            operation_id=operation_id,
            bytes_received=received,
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
