"""Typed calls vs bare aiohttp in CPU instructions per request: the figure noise leaves alone.

Wall-clock ratios on a shared 2-core machine move by +-10 % from run to run.
This counts the instructions the client process executes per request, with
valgrind's callgrind, for the same two paths as `bench_typed_calls.py` (bare
``session.get`` + ``resp.json()`` against ``client.organization.get()``, typed,
limit lifted), against the same server in its own process. Each figure is the
difference between a run of N requests and a run of none, divided by N, so
start-up and imports cancel out. Needs ``valgrind`` (apt-get install valgrind).

    python benchmarks/bench_typed_calls_instructions.py [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
from bench_typed_calls import TOKEN, bare_call, lifted_limits, rate, server_process

_TOTALS = re.compile(rb"^(?:summary|totals): (\d+)", re.MULTILINE)


async def _client(mode: str, requests: int, url: str) -> None:
    from amigo_async import AmigoClient

    async with (
        aiohttp.ClientSession() as session,
        AmigoClient("acme", token=TOKEN, base_url=url, rate_limits=lifted_limits()) as client,
    ):
        call = bare_call(session, url) if mode == "bare" else client.organization.get
        await rate(call, 100, 20)  # warm the pool and the code, in both runs alike
        if requests:
            await rate(call, requests, 20)


def _instructions(mode: str, requests: int, url: str, out: Path) -> int:
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--client",
            mode,
            "--requests",
            str(requests),
            "--url",
            url,
        ],
        check=True,
        capture_output=True,
    )
    found = _TOTALS.search(out.read_bytes())
    assert found is not None, "no totals in the callgrind output"
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        asyncio.run(_client(args.client, args.requests, args.url))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    per_request: dict[str, float] = {}
    with server_process() as url, tempfile.TemporaryDirectory() as directory:
        for mode in ("bare", "typed"):
            out = Path(directory) / f"{mode}.out"
            idle = _instructions(mode, 0, url, out)
            busy = _instructions(mode, args.requests, url, out)
            per_request[mode] = (busy - idle) / args.requests
    print(f"{args.requests} x get-organization, 20 concurrent; client instructions per request")
    for mode, count in per_request.items():
        print(f"{mode:6s} {count:10,.0f}  ratio {count / per_request['bare']:.3f}")
    print("target: <= 1.15 (CPU per request)")


if __name__ == "__main__":
    main()
