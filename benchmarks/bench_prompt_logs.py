"""Prompt-log throughput: our async entry stream against synchronous stream_unzip.

    /work/venv/bin/python benchmarks/bench_prompt_logs.py [--logs 1000] [--file-size 20000]

One archive (1,000 logs of a ~20 KB system and a ~20 KB history file by default)
is built once. Each round times, on the same bytes cut in 64 KiB chunks:

* ``sync stream_unzip``: the baseline, `stream_unzip` over the chunks in memory;
* ``sync iter_entries``: our parser run synchronously (entries, completeness check);
* ``async stream_entries``: our threaded async pipeline over an async iterator;
* ``HTTP, server in process``: `client.admin.stream_prompt_logs` against the fake
  server in the same event loop (the server's own work is counted);
* ``HTTP, server in a subprocess``: the same against a fake server in another
  process, as a real server would be.

Every figure is the best of the rounds, rounds interleaved so drift hits all alike;
ratios are against the baseline of the same run. ``naive async_stream_unzip`` is
timed once for reference. Rate limits are off (a benchmark sends many requests).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from stream_unzip import async_stream_unzip, stream_unzip

from amigo_async import AmigoClient
from amigo_async.prompt_logs import iter_entries, stream_entries
from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._data.prompt_logs import PromptLogData

PREFIX = "bench/"
UNLIMITED = {"get-prompt-logs": None}


def build(logs: int, file_size: int) -> bytes:
    data = PromptLogData()
    data.add_generated(PREFIX, logs, file_size=file_size)
    return data.archive(PREFIX)


def chunked(archive: bytes, size: int) -> list[bytes]:
    return [archive[start : start + size] for start in range(0, len(archive), size)]


async def serve(logs: int, file_size: int, chunk: int) -> None:
    """--serve: a fake server in this process, for a client in another."""
    async with FakeAmigoServer(chunk_size=chunk, enforce_rate_limits=False) as fake:
        fake.state.prompt_logs.pin(PREFIX, build(logs, file_size))
        print(fake.url, fake.token, flush=True)
        await asyncio.Event().wait()


async def consume(entries: AsyncIterator[object]) -> int:
    count = 0
    async for _ in entries:
        count += 1
    return count


async def main(args: argparse.Namespace, url: str, token: str) -> None:
    archive = build(args.logs, args.file_size)
    chunks = chunked(archive, args.chunk)
    uncompressed = sum(entry.size for entry in iter_entries(chunks))
    files = args.logs * 2
    print(
        f"archive: {args.logs} logs, {files} files, {uncompressed / 1e6:.1f} MB uncompressed, "
        f"{len(archive) / 1e6:.1f} MB on the wire in {len(chunks)} chunks of {args.chunk} B"
    )

    def baseline() -> None:
        for _, _, member in stream_unzip(iter(chunks)):
            for _ in member:
                pass

    def parse_sync() -> None:
        for _ in iter_entries(iter(chunks)):
            pass

    async def memory_source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def parse_async() -> None:
        assert await consume(stream_entries(memory_source())) == files

    async def naive() -> None:
        async for _, _, member in async_stream_unzip(memory_source()):
            async for _ in member:
                pass

    async with (
        FakeAmigoServer(chunk_size=args.chunk, enforce_rate_limits=False) as fake,
        fake.client(rate_limits=UNLIMITED) as local,
        AmigoClient("acme", token=token, base_url=url, rate_limits=UNLIMITED) as remote,
    ):
        fake.state.prompt_logs.pin(PREFIX, archive)

        async def http_local() -> None:
            assert await consume(local.admin.stream_prompt_logs(PREFIX)) == files

        async def http_remote() -> None:
            assert await consume(remote.admin.stream_prompt_logs(PREFIX)) == files

        async def http_remote_messages() -> None:
            async for entry in remote.admin.stream_prompt_logs(PREFIX):
                entry.messages  # noqa: B018 (the split is what is measured)

        cases: list[tuple[str, Callable[[], object]]] = [
            ("sync stream_unzip (baseline)", baseline),
            ("sync iter_entries", parse_sync),
            ("async stream_entries, memory", parse_async),
            ("HTTP, server in process", http_local),
            ("HTTP, server in a subprocess", http_remote),
            ("HTTP subprocess, + messages", http_remote_messages),
        ]
        best = {name: float("inf") for name, _ in cases}
        await http_remote()  # warm the connection pool
        for _ in range(args.rounds):
            for name, case in cases:
                started = time.perf_counter()
                result = case()
                if isinstance(result, Awaitable):
                    await result
                best[name] = min(best[name], time.perf_counter() - started)
    started = time.perf_counter()
    await naive()
    naive_seconds = time.perf_counter() - started

    reference = best["sync stream_unzip (baseline)"]
    print(f"best of {args.rounds} rounds; ratio = baseline time / time (higher is faster)")
    print(f"{'case':34} {'seconds':>8} {'MB/s':>8} {'files/s':>9} {'ratio':>6}")
    for name, seconds in [*best.items(), ("naive async_stream_unzip (1 run)", naive_seconds)]:
        print(
            f"{name:34} {seconds:8.3f} {uncompressed / seconds / 1e6:8.0f} "
            f"{files / seconds:9.0f} {reference / seconds:6.2f}"
        )
    for name in ("HTTP, server in a subprocess", "HTTP, server in process"):
        ratio = reference / best[name]
        print(f"requirement >= 0.8x, {name}: {ratio:.2f}x {'PASS' if ratio >= 0.8 else 'FAIL'}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1000)
    parser.add_argument("--file-size", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=64 * 1024)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    """Start the fake server process, then measure (the server builds its own archive)."""
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url, token = server.stdout.readline().split()
        asyncio.run(main(args, url, token))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    arguments = _arguments()
    if arguments.serve:
        asyncio.run(serve(arguments.logs, arguments.file_size, arguments.chunk))
    else:
        run(arguments)
