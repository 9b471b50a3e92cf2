"""The prompt-log parser against hostile or unusual archives (issue 13), with zips
from independent writers where they are installed (see `zip_writers`)."""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from test_prompt_logs_parser import archive, collect, whole_at
from zip_writers import (
    FILES,
    run_tool,
    tool,
    write_files,
    written_by_7z,
    written_by_zipfile,
    zipfile_65535,
)

from amigo_async import errors
from amigo_async.prompt_logs import (
    DEFAULT_MAX_TOTAL_SIZE,
    MAX_LOGS_PER_PREFIX,
    PromptLogEntry,
    iter_entries,
    split_messages,
    stream_entries,
)
from amigo_async.testing import FakeAmigoServer


def contents(entries: Iterable[PromptLogEntry]) -> list[tuple[str, bytes]]:
    return [(entry.file_name, entry.data) for entry in entries]


async def stream_until_error(data: bytes) -> tuple[list[PromptLogEntry], Exception]:
    async def source() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    delivered: list[PromptLogEntry] = []
    with pytest.raises(Exception) as raised:
        async for entry in stream_entries(source()):
            delivered.append(entry)
    return delivered, raised.value


# -- caps: the whole archive and the compression ratio ----------------------------------


def test_total_decompressed_bytes_are_capped_after_the_whole_entries() -> None:
    files = [(f"k{i}-system", bytes([65 + i]) * 10_000) for i in range(5)]

    delivered, error = collect([archive(files)], max_total_size=25_000)

    assert isinstance(error, errors.InvalidResponseError)
    assert "max_total_size" in str(error) and "k2-system" in str(error)
    assert contents(delivered) == files[:2]


def test_the_default_total_cap_is_sized_from_the_documented_1000_logs() -> None:
    assert DEFAULT_MAX_TOTAL_SIZE == MAX_LOGS_PER_PREFIX * 4 * 1024 * 1024


