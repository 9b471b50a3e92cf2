"""Decompressors for the zip methods a prompt-log archive may use, behind one shape.

Each `feed` hands every piece of output to `accept` as soon as it exists (so the
caller's caps stop a zip bomb after at most `_PIECE` bytes more) and returns how
many input bytes belong to the member; `done` says its compressed data ended.
Input goes to a decompressor in slices of at most `_SLICE` bytes: at a member's
end zlib copies the rest of its input into `unused_data`, so a whole archive fed
at once would otherwise be copied once per member.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Callable
from typing import Protocol

from stream_inflate import stream_inflate64  # type: ignore[import-untyped]

from .. import errors
from ._damage import Damaged

_PIECE = 1024 * 1024  # most output one call may make before the caps are checked
_SLICE = 64 * 1024  # most input one call is given

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
        used = 0
        try:
            while used < len(piece) and not self._inflater.eof:
                part = piece[used : used + _SLICE]
                self._drain(part, accept)
                used += len(part) - len(self._inflater.unused_data)  # unused only at the end
        except zlib.error as error:
            raise Damaged(f"invalid deflate data ({error})") from None
        self.done = self._inflater.eof
        return used

    def _drain(self, part: memoryview, accept: Accept) -> None:
        """Inflate `part` wholly. A full `_PIECE` of output may leave more output
        pending inside zlib even with no input left: ask again until it is short."""
        inflater = self._inflater
        output = inflater.decompress(part, _PIECE)
        accept(output)
        while (len(output) == _PIECE or inflater.unconsumed_tail) and not inflater.eof:
            output = inflater.decompress(inflater.unconsumed_tail, _PIECE)
            accept(output)


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
        used = 0
        try:
            while used < len(piece) and not self.done:
                part = bytes(piece[used : used + _SLICE])
                for output in self._chunks((part,)):
                    accept(output)
                self.done = self._is_done()
                used += len(part) - (self._unconsumed() if self.done else 0)
        except errors.AmigoError:  # a cap passed in `accept`
            raise
        except Exception as error:  # stream_inflate raises IndexError, TypeError... on bad input
            raise Damaged(f"invalid deflate64 data ({type(error).__name__})") from None
        return used


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
