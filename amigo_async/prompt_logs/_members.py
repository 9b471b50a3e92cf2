"""The zip step: bytes, pushed as they arrive -> the members that arrived whole.

A push parser: `feed` never waits for bytes, it parses what it has and keeps the
few bytes of a header or data descriptor that a chunk cut in two. So the same code
runs on the event loop (no thread, no lookahead) and in `iter_entries`, and no
archive needs more than the bytes it sent. Once the central directory begins,
the rest of the bytes are kept for the completeness check (`_directory`).

Each member's data is decompressed once, its CRC-32 computed once, and both
checked against the local header or the data descriptor. A member whose data
descriptor arrived whole is delivered at once, even before the bytes that tell
its 16- from its 24-byte layout (a cut there is still reported, afterwards).

A stored member with a data descriptor and no size in its local header (what
Info-ZIP, bsdtar and zipfile write to a pipe) has no length to read: its end is
the first descriptor signature whose CRC-32 and sizes match the bytes before it
and which the next record's signature follows, as libarchive finds it. The scan
is bounded by `max_entry_size` like any member.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from .. import errors
from ._damage import Damaged, shown
from ._inflate import METHOD_NAMES, Inflater, inflater
from ._limits import MAX_DIRECTORY_SIZE, RATIO_FLOOR, Limits

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_MAX32 = 0xFFFFFFFF
LOCAL_SIGNATURE = b"PK\x03\x04"
DIRECTORY_SIGNATURES = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06")
_AFTER_DESCRIPTOR = (LOCAL_SIGNATURE, *DIRECTORY_SIGNATURES)
_DESCRIPTOR = b"PK\x07\x08"
# (signature, fields after it, length): the four layouts, longest first (as unzip does)
_LAYOUTS = (
    (_DESCRIPTOR, struct.Struct("<IQQ"), 24),
    (b"", struct.Struct("<IQQ"), 20),
    (_DESCRIPTOR, struct.Struct("<III"), 16),
    (b"", struct.Struct("<III"), 12),
)
_SIGNED32 = struct.Struct("<4sIII")
_DESCRIPTOR_LOOKAHEAD = 28  # the longest layout and the next record's signature
_UNSUPPORTED_FLAGS = {
    0x0040: "strong encryption (flag bit 6)",
    0x0010: "enhanced deflating (flag bit 4)",
    0x0020: "compressed patched data (flag bit 5)",
    0x2000: "masked local headers (flag bit 13)",
}
_ANY_UNSUPPORTED = 0x0001 | sum(_UNSUPPORTED_FLAGS)

Step = Callable[[bytes, int], "int | None"]


class Member(NamedTuple):
    """A member that arrived whole: its CRC-32 and sizes matched."""

    raw_name: bytes
    name: str
    data: bytes
    crc: int
    offset: int  # of its local header
    modified_at: datetime | None = None


class _Current(NamedTuple):
    """The member being read, from its local header."""

    raw_name: bytes
    name: str
    offset: int
    expected: tuple[int, int, int] | None  # (CRC-32, compressed, size); None: a descriptor
    modified_at: datetime | None


def dos_datetime(date: int, time: int) -> datetime | None:
    """A zip header's MS-DOS date and time (no time zone, two-second steps); None
    for the format's zero (1980-01-01 00:00, what a writer that sets none leaves)
    and for fields that name no real moment."""
    if (date, time) in ((0, 0), (0x21, 0)):
        return None
    try:
        return datetime(
            1980 + (date >> 9),
            date >> 5 & 0xF,
            date & 0x1F,
            time >> 11,
            time >> 5 & 0x3F,
            (time & 0x1F) * 2,
        )
    except ValueError:
        return None


def decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")  # the zip format's default when the UTF-8 flag is absent


class MemberReader:
    """Bytes in (`feed`), whole members out (`ready`), then the directory's bytes."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self.received = 0
        self.ready: list[Member] = []
        self.delivered = 0
        self.last_name: str | None = None
        self.directory: bytearray | None = None  # from the central directory's first byte
        self.directory_offset = 0
        self._pending = b""  # the start of a header or descriptor cut by a chunk's end
        self._base = 0  # offset of the first byte of what `feed` parses
        self._step: Step = self._signature
        self._current: _Current | None = None
        self._inflater: Inflater | None = None
        self._parts: list[bytes] = []
        self._crc = self._size = self._compressed = 0
        self._member: Member | None = None  # read, waiting for its data descriptor
        self._total = self._compressed_total = 0

    def feed(self, chunk: bytes) -> None:
        """Parse `chunk`; members that became whole are appended to `ready`."""
        self.received += len(chunk)
        if self.directory is not None:
            self._keep(chunk)
            return
        data = self._pending + chunk if self._pending else chunk
        self._base = self.received - len(data)
        position: int | None = 0
        while position is not None and self.directory is None:
            parsed = position
            position = self._step(data, parsed)
        if self.directory is not None:
            self._keep(data[parsed:])
        self._pending = data[parsed:] if position is None else b""

    def end(self) -> tuple[int, bytearray]:
        """At the end of the bytes: (offset, bytes) of the directory, or `Damaged`."""
        if self.directory is None:
            raise Damaged(f"the bytes end inside {self._where()}")
        return self.directory_offset, self.directory

    # -- the steps: each returns where it stopped, or None when it needs more bytes

    def _signature(self, data: bytes, at: int) -> int | None:
        signature = data[at : at + 4]
        if signature == LOCAL_SIGNATURE:
            self._step = self._local_header
            return at
        if signature in DIRECTORY_SIGNATURES:
            self.directory, self.directory_offset = bytearray(), self._base + at
            return at
        if self._base + at == 0 and not any(
            known.startswith(signature) for known in (LOCAL_SIGNATURE, *DIRECTORY_SIGNATURES)
        ):
            start = errors.sanitize(repr(data[:16]))
            raise errors.InvalidResponseError(
                f"the prompt-log body is not a zip archive (it starts with {start})"
            )
        if len(signature) < 4:
            return None
        raise Damaged(f"unexpected bytes where {self._where()} should begin")

    def _local_header(self, data: bytes, at: int) -> int | None:
        if len(data) - at < _LOCAL.size:
            return None
        _, _, flags, method, time, date, crc, compressed, size, name_length, extra_length = (
            _LOCAL.unpack_from(data, at)
        )
        name_at = at + _LOCAL.size
        end: int = name_at + name_length + extra_length
        if len(data) < end:
            return None
        raw_name = bytes(data[name_at : name_at + name_length])
        name = decode_name(raw_name)
        has_descriptor = bool(flags & 0x08)
        if _MAX32 in (compressed, size):
            extra = data[name_at + name_length : end]
            size, compressed = _zip64_local_sizes(extra, size, compressed, has_descriptor)
        reader = _inflater_for(name, flags, method, compressed, has_descriptor)
        if not has_descriptor and size > self._limits.max_entry_size:
            raise _too_large(name, self._limits.max_entry_size)
        expected = None if has_descriptor else (crc, compressed, size)
        modified_at = dos_datetime(date, time)
        self._current = _Current(raw_name, name, self._base + at, expected, modified_at)
        self._inflater, self._parts = reader, []
        self._crc = self._size = self._compressed = 0
        self._step = self._data if reader is not None else self._stored_until_descriptor
        return end

    def _data(self, data: bytes, at: int) -> int | None:
        reader = self._inflater
        assert reader is not None and self._current is not None
        if not reader.done:
            if at == len(data):
                return None
            self._compressed_total += len(data) - at
            used = reader.feed(memoryview(data)[at:], self._accept)
            self._compressed_total -= len(data) - at - used
            self._compressed += used
            at += used
            if not reader.done:
                return at
        parts = self._parts
        content = parts[0] if len(parts) == 1 else b"".join(parts)
        current, self._parts, self._inflater = self._current, [], None
        member = self._member_of(current, content)
        if current.expected is None:
            self._member, self._step = member, self._descriptor
            return at
        if current.expected != (self._crc, self._compressed, self._size):
            raise Damaged(f"{shown(current.name)} does not match its local header (CRC-32 or size)")
        self._deliver(member)
        self._step = self._signature
        return at

    def _stored_until_descriptor(self, data: bytes, at: int) -> int | None:
        found = data.find(_DESCRIPTOR, at)
        stop = max(at, len(data) - 3) if found < 0 else found  # 3 bytes may start one
        if stop > at:
            self._store(data[at:stop])
            return stop
        if found < 0 or len(data) - found < _DESCRIPTOR_LOOKAHEAD:
            return None
        after = self._stored_end(data, found)
        if after is None:
            self._store(data[found : found + 1])  # a signature inside the data
            return found + 1
        assert self._current is not None
        current, content = self._current, b"".join(self._parts)
        self._parts, self._step = [], self._signature
        self._deliver(self._member_of(current, content))
        return after

    def _stored_end(self, data: bytes, at: int) -> int | None:
        """Past the descriptor at `at` if it describes the bytes before it and the
        next record follows it; else None (the signature is part of the data)."""
        wanted = (self._crc, self._size, self._size)
        for signature, layout, length in _LAYOUTS[::2]:  # the two with a signature
            after = at + length
            if (
                _fields(data, at, signature, layout) == wanted
                and data[after : after + 4] in _AFTER_DESCRIPTOR
            ):
                return after
        return None

    def _descriptor(self, data: bytes, at: int) -> int | None:
        after = at + 16  # the server's own layout first: signed, 32-bit sizes
        if data[after : after + 4] in _AFTER_DESCRIPTOR and _SIGNED32.unpack_from(data, at) == (
            _DESCRIPTOR,
            self._crc,
            self._compressed,
            self._size,
        ):
            if self._member is not None:
                self._deliver(self._member)
                self._member = None
            self._step = self._signature
            return after
        available = len(data) - at
        wanted = (self._crc, self._compressed, self._size)
        member = self._member
        if member is not None:
            for signature, layout, length in _LAYOUTS:
                if length <= available and _fields(data, at, signature, layout) == wanted:
                    self._deliver(member)  # it arrived whole: the layout can wait
                    member = self._member = None
                    break
        if available < _DESCRIPTOR_LOOKAHEAD:
            return None
        for signature, layout, length in _LAYOUTS:
            after = at + length
            if (
                _fields(data, at, signature, layout) == wanted
                and data[after : after + 4] in _AFTER_DESCRIPTOR
            ):
                self._step = self._signature
                return after
        assert self._current is not None
        name = self._current.name
        if member is not None:
            raise Damaged(f"{shown(name)} does not match its data descriptor (CRC-32 or size)")
        raise Damaged(f"unexpected bytes after the data descriptor of {shown(name)}")

    # -- helpers

    def _member_of(self, current: _Current, content: bytes) -> Member:
        return Member(
            current.raw_name, current.name, content, self._crc, current.offset, current.modified_at
        )

    def _store(self, piece: bytes) -> None:
        self._compressed += len(piece)
        self._compressed_total += len(piece)
        self._accept(piece)

    def _accept(self, piece: bytes) -> None:
        if not piece:
            return
        size, total = self._size + len(piece), self._total + len(piece)
        limits = self._limits
        assert self._current is not None
        if size > limits.max_entry_size:
            raise _too_large(self._current.name, limits.max_entry_size)
        if total > limits.max_total_size:
            raise errors.InvalidResponseError(
                f"prompt-log archive decompresses to more than max_total_size "
                f"({limits.max_total_size:,} bytes); stopped in {shown(self._current.name)}"
            )
        if total > RATIO_FLOOR and total > limits.max_ratio * self._compressed_total:
            raise errors.InvalidResponseError(
                f"prompt-log archive decompresses more than {limits.max_ratio} to 1 "
                f"({total:,} bytes from {self._compressed_total:,}), a zip bomb; "
                f"stopped in {shown(self._current.name)} (raise max_ratio if it is genuine)"
            )
        self._size, self._total = size, total
        self._crc = zlib.crc32(piece, self._crc)
        self._parts.append(piece)

    def _deliver(self, member: Member) -> None:
        self.ready.append(member)
        self.delivered += 1
        self.last_name = member.name

    def _keep(self, data: bytes | bytearray) -> None:
        assert self.directory is not None
        self.directory += data
        if len(self.directory) > MAX_DIRECTORY_SIZE:
            raise errors.InvalidResponseError(
                f"prompt-log archive's central directory exceeds {MAX_DIRECTORY_SIZE:,} bytes"
                f" (the documented {1000:,} logs need about 250 KB)"
            )

    def _where(self) -> str:
        scanning = self._step == self._stored_until_descriptor
        if (self._step == self._data or scanning) and self._current is not None:
            return shown(self._current.name)
        if self._step == self._descriptor and self._current is not None:
            return f"the data descriptor of {shown(self._current.name)}"
        return (
            "the first file"
            if self.last_name is None
            else f"the file after {shown(self.last_name)}"
        )