def test_a_bzip2_bomb_is_stopped_by_the_ratio_guard_after_the_whole_entries() -> None:
    """Issue 13, 8: a tiny archive of bzip2 members inflating to hundreds of MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as written:
        written.writestr("a-system", b"genuine text")
        for number in range(4):
            written.writestr(f"bomb{number}-history", b"\0" * (24 * 1024 * 1024))
    assert len(buffer.getvalue()) < 4096

    delivered, error = collect([buffer.getvalue()])

    assert isinstance(error, errors.InvalidResponseError)
    assert "to 1" in str(error) and "bomb" in str(error) and "max_ratio" in str(error)
    assert [entry.file_name for entry in delivered] == ["a-system"]


def test_a_genuine_archive_compressing_well_passes_a_looser_ratio() -> None:
    data = archive([("k-system", b"\0" * (20 * 1024 * 1024))])

    [entry] = iter_entries([data], max_ratio=2000)

    assert entry.size == 20 * 1024 * 1024


@pytest.mark.parametrize("name", ["max_total_size", "max_ratio"])
def test_caps_must_be_positive_integers(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        next(iter_entries([archive()], **{name: 0}))


# -- a data descriptor that arrived whole ---------------------------------------------


def test_entry_is_delivered_when_its_descriptor_is_whole_and_the_next_8_bytes_are_not() -> None:
    data = archive(FILES)
    [first, *_] = whole_at(data)  # the end of the first member's 16-byte descriptor
    for cut in range(first, first + 9):
        delivered, error = collect([data[:cut]])

        assert isinstance(error, errors.TruncatedStreamError), cut
        assert contents(delivered) == FILES[:1], cut


async def test_the_async_stream_delivers_it_too() -> None:
    data = archive(FILES)
    cut = whole_at(data)[0] + 4

    delivered, error = await stream_until_error(data[:cut])

    assert isinstance(error, errors.TruncatedStreamError)
    assert contents(delivered) == FILES[:1]


# -- what is not a truncation --------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (("-mem=AES256", "-psecret"), "AES encryption"),
        (("-mem=ZipCrypto", "-psecret"), "ZipCrypto encryption"),
        (("-mm=LZMA",), "compression method 14 (LZMA)"),
        (("-mm=PPMd",), "compression method 98 (PPMd)"),
        (("-mm=xz",), "compression method 95 (xz)"),
    ],
)
def test_unsupported_members_from_7z_name_the_file_and_the_reason(
    tmp_path: Path, options: tuple[str, ...], reason: str
) -> None:
    delivered, error = collect([written_by_7z(tmp_path, *options)])

    assert isinstance(error, errors.InvalidResponseError)
    assert "'k1-history'" in str(error)  # 7z writes the files sorted by name
    assert reason in str(error) and "unsupported" in str(error)
    assert delivered == []


def test_an_lzma_member_from_zipfile_is_unsupported_after_the_entries_before_it() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as written:
        written.writestr("a-system", b"fine")
        written.writestr("b-history", b"lzma", compress_type=zipfile.ZIP_LZMA)

    delivered, error = collect([buffer.getvalue()])

    assert isinstance(error, errors.InvalidResponseError)
    assert "'b-history'" in str(error) and "method 14 (LZMA)" in str(error)
    assert [entry.file_name for entry in delivered] == ["a-system"]


def test_a_stored_member_whose_data_descriptor_never_comes_is_an_incomplete_archive() -> None:
    data = bytearray(written_by_zipfile(zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 6, 0x0008)  # sizes "in a data descriptor"
    struct.pack_into("<III", data, 14, 0, 0, 0)

    delivered, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "the bytes end inside 'k1-system'" in str(error)
    assert delivered == []


async def test_an_html_page_is_an_invalid_response_not_a_truncation(
    fake: FakeAmigoServer,
) -> None:
    fake.state.prompt_logs.pin("page/", b"<!DOCTYPE html><html><body>Sign in</body></html>")

    async with fake.client() as client:
        with pytest.raises(errors.InvalidResponseError, match="not a zip"):
            async for _ in client.admin.stream_prompt_logs("page/"):
                pass

    assert fake.count("get-prompt-logs") == 1  # not retried


def test_zero_padding_after_the_end_record_from_bsdtar_to_a_pipe_is_complete(
    tmp_path: Path,
) -> None:
    names = write_files(tmp_path)
    data = run_tool(tmp_path, tool("bsdtar"), "-cf", "-", "--format", "zip", *names)
    assert data.endswith(b"\0" * 64)  # bsdtar pads what it writes to a pipe

    assert contents(iter_entries([data])) == FILES


def test_nonzero_bytes_after_zero_padding_are_still_reported() -> None:
    delivered, error = collect([archive(FILES) + b"\0" * 100 + b"x"])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "bytes follow" in str(error)
    assert len(delivered) == len(FILES)


def test_65535_files_from_zipfile_without_zip64_records_are_complete() -> None:
    data = zipfile_65535()
    assert b"PK\x06\x06" not in data[-200:] and data[-12:-10] == b"\xff\xff"

    assert sum(1 for _ in iter_entries([data])) == 65535


# -- archives from independent writers ---------------------------------------------------


def test_info_zip_writing_to_a_pipe_is_read_and_cut_like_the_rest(tmp_path: Path) -> None:
    data = run_tool(tmp_path, tool("zip"), "-q", "-", *write_files(tmp_path))
    thresholds = whole_at(data)

    assert contents(iter_entries([data])) == FILES
    for cut in range(len(data)):
        delivered, error = collect([data[:cut]])

        assert isinstance(error, errors.TruncatedStreamError), cut
        assert contents(delivered) == FILES[: sum(1 for t in thresholds if t <= cut)], cut


@pytest.mark.parametrize("method", ["Deflate", "Deflate64", "BZip2", "Copy"])
def test_7z_archives_are_read_completely(tmp_path: Path, method: str) -> None:
    entries = iter_entries([written_by_7z(tmp_path, f"-mm={method}")])

    assert sorted(contents(entries)) == sorted(FILES)


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2])
def test_zipfile_archives_are_read_completely(compression: int) -> None:
    assert contents(iter_entries([written_by_zipfile(compression)])) == FILES


async def test_the_async_stream_reads_an_independent_writer_like_the_sync_parser() -> None:
    data = written_by_zipfile(zipfile.ZIP_BZIP2)

    entries = [entry async for entry in stream_entries(_once(data))]

    assert entries == list(iter_entries([data]))


async def _once(data: bytes) -> AsyncIterator[bytes]:
    await asyncio.sleep(0)
    yield data


# -- the separator rule's documented inverse --------------------------------------------


@pytest.mark.parametrize("text", ["a\n---\nb", "a\n\n---\n\nb", "x\n---\ny\n---\nz\n"])
def test_joining_gives_the_text_back_where_the_docstring_says_it_does(text: str) -> None:
    assert "\n---\n".join(split_messages(text)) == text


@pytest.mark.parametrize(
    ("text", "joined"),
    [("---\na", "\n---\na"), ("a\n---", "a\n---\n"), ("a\n---\n---\nb", "a\n---\n\n---\nb")],
)
def test_leading_trailing_and_adjacent_separators_do_not_join_back(text: str, joined: str) -> None:
    assert "\n---\n".join(split_messages(text)) == joined
