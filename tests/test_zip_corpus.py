"""The prompt-log zip reader against `zipfile` over the corpus of `zip_writers.WRITERS`:
the same files whole, cut at every offset, and damaged at random (a fixed-seed slice
here; `scripts/zip_corpus.py` runs the long form)."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zip_writers import LARGER, SMALL, WRITERS, read_by_zipfile

from amigo_async import errors
from amigo_async.prompt_logs import iter_entries, stream_entries

CAPS = {"max_total_size": 4 * 1024 * 1024, "max_entry_size": 1024 * 1024}


def read(chunks: Iterator[bytes] | list[bytes]) -> tuple[list[tuple[str, bytes]], Exception | None]:
    """(the entries delivered, the error that ended them or None), caps for the fuzz."""
    delivered: list[tuple[str, bytes]] = []
    try:
        for entry in iter_entries(chunks, **CAPS):
            delivered.append((entry.file_name, entry.data))
    except Exception as error:  # every error is judged by the caller
        return delivered, error
    return delivered, None


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    return (data[start : start + size] for start in range(0, len(data), size))


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every writer that is installed, over the small files."""
    corpus = {}
    for name, writer in WRITERS.items():
        try:
            corpus[name] = writer(SMALL, tmp_path_factory.mktemp("writer"))
        except pytest.skip.Exception:
            continue
    return corpus


# -- the differential test ---------------------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("files", [SMALL, LARGER], ids=["small", "larger"])
async def test_every_writer_is_read_as_zipfile_reads_it(
    writer: str, files: list[tuple[str, bytes]], tmp_path: Path
) -> None:
    data = WRITERS[writer](files, tmp_path)
    expected = read_by_zipfile(data)
    assert expected == files  # the writer wrote what it was given

    for size in (len(data), 7 if files is SMALL else 1000):
        assert read(pieces(data, size)) == (expected, None)

    async def source() -> AsyncIterator[bytes]:
        for piece in pieces(data, 4096):
            yield piece

    assert [(e.file_name, e.data) async for e in stream_entries(source())] == expected


# -- every cut ---------------------------------------------------------------------------


SWEPT = [  # one of each layout; scripts/zip_corpus.py sweeps every writer
    "zipfile deflated",  # sizes in the local headers
    "zipfile to a pipe, stored",  # stored with descriptors: the end found by scanning
    "stream-zip ZIP_64",  # Zip64 descriptors and end records
    "Info-ZIP to a pipe",
    "bsdtar zip64",  # Zip64 end records beside real classic values, zero padding
    "hand-made, directory reversed",
]


def test_every_cut_of_small_archives_is_an_error_after_a_prefix_of_the_files(
    small_corpus: dict[str, bytes],
) -> None:
    assert len(small_corpus) >= 12  # zipfile, stream-zip and hand-made are always here
    for writer in SWEPT:
        if writer not in small_corpus:
            continue  # a tool that is not installed: its differential test says so
        data = small_corpus[writer]
        delivered_before = 0
        end = data.rfind(b"PK\x05\x06") + 22  # zero padding may follow (bsdtar to a pipe)
        for cut in range(len(data)):
            delivered, error = read([data[:cut]])
            if cut >= end and error is None:
                assert delivered == SMALL, (writer, cut)
                continue
            assert isinstance(error, errors.TruncatedStreamError), (writer, cut, error)
            assert delivered == SMALL[: len(delivered)], (writer, cut)
            assert len(delivered) >= delivered_before, (writer, cut)  # nothing taken back
            assert error.entries_delivered == len(delivered)
            delivered_before = len(delivered)
        assert delivered_before == len(SMALL)  # a cut in the directory keeps every file


# -- the corruption fuzz -----------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn, corpus: dict[str, bytes]) -> tuple[bytes, bytes, int]:
    """(the archive, a damaged copy, a chunk size)."""
    original = corpus[draw(st.sampled_from(sorted(corpus)))]
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        change = draw(st.sampled_from(["flip", "byte", "insert", "delete", "cut"]))
        if change == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif change == "byte" and at < len(data):
            data[at] = draw(st.sampled_from([0, 0xFF, draw(st.integers(0, 255))]))
        elif change == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=30))
        elif change == "delete":
            del data[at : at + draw(st.integers(1, 30))]
        else:
            del data[at:]
    return original, bytes(data), draw(st.sampled_from([1, 13, 512, 65536]))


def check_damaged(case: tuple[bytes, bytes, int]) -> None:
    """No error but a library one; no success with other files than the archive's;
    memory bounded by the caps (the inputs are a few kilobytes)."""
    original, data, size = case
    tracemalloc.start()
    try:
        delivered, error = read(pieces(data, size))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error is None or isinstance(error, errors.AmigoError), repr(error)
    assert isinstance(error, (type(None), errors.TruncatedStreamError, errors.InvalidResponseError))
    if error is None:
        assert delivered == read_by_zipfile(original)
    assert peak < 3 * (CAPS["max_total_size"] + CAPS["max_entry_size"])


def test_damaged_archives_fail_with_library_errors_only(small_corpus: dict[str, bytes]) -> None:
    @settings(
        max_examples=150,
        derandomize=True,  # a fixed slice in the suite; scripts/zip_corpus.py runs more
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(damaged(small_corpus))
    def property_holds(case: tuple[bytes, bytes, int]) -> None:
        check_damaged(case)

    property_holds()
