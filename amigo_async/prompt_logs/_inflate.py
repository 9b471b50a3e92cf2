"""Decompressors for the zip methods a prompt-log archive may use, behind one shape.

Each `feed` hands every piece of output to `accept` as soon as it exists (so the
caller's caps stop a zip bomb after at most `_PIECE` bytes more) and returns how
many input bytes belong to the member; `done` says its compressed data ended.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Callable
from typing import Protocol

from stream_inflate import (  # type: ignore[import-untyped]
    StreamInflateError,
    stream_inflate64,
)

from ._damage import Damaged

_PIECE = 1024 * 1024  # most output one call may make before the caps are checked

Accept = Callable[[bytes], None]


class Inflater(Protocol):
    done: bool

    def feed(self, piece: memoryview, accept: Accept) -> int: ...


class _Stored:
    def __init__(self, size: int) -> None:
        self._left = size
        self.done = size == 0

    def feed(self, piece: memoryview, accept: Accept) -> int:
        take = min(len(piece), self._left)
        accept(bytes(piece[:take]))
        self._left -= take
        self.done = self._left == 0
        return take


class _Deflate:
    def __init__(self) -> None:
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self.done = False

    def feed(self, piece: memoryview, accept: Accept) -> int:
        inflater = self._inflater
        try:
            accept(inflater.decompress(piece, _PIECE))
            while inflater.unconsumed_tail and not inflater.eof:  # only past _PIECE of output
                accept(inflater.decompress(inflater.unconsumed_tail, _PIECE))
        except zlib.error as error:
            raise Damaged(f"invalid deflate data ({error})") from None
        self.done = inflater.eof
        return len(piece) - len(inflater.unused_data) if self.done else len(piece)


class _Bzip2:
    def __init__(self) -> None:
        self._inflater = bz2.BZ2Decompressor()
        self.done = False

    def feed(self, piece: memoryview, accept: Accept) -> int:
        inflater = self._inflater
        try:
            accept(inflater.decompress(piece, _PIECE))
            while not inflater.eof and not inflater.needs_input:
                accept(inflater.decompress(b"", _PIECE))
        except OSError as error:
            raise Damaged(f"invalid bzip2 data ({error})") from None
        self.done = inflater.eof
        return len(piece) - len(inflater.unused_data) if self.done else len(piece)


class _Deflate64:
    def __init__(self) -> None:
        self._chunks, self._is_done, self._unconsumed = stream_inflate64()
        self.done = False

    def feed(self, piece: memoryview, accept: Accept) -> int:
        try:
            for output in self._chunks((bytes(piece),)):
                accept(output)
        except StreamInflateError as error:
            raise Damaged(f"invalid deflate64 data ({type(error).__name__})") from None
        self.done = self._is_done()
        return len(piece) - self._unconsumed() if self.done else len(piece)


METHOD_NAMES = {
    0: "stored",
    1: "shrunk",
    6: "imploded",
    8: "deflate",
    9: "deflate64",
    12: "bzip2",
    14: "LZMA",
    19: "LZ77",
    93: "Zstandard",
    95: "xz",
    96: "JPEG",
    97: "WavPack",
    98: "PPMd",
    99: "AES",
}


def inflater(method: int, stored_size: int) -> Inflater | None:
    """A decompressor for `method`, or None when it is not one this module reads."""
    if method == 0:
        return _Stored(stored_size)
    if method == 8:
        return _Deflate()
    if method == 12:
        return _Bzip2()
    if method == 9:
        return _Deflate64()
    return None
