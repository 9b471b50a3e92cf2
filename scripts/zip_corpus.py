"""The long form of tests/test_zip_corpus.py: every writer, every cut, many corruptions.

    .venv/bin/python scripts/zip_corpus.py [--examples 20000] [--seed N]

The suite runs a fixed-seed slice (one archive per layout cut at every offset, 150
damaged archives); this runs every installed writer of `zip_writers.WRITERS`: the
small files cut at every offset (in one chunk and in 7-byte chunks), the larger
ones near every signature and at 1,000 spread offsets (one chunk, 4 KiB), then
`--examples` damaged archives drawn by hypothesis (random unless `--seed`). It
prints what it checked and exits 1 at the first failure, with the case.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pytest
from hypothesis import HealthCheck, given, seed, settings
from test_zip_corpus import check_damaged, damaged, pieces, read
from zip_writers import LARGER, SMALL, WRITERS, read_by_zipfile

from amigo_async import errors


def corpus(files: list[tuple[str, bytes]]) -> dict[str, bytes]:
    archives = {}
    for name, writer in WRITERS.items():
        try:
            archives[name] = writer(files, Path(tempfile.mkdtemp()))
        except pytest.skip.Exception as skipped:
            print(f"  skipped {name}: {skipped}")
    return archives


def cuts_of(data: bytes, every: bool) -> list[int]:
    """Every offset, or (a larger archive) those within 48 bytes of a signature's
    "PK" (headers, descriptors, the directory) and 1,000 spread over the data."""
    if every:
        return list(range(len(data) + 1))
    chosen = set(range(0, len(data) + 1, max(1, len(data) // 1000)))
    at = data.find(b"PK")
    while at >= 0:
        chosen.update(range(max(0, at - 48), min(len(data), at + 48) + 1))
        at = data.find(b"PK", at + 1)
    return sorted(chosen)


def sweep(writer: str, data: bytes, files: list[tuple[str, bytes]], size: int) -> int:
    """Cut `data` at each offset, read it in `size`-byte chunks; the cuts checked."""
    assert read_by_zipfile(data) == files, writer
    end = data.rfind(b"PK\x05\x06") + 22
    before = 0
    offsets = cuts_of(data, files is SMALL)
    for cut in offsets:
        delivered, error = read(pieces(data[:cut], size))
        if error is None:
            assert cut >= end and delivered == files, (writer, cut, size)
            continue
        assert isinstance(error, errors.TruncatedStreamError), (writer, cut, size, error)
        assert delivered == files[: len(delivered)] and len(delivered) >= before, (writer, cut)
        before = len(delivered)
    return len(offsets)


def main() -> None:
    logging.disable(logging.WARNING)  # damaged names are "unexpected files", by the thousand
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    cuts = 0
    for files in (SMALL, LARGER):
        for writer, data in corpus(files).items():
            for size in (len(data), 7) if files is SMALL else (len(data), 4096):
                cuts += sweep(writer, data, files, size)
        print(f"cuts checked: {cuts:,} ({time.perf_counter() - started:.0f} s)", flush=True)

    small = corpus(SMALL)

    @settings(
        max_examples=args.examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(damaged(small))
    def property_holds(case: tuple[bytes, bytes, int]) -> None:
        check_damaged(case)

    if args.seed is not None:
        property_holds = seed(args.seed)(property_holds)
    property_holds()
    print(f"damaged archives checked: {args.examples:,} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
