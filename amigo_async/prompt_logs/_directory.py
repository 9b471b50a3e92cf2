"""The completeness check: the end of the archive must agree with what arrived.

`stream_unzip`-style reading notices a cut inside a member, not one inside the
central directory. So after the last member this module reads the end records
(Zip64 too): the end-of-central-directory record must end the bytes (zero padding
after it, as bsdtar writes to a pipe, is allowed), the directory must start where
the members ended and end where the end records begin, and it must list exactly
the names, sizes, CRC-32s and offsets of the members that arrived.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from ._damage import Damaged
from ._members import decode_name

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF

Arrived = tuple[bytes, int, int, int]
"""(name, CRC-32, size, local header offset) of a member that arrived whole."""


class _Listed(NamedTuple):
    """One central directory record."""

    name: bytes
    crc: int
    size: int
    offset: int


def check_directory(tail: bytearray, base: int, arrived: list[Arrived]) -> None:
    """Raise `Damaged` unless `tail` (the bytes from offset `base` on) ends the
    archive consistently and its directory lists exactly the members in `arrived`."""
    end_at = _find_end_record(tail)
    entries, size, offset = _directory_bounds(tail, base, end_at)
    if offset != base:
        raise Damaged("the central directory does not start where the members end")
    _compare(_read_directory(tail, 0, size, entries), arrived)


def _find_end_record(tail: bytearray) -> int:
    """The position of the end-of-central-directory record, which must end the archive."""
    content = len(tail.rstrip(b"\x00"))  # zero padding after the archive is no data
    position = content
    floor = max(0, content - _EOCD.size - _MAX16)
    trailing: int | None = None
    while True:
        position = tail.rfind(b"PK\x05\x06", floor, position)
        if position < 0:
            if trailing is not None:
                raise Damaged(f"{trailing} bytes follow the end-of-central-directory record")
            raise Damaged("the archive ends before its end-of-central-directory record")
        if position + _EOCD.size <= len(tail):
            end = position + _EOCD.size + _EOCD.unpack_from(tail, position)[7]
            if content <= end <= len(tail):
                return position
            if end < content and trailing is None:
                trailing = len(tail) - end


def _directory_bounds(tail: bytearray, base: int, end_at: int) -> tuple[int, int, int]:
    """(entries, directory size, directory offset) from the end records, Zip64 included.

    A count of exactly 0xFFFF (or a size or offset of 0xFFFFFFFF) is legal without
    Zip64 records, as Python's zipfile writes 65,535 files: the Zip64 records are
    read when their locator is there, the plain values are checked otherwise.
    """
    _, disk, cd_disk, on_disk, entries, size, offset, _ = _EOCD.unpack_from(tail, end_at)
    directory_end = base + end_at
    locator_at = end_at - _LOCATOR64.size
    has_locator = locator_at >= 0 and tail[locator_at : locator_at + 4] == b"PK\x06\x07"
    if has_locator and (_MAX16 in (on_disk, entries) or _MAX32 in (size, offset)):
        _, disk64, record_offset, disks = _LOCATOR64.unpack_from(tail, locator_at)
        record_at = record_offset - base
        if disk64 != 0 or disks != 1 or record_at < 0 or record_at + _EOCD64.size > locator_at:
            raise Damaged("the Zip64 end-of-central-directory locator points nowhere")
        record = _EOCD64.unpack_from(tail, record_at)
        if record[0] != b"PK\x06\x06" or record_at + 12 + record[1] != locator_at:
            raise Damaged("the Zip64 end-of-central-directory record is damaged")
        disk, cd_disk, on_disk, entries, size, offset = record[4:10]
        directory_end = record_offset
    if disk != 0 or cd_disk != 0 or on_disk != entries:
        raise Damaged("the archive claims to span several disks")
    if offset + size != directory_end:
        raise Damaged("the central directory does not end where the end record begins")
    return entries, size, offset


def _zip64_sizes(extra: bytes, *values: int) -> tuple[int, int]:
    """The Zip64 extra field's 8-byte values replace, in order, those that are 0xFFFFFFFF."""
    wanted = sum(1 for value in values if value == _MAX32)
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        if tag == 1 and length >= 8 * wanted:
            large = iter(struct.unpack_from(f"<{wanted}Q", extra, position + 4))
            replaced = [next(large) if value == _MAX32 else value for value in values]
            return replaced[0], replaced[2]
        position += 4 + length
    raise Damaged("a central directory record lacks its Zip64 sizes")


def _read_directory(tail: bytearray, start: int, size: int, entries: int) -> list[_Listed]:
    listed: list[_Listed] = []
    position, end = start, start + size
    unpack = _CENTRAL.unpack_from
    while position < end:
        if position + _CENTRAL.size > end or tail[position : position + 4] != b"PK\x01\x02":
            raise Damaged(f"central directory record {len(listed) + 1} is damaged")
        (_, _, _, _, _, _, _, crc, compressed, uncompressed, name_length, extra_length,
         comment_length, _, _, _, offset) = unpack(tail, position)  # fmt: skip
        name_at = position + _CENTRAL.size
        extra_at = name_at + name_length
        position = extra_at + extra_length + comment_length
        if position > end:
            raise Damaged(f"central directory record {len(listed) + 1} overruns the directory")
        if _MAX32 in (uncompressed, compressed, offset):
            extra = bytes(tail[extra_at : extra_at + extra_length])
            uncompressed, offset = _zip64_sizes(extra, uncompressed, compressed, offset)
        listed.append(_Listed(bytes(tail[name_at:extra_at]), crc, uncompressed, offset))
    if len(listed) != entries:
        raise Damaged(f"the end record counts {entries} files, the directory lists {len(listed)}")
    return listed


def _compare(listed: list[_Listed], arrived: list[Arrived]) -> None:
    if len(listed) != len(arrived):
        raise Damaged(f"the central directory lists {len(listed)} files, {len(arrived)} arrived")
    for number, (entry, member) in enumerate(zip(listed, arrived, strict=True), 1):
        if entry != member:
            raise Damaged(
                f"central directory record {number} ({decode_name(entry.name)!r}) disagrees "
                "with the file that arrived (name, size, CRC-32 or offset)"
            )
