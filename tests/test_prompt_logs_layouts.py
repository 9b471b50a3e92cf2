"""The zip reader on the layouts and damage of issue 19 (items 18-24): each case is an
archive written field by field (`zip_writers.hand_made`) or by zipfile, read whole,
cut, or damaged at one byte, with what must come out of it."""

from __future__ import annotations

import asyncio
import io
import logging
import random
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_prompt_logs_parser import chunked, collect
from zip_writers import FILES, WRITERS, end_records, hand_made

from amigo_async import errors, export_prompt_logs
from amigo_async.prompt_logs import _inflate as inflate_module
from amigo_async.prompt_logs import entry_from_file, iter_entries, stream_entries
from amigo_async.testing import FakeAmigoServer

RATIO = 10_000  # the tests' archives of repeated text compress far past the default cap


def contents(data: bytes, **options: int) -> list[tuple[str, bytes]]:
    return [(entry.file_name, entry.data) for entry in iter_entries([data], **options)]


# -- 18: a cut exactly at the end of a large, well-compressing member -------------------


LARGE = 1024 * 1024 + 4  # zlib fills 1 MiB of output with 4 bytes still pending


def large_member_archive() -> tuple[bytes, int]:
    """(a zipfile archive of one deflated member just over 1 MiB, where its data ends)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("k1-history", (b"[user]\nthe same line again\n---\n" * 40_000)[:LARGE])
    data = buffer.getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    name_length, extra_length = struct.unpack_from("<HH", data, 26)
    return data, 30 + name_length + extra_length + info.compress_size


@pytest.mark.parametrize("size", [None, 65536])
def test_a_cut_at_the_end_of_a_large_deflated_member_still_delivers_it(size: int | None) -> None:
    data, data_end = large_member_archive()
    cut = data[:data_end]

    delivered, error = collect(
        [cut] if size is None else chunked(cut, size), max_ratio=RATIO, max_total_size=1 << 30
    )

    assert isinstance(error, errors.TruncatedStreamError)
    assert [entry.size for entry in delivered] == [LARGE]


async def test_the_async_stream_delivers_it_too() -> None:
    data, data_end = large_member_archive()

    async def source() -> AsyncIterator[bytes]:
        yield data[:data_end]

    delivered = []
    with pytest.raises(errors.TruncatedStreamError):
        async for entry in stream_entries(source(), max_ratio=RATIO):
            delivered.append(entry.size)
    assert delivered == [LARGE]


# -- 19: every problem in the bytes is a library error ----------------------------------


def test_deflate64_data_that_breaks_the_decoder_is_an_incomplete_archive() -> None:
    delivered, error = collect([deflate64_breaking_the_decoder()])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "invalid deflate64 data (IndexError)" in str(error)
    assert delivered == []


def deflate64_breaking_the_decoder() -> bytes:
    bad = bytes.fromhex("1aef")  # stream_inflate64 raises IndexError on these two bytes
    data = bytearray(hand_made([("k1-system", bad)], method=0))
    struct.pack_into("<H", data, 8, 9)  # the local header says Deflate64
    struct.pack_into("<I", data, 22, 1000)  # and an uncompressed size
    return bytes(data)


def zip64_extra_longer_than_its_bytes() -> bytes:
    data = bytearray(hand_made(FILES[:1]))
    _, _, _, _, _, size, offset, _ = struct.unpack_from("<4sHHHHIIH", data, len(data) - 22)
    record = bytearray(data[offset : offset + size])
    struct.pack_into("<I", record, 24, 0xFFFFFFFF)  # the size is "in the Zip64 field"
    extra = struct.pack("<HH", 1, 8) + b"\x00" * 4  # which claims 8 bytes and has 4
    struct.pack_into("<H", record, 30, len(extra))
    record += extra
    return bytes(data[:offset] + record + end_records(1, len(record), offset))


def test_a_zip64_extra_field_longer_than_its_bytes_is_an_incomplete_archive() -> None:
    delivered, error = collect([zip64_extra_longer_than_its_bytes()])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "lacks its Zip64 sizes" in str(error)
    assert [entry.file_name for entry in delivered] == ["k1-system"]


async def test_an_export_fails_those_prefixes_instead_of_dying(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    fake.state.prompt_logs.pin("d64/", deflate64_breaking_the_decoder())
    fake.state.prompt_logs.pin("z64/", zip64_extra_longer_than_its_bytes())

    async with fake.client() as client:
        summary = await export_prompt_logs(client, ["d64/", "z64/"], tmp_path, retry_delay=0)

    assert [result.status for result in summary.results] == ["failed", "failed"]
    assert all("archive incomplete" in (result.error or "") for result in summary.results)


# -- 20: intact archives the reader used to call truncated ------------------------------


@pytest.mark.parametrize("descriptor", [False, True])
def test_zip64_end_records_beside_a_classic_record_holding_the_real_values(
    descriptor: bool,
) -> None:
    data = hand_made(zip64_end=True, descriptor=descriptor)

    assert contents(data) == FILES


def test_a_directory_listing_the_files_in_another_order_is_complete() -> None:
    data = hand_made(order=[2, 0, 1])

    assert contents(data) == FILES


def test_70000_files_without_zip64_end_records_are_complete() -> None:
    files = [(f"k{number}-system", b"") for number in range(70_000)]

    data = hand_made(files, method=0)

    assert struct.unpack_from("<H", data, len(data) - 12)[0] == 70_000 - 65_536
    assert sum(1 for _ in iter_entries(chunked(data, 65536))) == 70_000


def test_a_wrapped_count_that_disagrees_with_the_directory_is_still_reported() -> None:
    data = bytearray(hand_made([(f"k{number}-system", b"") for number in range(3)], method=0))
    struct.pack_into("<HH", data, len(data) - 14, 3 + 1, 3 + 1)

    _, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "counts 4 files, the directory lists 3" in str(error)


# -- 21: stored members with a data descriptor ------------------------------------------


def test_stored_members_with_descriptors_are_found_by_their_crc_and_length() -> None:
    lookalike = struct.pack("<4sIII", b"PK\x07\x08", 0, 7, 7) + b"PK\x03\x04"
    files = [
        ("k1-system", b"before " + lookalike + b" after"),  # a descriptor that is data
        ("k1-history", b""),
        ("k2-error", b"PK\x07\x08" * 100),
    ]
    data = hand_made(files, method=0, descriptor=True)

    assert contents(data) == files
    for size in (1, 5, 17, 4096):
        assert [(e.file_name, e.data) for e in iter_entries(chunked(data, size))] == files


def test_zipfile_writing_stored_members_to_a_pipe_is_read(tmp_path: Path) -> None:
    data = WRITERS["zipfile to a pipe, stored"](FILES, tmp_path)

    assert struct.unpack_from("<HH", data, 6) == (0x08, 0)  # stored, with a data descriptor
    assert contents(data) == FILES


def test_a_stored_member_with_no_descriptor_in_sight_stops_at_max_entry_size() -> None:
    data = hand_made([("k1-system", b"a" * 5000)], method=0, descriptor=True)

    delivered, error = collect(chunked(data, 1000), max_entry_size=4000)

    assert isinstance(error, errors.InvalidResponseError)
    assert "'k1-system' is larger than max_entry_size" in str(error)
    assert delivered == []


def test_a_stored_member_whose_descriptor_crc_is_wrong_is_an_incomplete_archive() -> None:
    data = bytearray(hand_made([("k1-system", b"some text")], method=0, descriptor=True))
    data[data.index(b"PK\x07\x08") + 4] ^= 1

    delivered, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert delivered == []


# -- 22: entries delivered under a name the directory disproves -------------------------


def test_a_name_damaged_in_a_local_header_is_disproved_by_the_directory() -> None:
    data = bytearray(hand_made())
    data[30 + 1] = ord("9")  # k1-system -> k9-system in the local header only

    delivered, error = collect([bytes(data)])

    assert [entry.file_name for entry in delivered] == ["k9-system", "k1-history", "k2-error"]
    assert isinstance(error, errors.TruncatedStreamError)
    assert error.disproved == ("k9-system",)
    assert "the central directory disproves: 1" in str(error)


def test_a_member_a_whole_directory_does_not_list_is_disproved() -> None:
    data = hand_made(FILES[:2])
    _, _, _, _, _, _, offset, _ = struct.unpack_from("<4sHHHHIIH", data, len(data) - 22)
    second = data[offset + 46 + len(FILES[0][0]) : len(data) - 22]  # drop the first record
    damaged = data[:offset] + second + end_records(1, len(second), offset)

    delivered, error = collect([damaged])

    assert len(delivered) == 2
    assert isinstance(error, errors.TruncatedStreamError)
    assert "lists 1 files, 2 arrived" in str(error)
    assert error.disproved == ("k1-system",)


def test_a_cut_directory_disproves_with_the_records_that_arrived_whole() -> None:
    data = bytearray(hand_made())
    data[30 + 1] = ord("9")
    _, _, _, _, _, _, offset, _ = struct.unpack_from("<4sHHHHIIH", data, len(data) - 22)

    _, error = collect([bytes(data[: offset + 46 + 9 + 10])])

    assert isinstance(error, errors.TruncatedStreamError)
    assert error.disproved == ("k9-system",)


def test_an_intact_archive_disproves_nothing() -> None:
    data = hand_made()

    _, error = collect([data[:-1]])

    assert isinstance(error, errors.TruncatedStreamError)
    assert error.disproved == ()
    assert "disproves" not in str(error)


# -- 23: one large chunk, a large directory ---------------------------------------------


def test_zlib_is_given_bounded_slices_of_a_large_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    largest = 0
    real = zlib.decompressobj

    class Recording:
        def __init__(self, wbits: int) -> None:
            self._inner = real(wbits)

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def decompress(self, data: Any, max_length: int = 0) -> bytes:
            nonlocal largest
            largest = max(largest, len(data))
            return self._inner.decompress(data, max_length)

    monkeypatch.setattr(inflate_module.zlib, "decompressobj", Recording)
    noise = random.Random(19)
    files = [(f"k{number}-system", noise.randbytes(1000)) for number in range(200)]
    data = hand_made(files)

    assert contents(data) == files
    assert 0 < largest <= 64 * 1024 < len(data)


async def test_checking_a_large_directory_lets_the_event_loop_run() -> None:
    files = [(f"k{number}-system", b"") for number in range(20_000)]
    data = bytearray(hand_made(files, method=0))
    data[len(data) - 22 - 1] ^= 1  # the last record's name: a mismatched directory
    ticks: list[int] = []
    source_done = asyncio.Event()

    async def source() -> AsyncIterator[bytes]:
        yield bytes(data)
        source_done.set()

    async def ticker() -> None:
        await source_done.wait()
        while True:
            ticks.append(1)
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    with pytest.raises(errors.TruncatedStreamError, match="disagrees"):
        async for _ in stream_entries(source()):
            pass
    task.cancel()

    assert len(ticks) >= 4


# -- 24: names without the UTF-8 flag ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (b"caf\xc3\xa9-system", "café-system"),  # valid UTF-8: read as UTF-8
        (b"caf\x82-system", "café-system"),  # not UTF-8: cp437, the zip format's default
        (b"k\x80\x81-system", "kÇü-system"),
    ],
)
def test_names_without_the_utf8_flag_are_utf8_when_valid_else_cp437(raw: bytes, name: str) -> None:
    data = hand_made([("x", b"data")], raw_names=[raw])

    assert contents(data) == [(name, b"data")]


def as_deflate64(data: bytes) -> bytes:
    """Deflate data without length-258 matches is Deflate64 data too: relabel it."""
    relabeled = bytearray(data)
    for signature, method_at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        position = relabeled.find(signature)
        while position >= 0:
            struct.pack_into("<H", relabeled, position + method_at, 9)
            position = relabeled.find(signature, position + 4)
    return bytes(relabeled)


def test_deflate64_members_are_read_in_bounded_slices_whatever_the_chunking() -> None:
    noise = random.Random(64)
    files = [
        (f"k{number}-system", b" ".join(b"%x" % noise.getrandbits(32) for _ in range(count)))
        for number, count in enumerate([0, 10, 14_000, 300])
    ]
    data = as_deflate64(hand_made(files))
    assert len(data) > 64 * 1024  # one member spans two slices

    for size in (len(data), 4096):
        assert [(e.file_name, e.data) for e in iter_entries(chunked(data, size))] == files


# -- a server's file names in messages ---------------------------------------------------


def test_a_long_name_with_a_credential_is_cut_and_scrubbed_in_the_message() -> None:
    name = "k1-" + "x" * 60_000 + " Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl-system"
    data = bytearray(hand_made([(name, b"some text")]))
    data[-30] ^= 1  # the directory disagrees: the message names the file

    delivered, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert len(str(error)) < 1000
    assert "eyJ" not in str(error) and "Bearer eyJ" not in repr(error)
    assert error.disproved == (name,)  # the exact name, to drop the file
    assert [entry.file_name for entry in delivered] == [name]


def test_an_unknown_file_is_logged_with_its_name_cut_and_scrubbed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = "x" * 60_000 + " Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl"

    with caplog.at_level(logging.WARNING, logger="amigo_async.prompt_logs"):
        entry = entry_from_file(name, b"text")

    assert entry.file_name == name
    assert len(caplog.text) < 1000 and "eyJ" not in caplog.text
