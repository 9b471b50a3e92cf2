"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fake_server_process(*extra_args: str) -> Iterator[tuple[str, str]]:
    """Run `python -m amigo_async.testing` in its own process; yield (base URL, token).

    A separate process keeps the server's CPU out of the client's measurement.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "amigo_async.testing", "--port", "0", *extra_args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" on ", 1)[1].split()[0]
        token = ""
        for line in iter(process.stdout.readline, ""):
            if "AMIGO_TOKEN=" in line:
                token = line.split("=", 1)[1].strip()
                break
        yield url, token
    finally:
        process.terminate()
        process.wait(timeout=10)
