"""The prompt-log parser over bytes in memory: entries, the separator rule, completeness.

No HTTP here: `iter_entries` is the whole pipeline (bytes -> zip members -> entries
-> the completeness check), so a cut at every byte offset runs in well under a second.
"""

from __future__ import annotations

import io
import logging
import random
import struct
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

import pytest

from amigo_async import errors
from amigo_async.prompt_logs import (
    PromptLogEntry,
    PromptLogKind,
    entry_from_file,
    iter_entries,
    split_messages,
)
from amigo_async.prompt_logs._members import dos_datetime
from amigo_async.testing._data.prompt_logs import GeneratedText, zip_stream

FILES: list[tuple[str, bytes]] = [
    ("conv/1-system", b"You are a support agent."),
    ("conv/1-history", b"[user]\nhello\n---\n[assistant]\nhi there\n"),
    ("conv/2-error", b"Missing permission Conversation:GetInteractionInsights."),
    ("conv/3-system", GeneratedText("s", 700).render()),
    ("conv/3-history", b""),
    ("conv/4-notes.txt", b"an undocumented file"),
]


def archive(files: Iterable[tuple[str, bytes]] = FILES, *, zip64: bool = False) -> bytes:
    """A zip as the server streams it: deflated members with data descriptors."""
    return b"".join(zip_stream(list(files), zip64=zip64))


