"""Zips written by independent tools, for the prompt-log parser's tests.

Python's zipfile is always here; Info-ZIP `zip`, `bsdtar` and `7z` are used when
installed (a test needing a missing tool skips, naming it).
"""

from __future__ import annotations

import functools
import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

FILES: list[tuple[str, bytes]] = [
    ("k1-system", b"You are a support agent.\n" * 40),
    ("k1-history", b"[user]\nhello\n---\n[assistant]\nhi\n" * 30),
    ("k2-error", b"permission denied"),
]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(
            f"{name} is not installed (apt-get install zip / libarchive-tools / p7zip-full)"
        )
    return path


def write_files(directory: Path, files: list[tuple[str, bytes]] = FILES) -> list[str]:
    for name, data in files:
        (directory / name).write_bytes(data)
    return [name for name, _ in files]


def run_tool(directory: Path, *command: str) -> bytes:
    """Run a writer in `directory`; its stdout (a zip written to a pipe) or nothing."""
    done = subprocess.run(command, cwd=directory, capture_output=True, check=True, timeout=60)
    return done.stdout


def written_by_7z(directory: Path, *options: str) -> bytes:
    names = write_files(directory)
    run_tool(directory, tool("7z"), "a", "-tzip", *options, "out.zip", *names)
    return (directory / "out.zip").read_bytes()


def written_by_zipfile(compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in FILES:
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def zipfile_65535() -> bytes:
    """65,535 empty files: exactly the count zipfile writes without Zip64 records."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(65535):
            archive.writestr(f"k{number}-system", b"")
    return buffer.getvalue()


# -- hand-made layouts: what no common writer emits, byte by byte -----------------------

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")


def deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def hand_made(
    files: list[tuple[str, bytes]] = FILES,
    *,
    method: int = 8,
    descriptor: bool = False,
    utf8_flag: bool = False,
    order: list[int] | None = None,
    zip64_end: bool = False,
    raw_names: list[bytes] | None = None,
) -> bytes:
    """A zip written field by field.

    `descriptor`: sizes and CRC-32 in a signed 16-byte data descriptor, zeros in the
    local header; `order`: the central directory lists the files in this order;
    `zip64_end`: Zip64 end record and locator before a classic end record that still
    holds the real values (bsdtar's zip64 option); `raw_names`: names as bytes,
    written without the UTF-8 flag unless `utf8_flag`.
    """
    names = raw_names or [name.encode() for name, _ in files]
    flags = (0x08 if descriptor else 0) | (0x800 if utf8_flag else 0)
    body, records = bytearray(), []
    for name, (_, data) in zip(names, files, strict=True):
        packed = deflated(data) if method == 8 else data
        crc, offset = zlib.crc32(data), len(body)
        sizes = (0, 0, 0) if descriptor else (crc, len(packed), len(data))
        body += _LOCAL.pack(b"PK\x03\x04", 20, flags, method, 0, 0x21, *sizes, len(name), 0)
        body += name + packed
        if descriptor:
            body += struct.pack("<4sIII", b"PK\x07\x08", crc, len(packed), len(data))
        fields = (20, 20, flags, method, 0, 0x21, crc, len(packed), len(data), len(name))
        records.append(_CENTRAL.pack(b"PK\x01\x02", *fields, 0, 0, 0, 0, 0, offset) + name)
    directory = b"".join(records[index] for index in (order or range(len(records))))
    return bytes(body) + directory + end_records(len(records), len(directory), len(body), zip64_end)


def end_records(count: int, size: int, offset: int, zip64: bool = False) -> bytes:
    """The end records of a directory of `count` records; the classic count wraps."""
    classic = _EOCD.pack(b"PK\x05\x06", 0, 0, count & 0xFFFF, count & 0xFFFF, size, offset, 0)
    if not zip64:
        return classic
    record = struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, offset
    )
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + size, 1)
    return record + locator + classic
