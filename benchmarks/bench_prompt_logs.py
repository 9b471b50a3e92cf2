"""Prompt-log throughput over real HTTP against synchronous stream_unzip in memory.

    /work/venv/bin/python benchmarks/bench_prompt_logs.py [--logs 1000] [--file-size 20000]

One archive (1,000 logs of a ~20 KB system and a ~20 KB history file by default,
~40 MB, 2,000 files) is built in this process and, identically, in a server
process: a plain aiohttp server that sends it in 64 KiB pieces with chunked
transfer encoding (no Content-Length), as a streaming server does. Each round times:

* ``sync stream_unzip``: the peer, `stream_unzip` over the bytes in memory, every
  member's chunks iterated (not joined, not decoded);
* ``sync iter_entries``: our parser over the same bytes in memory, every `text` read;
* ``async stream_entries, memory``: our async stream over the same bytes;
* ``HTTP ...``: a plain aiohttp client (what the library's HTTP layer does) reading
  ``resp.content`` with one chunking or another and feeding `stream_entries`,
  every `entry.text` read.

Every figure is the best of the rounds, rounds interleaved so drift hits all alike;
a ratio is the peer's time over the case's time in the same run (higher is faster).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from stream_unzip import stream_unzip

from amigo_async import AmigoClient
from amigo_async.prompt_logs import PromptLogEntry, iter_entries, stream_entries
from amigo_async.testing._data.prompt_logs import PromptLogData

PREFIX = "bench/"
PIECE = 64 * 1024
TARGET = 0.85
USER_PATH = "client.admin.stream_prompt_logs"
UNLIMITED = {"get-prompt-logs": None}


def build(logs: int, file_size: int) -> bytes:
    data = PromptLogData()
    data.add_generated(PREFIX, logs, file_size=file_size)
    return data.archive(PREFIX)


async def serve(archive: bytes) -> None:
    """--serve: send the archive in 64 KiB pieces, chunked, no Content-Length."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/zip"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(archive), PIECE):
            await response.write(archive[start : start + PIECE])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/logs", handler)
    app.router.add_get("/v1/acme/admin/get_prompt_logs/", handler)  # what the client calls
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}/logs", flush=True)
    await asyncio.Event().wait()


async def read_all(entries: AsyncIterator[PromptLogEntry]) -> int:
    count = 0
    async for entry in entries:
        entry.text  # noqa: B018 (decoding every text is part of what is measured)
        count += 1
    return count


Chunking = Callable[[aiohttp.StreamReader], AsyncIterator[bytes]]
CHUNKINGS: dict[str, Chunking] = {
    "iter_chunked(64 KiB)": lambda content: content.iter_chunked(64 * 1024),
    "iter_chunked(256 KiB)": lambda content: content.iter_chunked(256 * 1024),
    "iter_any()": lambda content: content.iter_any(),
}


async def main(args: argparse.Namespace, url: str) -> None:
    archive = build(args.logs, args.file_size)
    chunks = [archive[start : start + PIECE] for start in range(0, len(archive), PIECE)]
    files = sum(1 for _ in iter_entries(chunks))
    uncompressed = sum(entry.size for entry in iter_entries(chunks))
    print(
        f"archive: {args.logs} logs, {files} files, {uncompressed / 1e6:.1f} MB uncompressed, "
        f"{len(archive) / 1e6:.1f} MB on the wire, served chunked in {PIECE // 1024} KiB pieces "
        "by a server in its own process"
    )

    def peer() -> None:
        for _, _, member in stream_unzip(iter(chunks)):
            for _ in member:
                pass

    def parse_sync() -> None:
        for entry in iter_entries(iter(chunks)):
            entry.text  # noqa: B018

    async def memory_source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def parse_async() -> None:
        assert await read_all(stream_entries(memory_source())) == files

    origin = url.rsplit("/logs", 1)[0]
    async with (
        aiohttp.ClientSession() as session,
        AmigoClient("acme", token="bench", base_url=origin, rate_limits=UNLIMITED) as client,
    ):

        async def through_the_client() -> None:
            assert await read_all(client.admin.stream_prompt_logs(PREFIX)) == files

        def over_http(chunking: Chunking) -> Callable[[], Awaitable[None]]:
            async def case() -> None:
                async with session.get(url) as response:
                    assert response.content_length is None  # chunked: no Content-Length
                    body = chunking(response.content)
                    assert await read_all(stream_entries(body)) == files

            return case

        cases: list[tuple[str, Callable[[], object]]] = [
            ("sync stream_unzip (peer)", peer),
            ("sync iter_entries, memory", parse_sync),
            ("async stream_entries, memory", parse_async),
            *((f"HTTP, {name}", over_http(chunking)) for name, chunking in CHUNKINGS.items()),
            (USER_PATH, through_the_client),
        ]
        best = {name: float("inf") for name, _ in cases}
        await over_http(CHUNKINGS["iter_any()"])()  # warm the connection pool
        for _ in range(args.rounds):
            for name, case in cases:
                started = time.perf_counter()
                result = case()
                if isinstance(result, Awaitable):
                    await result
                best[name] = min(best[name], time.perf_counter() - started)

    reference = best["sync stream_unzip (peer)"]
    print(f"best of {args.rounds} rounds; ratio = peer time / time (higher is faster)")
    print(f"{'case':34} {'seconds':>8} {'MB/s':>8} {'files/s':>9} {'ratio':>6}")
    for name, seconds in best.items():
        print(
            f"{name:34} {seconds:8.3f} {uncompressed / seconds / 1e6:8.0f} "
            f"{files / seconds:9.0f} {reference / seconds:6.2f}"
        )
    ratio = reference / best[USER_PATH]
    verdict = "PASS" if ratio >= TARGET else "FAIL"
    print(f"target >= {TARGET}x, {USER_PATH}: {ratio:.2f}x {verdict}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--file-size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    """Start the server process, then measure (the server builds its own archive)."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        asyncio.run(main(args, server.stdout.readline().strip()))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.serve:
        asyncio.run(serve(build(arguments.logs, arguments.file_size)))
    else:
        run(arguments)