def zipfile_archive(comment: bytes = b"") -> bytes:
    """A zip as Python's zipfile writes it: sizes in the local headers, no descriptors."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        archive_file.writestr("k1-system", "stored text")
        archive_file.writestr("k1-history", "a\n---\nb", compress_type=zipfile.ZIP_DEFLATED)
        with archive_file.open("k2-error", "w", force_zip64=True) as member:
            member.write(b"zip64 extra in the local header")
        archive_file.comment = comment
    return buffer.getvalue()


def whole_at(data: bytes) -> list[int]:
    """For each member, the first cut offset at which it has arrived whole.

    A member is whole once its data is complete and its CRC checked: right after
    the data when the local header holds the CRC and sizes; with a data descriptor,
    as soon as a descriptor layout holding its CRC and sizes has arrived, without
    waiting for the bytes that tell the 16- from the 24-byte layout.
    """
    offsets = []
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        data_end = info.header_offset + 30 + name_length + extra_length + info.compress_size
        descriptor = _descriptor_length(data, data_end, info) if info.flag_bits & 0x08 else 0
        offsets.append(data_end + descriptor)
    return offsets


def _descriptor_length(data: bytes, at: int, info: zipfile.ZipInfo) -> int:
    wanted = (info.CRC, info.compress_size, info.file_size)
    layouts = [(12, b"", "<III"), (16, b"PK\x07\x08", "<III"), (20, b"", "<IQQ")]
    for length, signature, fields in [*layouts, (24, b"PK\x07\x08", "<IQQ")]:
        start = at + len(signature)
        if data[at:start] == signature and struct.unpack_from(fields, data, start) == wanted:
            return length
    raise AssertionError("no data descriptor")


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def collect(chunks: Iterable[bytes], **options: int) -> tuple[list[PromptLogEntry], Exception]:
    """The entries delivered before the error that ended the stream."""
    delivered: list[PromptLogEntry] = []
    with pytest.raises(Exception) as raised:
        for entry in iter_entries(chunks, **options):
            delivered.append(entry)
    return delivered, raised.value


# -- entries ---------------------------------------------------------------------


def test_complete_archive_yields_one_entry_per_file_in_order() -> None:
    entries = list(iter_entries([archive()]))

    assert [(e.log_key, e.kind) for e in entries] == [
        ("conv/1", "system"),
        ("conv/1", "history"),
        ("conv/2", "error"),
        ("conv/3", "system"),
        ("conv/3", "history"),
        ("conv/4-notes.txt", "unknown"),
    ]
    assert entries[0].text == "You are a support agent."
    assert entries[1].messages == ("[user]\nhello", "[assistant]\nhi there\n")


def test_kind_comes_from_the_file_name_suffix() -> None:
    assert entry_from_file("a-b-system", b"").kind is PromptLogKind.SYSTEM
    assert entry_from_file("a-b-system", b"").log_key == "a-b"
    assert entry_from_file("x-history", b"").kind == "history"
    assert entry_from_file("x-error", b"").kind == "error"


def test_error_entry_is_yielded_as_data_with_its_text() -> None:
    entry = entry_from_file("k-error", b"permission denied")

    assert (entry.kind, entry.log_key, entry.text) == ("error", "k", "permission denied")
    assert entry.messages == ()


def test_unexpected_file_name_is_kept_as_unknown_and_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="amigo_async.prompt_logs"):
        entry = entry_from_file("k-systemprompt", b"text")

    assert (entry.kind, entry.log_key, entry.text) == ("unknown", "k-systemprompt", "text")
    assert "k-systemprompt" in caplog.text


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    entry = entry_from_file("k-system", b"ok \xff\xfe end")

    assert entry.text == "ok \ufffd\ufffd end"
    assert entry.invalid_utf8 is True
    assert entry_from_file("k-system", "é".encode()).invalid_utf8 is False


def test_entry_records_its_file_name_and_size() -> None:
    entry = entry_from_file("k-history", "é---".encode())

    assert (entry.file_name, entry.size) == ("k-history", 5)


# -- the separator rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("", ()),
        ("one message", ("one message",)),
        ("a\n---\nb", ("a", "b")),
        ("a\n---\nb\n", ("a", "b\n")),
        ("a\r\n---\r\nb", ("a", "b")),
        ("---\na", ("", "a")),
        ("a\n---", ("a", "")),
        ("a\n---\n", ("a", "")),
        ("---", ("", "")),
        ("a\n---\n---\nb", ("a", "", "b")),
        ("a\n\n---\nb", ("a\n", "b")),
        ("a\n----\nb", ("a\n----\nb",)),
        ("a\n --- \nb", ("a\n --- \nb",)),
        ("a ---\nb", ("a ---\nb",)),
        ("a\n---b\nc", ("a\n---b\nc",)),
        ("a\n---\r", ("a", "")),
    ],
)
def test_history_splits_only_on_lines_that_are_exactly_three_dashes(
    text: str, messages: tuple[str, ...]
) -> None:
    assert split_messages(text) == messages


def test_joining_messages_with_separator_lines_gives_the_text_back() -> None:
    rng = random.Random(5)
    pieces = ["", "x", "line\n", "-", "--", "----", " --- ", "a\nb", "\n", "---x"]
    for _ in range(500):
        messages = tuple(
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
            for _ in range(rng.randint(1, 5))
        )
        text = "\n---\n".join(messages)
        if not text or any(line == "---" for m in messages for line in m.split("\n")):
            continue
        assert split_messages(text) == messages, text


def test_messages_are_empty_for_kinds_other_than_history() -> None:
    assert entry_from_file("k-system", b"a\n---\nb").messages == ()


# -- completeness ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [archive(), archive(zip64=True), zipfile_archive(), zipfile_archive(b"a comment")],
    ids=["descriptors", "zip64", "zipfile", "zipfile-with-comment"],
)
def test_every_cut_raises_after_exactly_the_entries_that_arrived_whole(data: bytes) -> None:
    full = list(iter_entries([data]))
    thresholds = whole_at(data)
    for cut in range(len(data)):
        delivered, error = collect([data[:cut]])

        expected = sum(1 for offset in thresholds if offset <= cut)
        assert isinstance(error, errors.TruncatedStreamError), (cut, error)
        assert delivered == full[:expected], cut
        assert error.entries_delivered == expected
        assert error.bytes_received == cut
        assert error.last_log_key == (full[expected - 1].log_key if expected else None)


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1000])
def test_small_chunks_give_the_same_entries(size: int) -> None:
    data = archive()

    assert list(iter_entries(chunked(data, size))) == list(iter_entries([data]))


def test_cuts_after_the_last_member_raise_with_small_chunks() -> None:
    data = archive()
    for cut in range(whole_at(data)[-1], len(data)):
        delivered, error = collect(chunked(data[:cut], 3))

        assert isinstance(error, errors.TruncatedStreamError)
        assert len(delivered) == len(FILES)


def test_zip64_archive_is_read_completely() -> None:
    assert [e.file_name for e in iter_entries([archive(zip64=True)])] == [n for n, _ in FILES]


def test_empty_archive_has_no_entries() -> None:
    assert list(iter_entries([archive([])])) == []


def test_no_bytes_at_all_is_truncation() -> None:
    delivered, error = collect([])

    assert isinstance(error, errors.TruncatedStreamError)
    assert (delivered, error.bytes_received, error.last_log_key) == ([], 0, None)


def end_record(data: bytes) -> tuple[int, int, int]:
    """(entries, directory size, directory offset) of a plain archive."""
    entries, size, offset = struct.unpack_from("<HII", data, len(data) - 12)
    return entries, size, offset


def test_bytes_after_the_end_record_are_reported() -> None:
    delivered, error = collect([archive() + b"junk"])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "4 bytes follow" in str(error)
    assert len(delivered) == len(FILES)


def test_central_directory_crc_that_disagrees_with_the_data_is_reported() -> None:
    data = bytearray(archive())
    _, _, offset = end_record(bytes(data))
    data[offset + 16] ^= 0xFF  # the first record's CRC-32

    delivered, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "disagrees" in str(error)
    assert len(delivered) == len(FILES)


def test_central_directory_name_that_disagrees_is_reported() -> None:
    data = bytearray(archive())
    _, _, offset = end_record(bytes(data))
    data[offset + 46] = ord("X")  # the first byte of the first record's name

    _, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "disagrees" in str(error)


def test_central_directory_missing_a_file_is_reported() -> None:
    files = FILES[:2]
    data = archive(files)
    _, _, offset = end_record(data)
    first_record = 46 + len(files[0][0])
    directory = data[offset + first_record : len(data) - 22]  # drop the first record
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), offset, 0)
    damaged = data[:offset] + directory + end

    delivered, error = collect([damaged])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "lists 1 files, 2 arrived" in str(error)
    assert len(delivered) == 2


def test_end_record_counting_other_than_the_directory_is_reported() -> None:
    data = bytearray(archive())
    struct.pack_into("<HH", data, len(data) - 14, 5, 5)

    _, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "counts 5 files" in str(error)


def test_directory_offset_that_does_not_meet_the_end_record_is_reported() -> None:
    data = bytearray(archive())
    _, _, offset = end_record(bytes(data))
    struct.pack_into("<I", data, len(data) - 6, offset + 1)

    _, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert "central directory" in str(error)


def test_corrupt_member_data_is_an_incomplete_archive() -> None:
    data = bytearray(archive([("k-system", GeneratedText("x", 5000).render())]))
    data[60] ^= 0xFF

    delivered, error = collect([bytes(data)])

    assert isinstance(error, errors.TruncatedStreamError)
    assert delivered == []


def test_bytes_that_are_not_a_zip_are_an_invalid_response_not_a_truncation() -> None:
    _, error = collect([b'{"detail": "not a zip"}'])

    assert isinstance(error, errors.InvalidResponseError)
    assert "not a zip" in str(error)


def test_file_larger_than_max_entry_size_stops_the_stream_with_a_clear_error() -> None:
    bomb = b"\0" * (8 * 1024 * 1024)
    data = archive([("a-system", b"small"), ("b-history", bomb), ("c-system", b"never")])
    assert len(data) < 64 * 1024  # a zip bomb: tiny on the wire, large unpacked

    delivered, error = collect([data], max_entry_size=1024 * 1024)

    assert isinstance(error, errors.InvalidResponseError)
    assert "max_entry_size" in str(error) and "b-history" in str(error)
    assert [e.log_key for e in delivered] == ["a"]


def test_file_of_exactly_max_entry_size_is_accepted() -> None:
    entries = list(iter_entries([archive([("a-system", b"x" * 100)])], max_entry_size=100))

    assert entries[0].size == 100


def test_encrypted_member_is_an_unsupported_feature() -> None:
    data = bytearray(zipfile_archive())
    struct.pack_into("<H", data, 6, 0x0001)  # "encrypted" flag on the first member

    _, error = collect([bytes(data)])

    assert isinstance(error, errors.InvalidResponseError)
    assert "unsupported" in str(error)


def test_source_failure_becomes_truncation_after_the_whole_entries() -> None:
    data = archive()

    def failing() -> Iterator[bytes]:
        yield data[: whole_at(data)[1]]
        raise errors.TransportError("connection reset", operation_id="get-prompt-logs")

    delivered, error = collect(failing())

    assert isinstance(error, errors.TruncatedStreamError)
    assert isinstance(error.__cause__, errors.TransportError)
    assert [e.file_name for e in delivered] == ["conv/1-system", "conv/1-history"]
    assert error.last_log_key == "conv/1"


@pytest.mark.parametrize("bad", [0, -1])
def test_max_entry_size_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="max_entry_size"):
        next(iter_entries([archive()], max_entry_size=bad))


def test_bytes_kept_between_chunks_are_a_header_at_most_then_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from amigo_async.prompt_logs import _members, _pipeline

    kept: list[int] = []

    class RecordedReader(_members.MemberReader):
        def feed(self, chunk: bytes) -> None:
            super().feed(chunk)
            kept.append(len(self._pending) + len(self.directory or b""))

    monkeypatch.setattr(_pipeline, "MemberReader", RecordedReader)
    files = [(f"k{i}-system", GeneratedText(f"s{i}", 20_000).render()) for i in range(50)]
    data = archive(files)
    _, _, directory_offset = end_record(data)

    assert len(list(iter_entries(chunked(data, 4096)))) == 50
    assert max(kept) <= len(data) - directory_offset  # the directory, not the members
    assert max(kept[: directory_offset // 4096]) < 100  # before it: a cut header at most


def test_an_entry_carries_its_zip_date_and_time_without_a_zone() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as written:
        written.writestr(zipfile.ZipInfo("k/1-system", (2026, 12, 6, 13, 45, 58)), b"dated")
        written.writestr(zipfile.ZipInfo("k/2-system"), b"zipfile's default: 1980-01-01")

    dated, undated = iter_entries([buffer.getvalue()])

    assert dated.modified_at == datetime(2026, 12, 6, 13, 45, 58)
    assert undated.modified_at is None  # the format's zero means "no date"


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        (0, 0, None),
        ((2025 - 1980) << 9 | 2 << 5 | 30, 0, None),  # 30 February
        (
            (2025 - 1980) << 9 | 1 << 5 | 1,
            23 << 11 | 59 << 5 | 29,
            datetime(2025, 1, 1, 23, 59, 58),
        ),
    ],
)
def test_zip_dates_that_name_no_moment_are_none(
    date: int, time: int, expected: datetime | None
) -> None:
    assert dos_datetime(date, time) == expected
