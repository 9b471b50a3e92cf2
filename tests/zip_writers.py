"""Zips written by independent tools, for the prompt-log parser's tests.

Python's zipfile and stream-zip (dev extra) are always here; Info-ZIP `zip`, `bsdtar`
and `7z` are used when installed (a test needing a missing tool skips, naming it;
.ci/run installs zip and bsdtar). `hand_made` writes the layouts no common writer
emits; `WRITERS` is the corpus the differential, cut and fuzz tests share.
"""

from __future__ import annotations

import datetime
import functools
import io
import random
import shutil
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# -- the corpus: the same files from every writer installable in CI ---------------------

SMALL: list[tuple[str, bytes]] = [*FILES, ("k3-history", b"")]
"""Small enough to cut at every offset: a few hundred bytes from each writer."""

LARGER: list[tuple[str, bytes]] = [
    *SMALL,
    ("k4-history", b"".join(b"[user]\nquestion %d\n---\n[assistant]\n" % n for n in range(3000))),
    ("k5-system", random.Random(5).randbytes(40_000)),  # does not compress
]


class _Pipe(io.RawIOBase):
    """An unseekable stream: zipfile writes data descriptors to it."""

    def __init__(self) -> None:
        self.written = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.written += data
        return len(data)


def _zipfile(
    files: list[tuple[str, bytes]], compression: int, *, pipe: bool = False, zip64: bool = False
) -> bytes:
    target: _Pipe | io.BytesIO = _Pipe() if pipe else io.BytesIO()
    with zipfile.ZipFile(target, "w", compression) as archive:
        for name, data in files:
            with archive.open(name, "w", force_zip64=zip64) as member:
                member.write(data)
    return bytes(target.written) if isinstance(target, _Pipe) else target.getvalue()


def _stream_zip(files: list[tuple[str, bytes]], method_name: str) -> bytes:
    stream_zip = pytest.importorskip("stream_zip", reason="stream-zip is in the dev extra")
    method = getattr(stream_zip, method_name)
    modified = datetime.datetime(2026, 1, 1)
    members = ((name, modified, 0o600, method, (data,)) for name, data in files)
    return b"".join(stream_zip.stream_zip(members))


def _info_zip(files: list[tuple[str, bytes]], directory: Path, *options: str) -> bytes:
    names = write_files(directory, files)
    if "-" in options:  # to a pipe: data descriptors
        return run_tool(directory, tool("zip"), "-q", *options, *names)
    run_tool(directory, tool("zip"), "-q", *options, "out.zip", *names)
    return (directory / "out.zip").read_bytes()


def _bsdtar(files: list[tuple[str, bytes]], directory: Path, *options: str) -> bytes:
    names = write_files(directory, files)
    return run_tool(directory, tool("bsdtar"), "-c", "--format", "zip", *options, "-f", "-", *names)


Writer = Callable[[list[tuple[str, bytes]], Path], bytes]

WRITERS: dict[str, Writer] = {
    "zipfile deflated": lambda files, _: _zipfile(files, zipfile.ZIP_DEFLATED),
    "zipfile stored": lambda files, _: _zipfile(files, zipfile.ZIP_STORED),
    "zipfile bzip2": lambda files, _: _zipfile(files, zipfile.ZIP_BZIP2),
    "zipfile zip64": lambda files, _: _zipfile(files, zipfile.ZIP_DEFLATED, zip64=True),
    "zipfile to a pipe, deflated": lambda f, _: _zipfile(f, zipfile.ZIP_DEFLATED, pipe=True),
    "zipfile to a pipe, stored": lambda f, _: _zipfile(f, zipfile.ZIP_STORED, pipe=True),
    "stream-zip ZIP_32": lambda files, _: _stream_zip(files, "ZIP_32"),
    "stream-zip ZIP_64": lambda files, _: _stream_zip(files, "ZIP_64"),
    "stream-zip NO_COMPRESSION_32": lambda files, _: _stream_zip(files, "NO_COMPRESSION_32"),
    "stream-zip NO_COMPRESSION_64": lambda files, _: _stream_zip(files, "NO_COMPRESSION_64"),
    "Info-ZIP": lambda files, directory: _info_zip(files, directory),
    "Info-ZIP stored": lambda files, directory: _info_zip(files, directory, "-0"),
    "Info-ZIP Zip64": lambda files, directory: _info_zip(files, directory, "-fz"),
    "Info-ZIP to a pipe": lambda files, directory: _info_zip(files, directory, "-"),
    "Info-ZIP to a pipe, stored": lambda files, directory: _info_zip(files, directory, "-0", "-"),
    "bsdtar": lambda files, directory: _bsdtar(files, directory),
    "bsdtar stored": lambda f, d: _bsdtar(f, d, "--options", "zip:compression=store"),
    "bsdtar zip64": lambda f, d: _bsdtar(f, d, "--options", "zip:zip64"),
    "hand-made, stored with descriptors": lambda f, _: hand_made(f, method=0, descriptor=True),
    "hand-made, directory reversed": lambda f, _: hand_made(f, order=list(range(len(f)))[::-1]),
    "hand-made, Zip64 end records and real classic values": lambda f, _: hand_made(
        f, zip64_end=True, descriptor=True
    ),
}
"""Each writer: (files, a scratch directory) -> the archive; a missing tool skips."""


def read_by_zipfile(data: bytes) -> list[tuple[str, bytes]]:
    """The files as zipfile reads them, in the order of their local headers."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
        return [(info.filename, archive.read(info)) for info in infos]
