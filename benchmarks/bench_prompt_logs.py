"""Prompt-log entries over chunked HTTP against synchronous stream_unzip in memory,
on several archive shapes.

    .venv/bin/python benchmarks/bench_prompt_logs.py [--logs 1000] [--file-size 10000] [--rounds 7]

Each shape is an archive of `--logs` logs (a system and a history file of about
`--file-size` bytes each, and for the shapes "with errors" an error file for one log
in ten instead), compressing 2:1 to 5:1 (text with a share of base64 noise or of
repetition), with data descriptors (as the server streams it) or with the sizes in
the local headers (as zipfile writes it). A server in its own process builds the same archives and
sends each in 64 KiB pieces with chunked transfer encoding (no Content-Length), as
a streaming server does. Each round times, per shape:

* ``peer``: sync `stream_unzip` over the bytes in memory, every member's chunks
  iterated (not joined, not decoded);
* ``HTTP read``: the body through aiohttp's ``iter_chunked(64 KiB)``, nothing parsed
  (the ceiling of any reader over HTTP);
* ``client``: what a user runs, ``client.admin.stream_prompt_logs(prefix)``, every
  ``entry.text`` read.

A round's ratio is the peer's time over the case's time in that round (higher is
faster); the figure is the median over the rounds, so a busy machine hits both
sides of a ratio alike. The target: the client at >= 0.9x the peer on every shape.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import random
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import NamedTuple

import aiohttp
from aiohttp import web
from stream_unzip import stream_unzip

from amigo_async import AmigoClient
from amigo_async.prompt_logs import PromptLogEntry
from amigo_async.testing._data.prompt_logs import GeneratedText, zip_stream

PIECE = 64 * 1024
TARGET = 0.9
UNLIMITED = {"get-prompt-logs": None}
ERROR_TEXT = b"Missing permission Conversation:GetInteractionInsights for this prompt log.\n"


class Shape(NamedTuple):
    noise: float  # share of each file that is base64 noise (compresses ~1.3:1)
    repeat: float  # share of each file that repeats its start (compresses to nearly nothing)
    errors: bool  # one log in ten is an error file
    descriptors: bool  # sizes after the data (the server's way) or in the local headers


SHAPES = {  # the word soup alone deflates ~3.8:1
    "5:1, descriptors": Shape(0.0, 0.3, False, True),
    "3:1, errors, descriptors": Shape(0.08, 0.0, True, True),
    "2.6:1, errors, descriptors": Shape(0.17, 0.0, True, True),
    "2:1, errors, descriptors": Shape(0.4, 0.0, True, True),
    "5:1, no descriptors": Shape(0.0, 0.3, False, False),
    "2:1, errors, no descriptors": Shape(0.4, 0.0, True, False),
}


def _content(seed: str, size: int, shape: Shape, messages: int = 1) -> bytes:
    text = GeneratedText(seed, size, messages).render()
    noisy, repeated = int(size * shape.noise), int(size * shape.repeat)
    noise = base64.encodebytes(random.Random(seed).randbytes(noisy))[:noisy]
    return text[: size - noisy - repeated] + text[:repeated] + noise


def members(shape: Shape, logs: int, file_size: int) -> list[tuple[str, bytes]]:
    files = []
    for number in range(logs):
        key = f"bench/{number:06d}"
        if shape.errors and number % 10 == 0:
            files.append((f"{key}-error", ERROR_TEXT))
            continue
        files.append((f"{key}-system", _content(f"{key}s", file_size, shape)))
        files.append((f"{key}-history", _content(f"{key}h", file_size, shape, 8)))
    return files


def build(shape: Shape, logs: int, file_size: int) -> bytes:
    files = members(shape, logs, file_size)
    if shape.descriptors:
        return b"".join(zip_stream(files))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def prefix_of(index: int) -> str:
    return f"shape{index}/"


async def serve(archives: dict[str, bytes]) -> None:
    """--serve: the archive named by the prefix, in 64 KiB pieces, chunked."""

    async def handler(request: web.Request) -> web.StreamResponse:
        archive = archives[request.query["prompt_log_prefix"]]
        response = web.StreamResponse(headers={"Content-Type": "application/zip"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(archive), PIECE):
            await response.write(archive[start : start + PIECE])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/v1/acme/admin/get_prompt_logs/", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


async def read_all(entries: AsyncIterator[PromptLogEntry]) -> int:
    count = 0
    async for entry in entries:
        entry.text  # noqa: B018 (decoding every text is part of what is measured)
        count += 1
    return count


Case = Callable[[], Awaitable[None] | None]


async def measure(
    origin: str, index: int, archive: bytes, files: int, rounds: int
) -> dict[str, list[float]]:
    """Per case, the peer's time over the case's time in each round."""
    chunks = [archive[start : start + PIECE] for start in range(0, len(archive), PIECE)]
    prefix = prefix_of(index)
    url = f"{origin}/v1/acme/admin/get_prompt_logs/"

    def peer() -> None:
        for _, _, member in stream_unzip(iter(chunks)):
            for _ in member:
                pass

    async with (
        aiohttp.ClientSession() as session,
        AmigoClient("acme", token="bench", base_url=origin, rate_limits=UNLIMITED) as client,
    ):

        async def http_read() -> None:
            async with session.get(url, params={"prompt_log_prefix": prefix}) as response:
                async for _ in response.content.iter_chunked(PIECE):
                    pass

        async def through_the_client() -> None:
            assert await read_all(client.admin.stream_prompt_logs(prefix)) == files

        cases: dict[str, Case] = {"HTTP read": http_read, "client": through_the_client}
        await through_the_client()  # warm the connection pools
        await http_read()
        ratios: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, case in cases.items():
                reference = _timed_sync(peer)
                ratios[name].append(reference / await _timed(case))
    return ratios


def _timed_sync(case: Callable[[], None]) -> float:
    started = time.perf_counter()
    case()
    return time.perf_counter() - started


async def _timed(case: Case) -> float:
    started = time.perf_counter()
    result = case()
    if result is not None:
        await result
    return time.perf_counter() - started


async def main(args: argparse.Namespace, origin: str) -> bool:
    print(
        f"{args.logs} logs per archive, files of ~{args.file_size:,} bytes, served chunked in "
        f"{PIECE // 1024} KiB pieces by a server in its own process; median of {args.rounds} "
        "per-round ratios = peer time / case time (higher is faster)"
    )
    print(f"{'shape':30} {'MB':>5} {'ratio':>6} {'files':>6} {'HTTP read':>10} {'client':>7}")
    passed = True
    for index, (name, shape) in enumerate(SHAPES.items()):
        if args.shapes and index not in args.shapes:
            continue
        files = members(shape, args.logs, args.file_size)
        archive = build(shape, args.logs, args.file_size)
        size = sum(len(data) for _, data in files)
        ratios = await measure(origin, index, archive, len(files), args.rounds)
        client = statistics.median(ratios["client"])
        passed = passed and client >= TARGET
        print(
            f"{name:30} {size / 1e6:5.1f} {size / len(archive):5.1f}:1 {len(files):6} "
            f"{statistics.median(ratios['HTTP read']):9.2f}x {client:6.2f}x"
        )
    print(f"target: client >= {TARGET}x on every shape: {'PASS' if passed else 'FAIL'}")
    return passed


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--file-size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--shapes", type=int, nargs="*", help="indexes of the shapes to run")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def run(args: argparse.Namespace) -> bool:
    """Start the server process, then measure (the server builds its own archives)."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        return asyncio.run(main(args, server.stdout.readline().strip()))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.serve:
        archives = {
            prefix_of(index): build(shape, arguments.logs, arguments.file_size)
            for index, shape in enumerate(SHAPES.values())
        }
        asyncio.run(serve(archives))
    else:
        sys.exit(0 if run(arguments) else 1)