def _fields(data: bytes, at: int, signature: bytes, layout: struct.Struct) -> tuple[int, ...]:
    start = at + len(signature)
    if data[at:start] != signature or len(data) < start + layout.size:
        return ()
    return layout.unpack_from(data, start)


def _zip64_local_sizes(
    extra: bytes, size: int, compressed: int, has_descriptor: bool
) -> tuple[int, int]:
    """(size, compressed) from a local header's Zip64 extra field (both, in this order)."""
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        if tag == 1:
            values = extra[position + 4 : position + 4 + length]
            wanted = [value for value in (size, compressed) if value == _MAX32]
            if len(values) >= 16:
                size, compressed = struct.unpack_from("<QQ", values)
            elif len(values) >= 8 * len(wanted):
                large = iter(struct.unpack_from(f"<{len(wanted)}Q", values))
                size, compressed = (next(large) if v == _MAX32 else v for v in (size, compressed))
            return size, compressed
        position += 4 + length
    if has_descriptor:  # the sizes come after the data
        return size, compressed
    raise Damaged("a local header lacks its Zip64 sizes")


def _inflater_for(
    name: str, flags: int, method: int, compressed: int, has_descriptor: bool
) -> Inflater | None:
    """The member's decompressor; None for a stored member whose end must be scanned for."""
    reason = _unsupported(flags, method)
    if reason is None and method == 0 and has_descriptor and compressed == 0:
        return None
    reader = None if reason else inflater(method, compressed)
    if reader is None:
        raise errors.InvalidResponseError(
            f"prompt-log archive file {shown(name)} uses an unsupported zip feature: {reason}"
        )
    return reader


def _unsupported(flags: int, method: int) -> str | None:
    if not flags & _ANY_UNSUPPORTED and method in (0, 8, 9, 12):
        return None
    for flag, reason in _UNSUPPORTED_FLAGS.items():
        if flags & flag:
            return reason
    if flags & 0x0001:
        return "AES encryption (method 99)" if method == 99 else "ZipCrypto encryption"
    if method not in (0, 8, 9, 12):
        return f"compression method {method} ({METHOD_NAMES.get(method, 'unknown')})"
    return None


def _too_large(name: str, limit: int) -> errors.InvalidResponseError:
    return errors.InvalidResponseError(
        f"prompt-log file {shown(name)} is larger than max_entry_size ({limit:,} bytes); "
        "stopped reading it (raise max_entry_size if the file is genuine)"
    )
