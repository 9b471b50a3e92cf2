"""What a lifted limit costs: `RateLimit(10**9, per_seconds=60)` against a small one.

    python benchmarks/bench_bucket_memory.py [--calls 10000] [--redis-url redis://host:6379/0]

For each limit, in process (InProcessBackend) and on Redis (RedisBackend; a
redis-server on 127.0.0.1 is started when no URL is given and one is installed):
the first call's time (bucket creation, acquire, sent), the time per call over
`--calls` calls (each one also learning X-RateLimit-Remaining, as the client does
when a server sends it), and the peak of Python memory (tracemalloc) over the
same work, timed and measured in separate runs. Target: first call < 10 ms and
the huge limit's figures within a small factor of the small limit's (memory and
time follow the requests spent in the last window, never `limit.requests`).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from amigo_async import InProcessBackend, RateLimit, RateLimitBackend

HUGE = RateLimit(10**9, per_seconds=60)
SMALL = RateLimit(1_000_000, per_seconds=60)  # room for every call, but no lifted limit
OPERATION = "get-models"

Factory = Callable[[], RateLimitBackend]

# The throwaway redis-server is a test helper: tests/_redis_server.py, not in the package.
_TESTS = str(Path(__file__).resolve().parents[1] / "tests")


async def _work(backend: RateLimitBackend, limit: RateLimit, calls: int) -> tuple[float, float]:
    """Seconds for the first call, then per call for `calls` more."""
    key = f"{secrets.token_hex(8)}:{OPERATION}"
    started = time.perf_counter()
    (await backend.acquire(key, limit)).sent()
    first = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(calls):
        sent_at = time.monotonic()
        permit = await backend.acquire(key, limit)
        permit.sent()
        await backend.learn_remaining(key, limit, limit.requests - n - 2, as_of=sent_at)
    return first, (time.perf_counter() - started) / max(1, calls)


async def _measure(make: Factory, limit: RateLimit, calls: int) -> tuple[float, float, int]:
    """First-call seconds, seconds per call, tracemalloc peak bytes (separate run)."""
    backend = make()
    try:
        first, per_call = await _work(backend, limit, calls)
    finally:
        await backend.aclose()
    backend = make()
    tracemalloc.start()
    try:
        await _work(backend, limit, calls)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await backend.aclose()
    return first, per_call, peak


async def _report(name: str, make: Factory, calls: int) -> None:
    small = await _measure(make, SMALL, calls)
    huge = await _measure(make, HUGE, calls)
    print(f"{name}  ({calls} calls after the first)")
    for label, (first, per_call, peak) in (("small", small), ("10**9", huge)):
        print(
            f"  {label:>6}: first call {first * 1000:8.3f} ms   per call {per_call * 1e6:8.1f} µs"
            f"   peak {peak / 1024:9.1f} KiB"
        )
    print(
        f"  10**9 / small: first call {huge[0] / small[0]:.2f}x   per call "
        f"{huge[1] / small[1]:.2f}x   peak {huge[2] / small[2]:.2f}x   "
        f"(target: first call < 10 ms, ratios ~1)"
    )


async def run(calls: int, redis_url: str | None) -> None:
    await _report("in process", InProcessBackend, calls)
    try:
        from amigo_async._redis import RedisBackend

        sys.path.insert(0, _TESTS)
        from _redis_server import RedisServer, RedisServerUnavailable
    except ImportError as exc:
        print(f"redis: skipped ({exc})")
        return
    if redis_url is not None:
        await _report("redis", lambda: RedisBackend(redis_url), max(1, calls // 10))
        return
    try:
        with RedisServer() as server:
            url = server.url
            await _report("redis", lambda: RedisBackend(url), max(1, calls // 10))
    except RedisServerUnavailable as exc:
        print(f"redis: skipped ({exc})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.redis_url))


if __name__ == "__main__":
    main()
