"""Four worker processes, one limit: shared through Redis, then four independent buckets.

    python benchmarks/bench_multiprocess.py [--seconds 10] [--workers 4] [--concurrency 8]
                                            [--redis-url redis://host:6379/0]

One FakeAmigoServer (in this process) limits `get-models` to 20 requests per 1 s
with its strict sliding window per user. Every worker process has its own
AmigoClient with the same token (so the server counts them together) and the same
limit override, and calls `get-models` from `--concurrency` coroutines for
`--seconds`. With a RedisBackend the workers share one bucket: the goal is zero
429s and at least 0.9x the limit in combined throughput. With the default
in-process backend each worker paces itself alone, 4 x 20 per second, and the
server answers 429. Without --redis-url a redis-server is started on 127.0.0.1.
Exits 1 if the Redis run misses its goal.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path

import attrs

from amigo_async import AmigoClient, RateLimit, RetryPolicy, errors
from amigo_async._redis import RedisBackend
from amigo_async.testing import FakeAmigoServer

OPERATION = "get-models"
LIMIT = RateLimit(20, per_seconds=1.0)
GOAL = 0.9


@attrs.frozen
class WorkerResult:
    answered: int
    rate_limited: int  # 429s the client saw (it waits and retries them)
    failed: int  # calls that raised (RateLimitError after its retries, ...)


@attrs.frozen
class RoundResult:
    backend: str
    seconds: float
    in_time: int  # 200s that arrived at the server inside the measured span
    refused: int  # 429s the server sent
    max_in_window: int
    workers: list[WorkerResult]

    @property
    def throughput(self) -> float:
        return self.in_time / self.seconds


async def _calls(client: AmigoClient, deadline: float, tally: Counter[str]) -> None:
    while time.monotonic() < deadline:
        try:
            await client.admin.get_models()
            tally["answered"] += 1
        except errors.AmigoError:
            tally["failed"] += 1


async def _work(
    base_url: str,
    token: str,
    redis_url: str | None,
    seconds: float,
    concurrency: int,
    pipe: Connection,
) -> WorkerResult:
    backend = RedisBackend(redis_url) if redis_url else None
    tally: Counter[str] = Counter()
    async with AmigoClient(
        "acme",
        token=token,
        base_url=base_url,
        rate_limits={OPERATION: LIMIT},
        rate_limit_backend=backend,
        retry=RetryPolicy(max_rate_limited=3),
    ) as client:
        pipe.send("ready")
        start_at: float = await asyncio.to_thread(pipe.recv)
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))  # CLOCK_MONOTONIC is system-wide
        deadline = start_at + seconds
        await asyncio.gather(*(_calls(client, deadline, tally) for _ in range(concurrency)))
        rate_limited = client.stats.rate_limited
    if backend is not None:
        await backend.aclose()
    return WorkerResult(tally["answered"], rate_limited, tally["failed"])


def _worker(
    base_url: str,
    token: str,
    redis_url: str | None,
    seconds: float,
    concurrency: int,
    pipe: Connection,
) -> None:
    logging.getLogger("amigo_async").setLevel(logging.ERROR)  # the in-process round warns per 429
    result = asyncio.run(_work(base_url, token, redis_url, seconds, concurrency, pipe))
    pipe.send(attrs.astuple(result))


async def run_round(
    backend: str, redis_url: str | None, workers: int, seconds: float, concurrency: int
) -> RoundResult:
    context = multiprocessing.get_context("spawn")
    async with FakeAmigoServer(rate_limits={OPERATION: LIMIT}) as fake:
        pipes, processes = [], []
        for _ in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_worker,
                args=(fake.url, fake.token, redis_url, seconds, concurrency, theirs),
            )
            process.start()
            pipes.append(ours)
            processes.append(process)
        for pipe in pipes:
            await asyncio.to_thread(pipe.recv)  # "ready"
        start_at = time.monotonic() + 0.2
        for pipe in pipes:
            pipe.send(start_at)
        results = [WorkerResult(*await asyncio.to_thread(pipe.recv)) for pipe in pipes]
        for process in processes:
            await asyncio.to_thread(process.join, 30)
        end_at = start_at + seconds
        in_time = sum(
            1
            for r in fake.requests
            if r.operation_id == OPERATION and r.status == 200 and start_at <= r.at < end_at
        )
        return RoundResult(
            backend,
            seconds,
            in_time,
            fake.rate_limited[OPERATION],
            fake.max_in_window(OPERATION),
            results,
        )


def report(result: RoundResult, workers: int) -> None:
    print(f"\n{result.backend}: {workers} processes, {OPERATION} limited to {LIMIT}")
    print(
        f"  throughput {result.throughput:5.1f}/s over {result.seconds:g}s "
        f"= {result.throughput / (LIMIT.requests / LIMIT.per_seconds):.2f}x the limit"
    )
    print(f"  429s from the server {result.refused}, most in one window {result.max_in_window}")
    for number, worker in enumerate(result.workers, 1):
        print(
            f"  worker {number}: {worker.answered} answered, {worker.rate_limited} x 429, "
            f"{worker.failed} failed"
        )


async def main(arguments: argparse.Namespace, redis_url: str) -> int:
    shared = await run_round(
        "RedisBackend (shared)",
        redis_url,
        arguments.workers,
        arguments.seconds,
        arguments.concurrency,
    )
    report(shared, arguments.workers)
    alone = await run_round(
        "InProcessBackend (one bucket per process)",
        None,
        arguments.workers,
        arguments.seconds,
        arguments.concurrency,
    )
    report(alone, arguments.workers)
    ratio = shared.throughput / (LIMIT.requests / LIMIT.per_seconds)
    ok = shared.refused == 0 and ratio >= GOAL
    print(f"\nRedis goal (zero 429s, >= {GOAL}x the limit): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8, help="coroutines per worker")
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    arguments = parser.parse_args()
    if arguments.redis_url:
        sys.exit(asyncio.run(main(arguments, arguments.redis_url)))
    # The throwaway redis-server is a test helper: it lives in tests/, not in the package.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _redis_server import RedisServer

    with RedisServer() as server:
        sys.exit(asyncio.run(main(arguments, server.url)))
