"""Zips written by independent tools, for the prompt-log parser's tests.

Python's zipfile is always here; Info-ZIP `zip`, `bsdtar` and `7z` are used when
installed (a test needing a missing tool skips, naming it).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import zipfile
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
