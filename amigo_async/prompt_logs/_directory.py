"""The completeness check: the end of the archive must agree with what arrived.

`stream_unzip`-style reading notices a cut inside a member, not one inside the
central directory. So after the last member this module reads the end records
(Zip64 too): the end-of-central-directory record must end the bytes (zero padding
after it, as bsdtar writes to a pipe, is allowed), the directory must start where
the members ended and end where the end records begin, and it must list exactly
the names, sizes, CRC-32s and offsets of the members that arrived, in any order.

The check is a generator that pauses every `_BATCH` records, so the async stream
lets its event loop run while it reads a directory of 400,000 records. When it
fails, `Damaged.disproved` lists the members that the records which could be read
contradict: a local header's name is not covered by its CRC-32, so a damaged one
delivers a file under a name the directory then disproves.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Generator
from typing import NamedTuple

from ._damage import Damaged, shown
from ._members import decode_name

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF
_BATCH = 4096  # records read or compared between two pauses

Arrived = tuple[bytes, int, int, int]
"""(name, CRC-32, size, local header offset) of a member that arrived whole."""

Steps = Generator[None, None, None]


class _Listed(NamedTuple):
    """One central directory record."""

    name: bytes
    crc: int
    size: int
    offset: int


class _Bounds(NamedTuple):
    """Where the end records put the directory, and how many records they count."""

    entries: int
    size: int
    offset: int
    count_bits: int  # 16: a classic count, which wraps past 65,535 files without Zip64


def check_directory(tail: bytearray, base: int, arrived: list[Arrived]) -> Steps:
    """Raise `Damaged` unless `tail` (the bytes from offset `base` on) ends the
    archive consistently and its directory lists exactly the members in `arrived`."""
    listed: list[_Listed] = []
    try:
        yield from _read_whole_directory(tail, base, listed)
    except Damaged as damaged:
        listed.clear()
        with contextlib.suppress(Damaged):  # whole records can still disprove a member
            yield from _read_records(tail, len(tail), listed)
        damaged.disproved = yield from _disagreeing(listed, arrived, whole=False)
        raise
    disproved = yield from _disagreeing(listed, arrived, whole=True)
    if len(listed) != len(arrived):
        raise Damaged(
            f"the central directory lists {len(listed)} files, {len(arrived)} arrived", disproved
        )
    if disproved:
        name = decode_name(arrived[disproved[0]][0])
        raise Damaged(
            f"the central directory disagrees with the file that arrived as {shown(name)}"
            " (no record at its offset, or another name, size or CRC-32)",
            disproved,
        )


def _read_whole_directory(tail: bytearray, base: int, listed: list[_Listed]) -> Steps:
    bounds = _directory_bounds(tail, base, _find_end_record(tail))
    if bounds.offset != base:
        raise Damaged("the central directory does not start where the members end")
    end = yield from _read_records(tail, bounds.size, listed)
    if end != bounds.size:
        raise Damaged(f"central directory record {len(listed) + 1} is damaged")
    if len(listed) % (1 << bounds.count_bits) != bounds.entries:
        raise Damaged(
            f"the end record counts {bounds.entries} files, the directory lists {len(listed)}"
        )


def _disagreeing(
    listed: list[_Listed], arrived: list[Arrived], *, whole: bool
) -> Generator[None, None, list[int]]:
    """Indexes in `arrived` of the members the records contradict: another name,
    size or CRC-32 at their offset, or (`whole`: all records were read) none."""
    by_offset: dict[int, _Listed] = {}
    for number, entry in enumerate(listed, 1):
        by_offset[entry.offset] = entry
        if number % _BATCH == 0:
            yield
    disagreeing = []
    for index, member in enumerate(arrived):
        record = by_offset.get(member[3])
        if record != member and (whole or record is not None):
            disagreeing.append(index)
        if index % _BATCH == _BATCH - 1:
            yield
    return disagreeing


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


def _directory_bounds(tail: bytearray, base: int, end_at: int) -> _Bounds:
    """Entries, size and offset of the directory from the end records, Zip64 included.

    Zip64 end records rule when their locator is there, whatever the classic record
    holds (bsdtar's zip64 option writes the real values in both). Without them, a
    count of exactly 0xFFFF (or a size or offset of 0xFFFFFFFF) is plain, as Python's
    zipfile writes 65,535 files, and a count past 65,535 wraps (checked modulo 2**16).
    """
    _, disk, cd_disk, on_disk, entries, size, offset, _ = _EOCD.unpack_from(tail, end_at)
    directory_end, count_bits = base + end_at, 16
    zip64 = _zip64_end(tail, base, end_at)
    if zip64 is not None:
        (disk, cd_disk, on_disk, entries, size, offset), directory_end = zip64
        count_bits = 64
    if disk != 0 or cd_disk != 0 or on_disk != entries:
        raise Damaged("the archive claims to span several disks")
    if offset + size != directory_end:
        raise Damaged("the central directory does not end where the end record begins")
    return _Bounds(entries, size, offset, count_bits)


def _zip64_end(tail: bytearray, base: int, end_at: int) -> tuple[tuple[int, ...], int] | None:
    """(the Zip64 record's disk, count and directory fields, its offset), or None when
    there is no locator. A damaged locator or record is an error only when the classic
    record says that Zip64 is needed: otherwise the 20 bytes may belong to a record."""
    locator_at = end_at - _LOCATOR64.size
    if locator_at < 0 or tail[locator_at : locator_at + 4] != b"PK\x06\x07":
        return None
    _, _, _, on_disk, entries, size, offset, _ = _EOCD.unpack_from(tail, end_at)
    _, disk64, record_offset, disks = _LOCATOR64.unpack_from(tail, locator_at)
    record_at = record_offset - base
    needed = _MAX16 in (on_disk, entries) or _MAX32 in (size, offset)
    if disk64 != 0 or disks != 1 or record_at < 0 or record_at + _EOCD64.size > locator_at:
        if needed:
            raise Damaged("the Zip64 end-of-central-directory locator points nowhere")
        return None
    record = _EOCD64.unpack_from(tail, record_at)
    if record[0] != b"PK\x06\x06" or record_at + 12 + record[1] != locator_at:
        if needed:
            raise Damaged("the Zip64 end-of-central-directory record is damaged")
        return None
    return record[4:10], record_offset


def _zip64_sizes(extra: bytes, *values: int) -> tuple[int, int]:
    """The Zip64 extra field's 8-byte values replace, in order, those that are 0xFFFFFFFF."""
    wanted = sum(1 for value in values if value == _MAX32)
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        field = extra[position + 4 : position + 4 + length]  # the length may lie
        if tag == 1 and len(field) >= 8 * wanted:
            large = iter(struct.unpack_from(f"<{wanted}Q", field))
            replaced = [next(large) if value == _MAX32 else value for value in values]
            return replaced[0], replaced[2]
        position += 4 + length
    raise Damaged("a central directory record lacks its Zip64 sizes")


def _read_records(tail: bytearray, end: int, listed: list[_Listed]) -> Generator[None, None, int]:
    """Append the records in `tail[:end]` to `listed` up to the first bytes that are
    not a whole record; return where they stop (the caller judges what follows)."""
    position, unpack = 0, _CENTRAL.unpack_from
    while position + _CENTRAL.size <= end and tail[position : position + 4] == _CENTRAL_SIGNATURE:
        (_, _, _, _, _, _, _, crc, compressed, uncompressed, name_length, extra_length,
         comment_length, _, _, _, offset) = unpack(tail, position)  # fmt: skip
        name_at = position + _CENTRAL.size
        extra_at = name_at + name_length
        after = extra_at + extra_length + comment_length
        if after > end:
            break
        if _MAX32 in (uncompressed, compressed, offset):
            extra = bytes(tail[extra_at : extra_at + extra_length])
            uncompressed, offset = _zip64_sizes(extra, uncompressed, compressed, offset)
        listed.append(_Listed(bytes(tail[name_at:extra_at]), crc, uncompressed, offset))
        position = after
        if len(listed) % _BATCH == 0:
            yield
    return position
