"""Limiter accuracy: 300 calls to one operation limited to 20 per second.

The fake server counts with a strict sliding window of the same limit. Target:
zero 429s and a total time within 5% of the ideal (n - burst) / rate.

    .venv/bin/python benchmarks/bench_limiter.py [--calls 300] [--requests 20] [--seconds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from amigo_async import RateLimit
from amigo_async.testing import FakeAmigoServer

OPERATION = "get-models"


async def run(calls: int, limit: RateLimit, concurrency: int) -> None:
    async with FakeAmigoServer(rate_limits={OPERATION: limit}) as fake:
        async with fake.client(rate_limits={OPERATION: limit}) as client:
            queue = list(range(calls))

            async def worker() -> None:
                while queue:
                    queue.pop()
                    await client.admin.get_models()

            started = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            elapsed = time.monotonic() - started
        ideal = (calls - limit.requests) / limit.requests * limit.per_seconds
        print(
            f"calls:                 {calls} to {OPERATION}, limit {limit}, {concurrency} workers"
        )
        print(f"server 429s:           {sum(fake.rate_limited.values())}")
        print(f"client 429s seen:      {client.stats.rate_limited}")
        print(f"max in any window:     {fake.max_in_window(OPERATION)} (limit {limit.requests})")
        print(f"elapsed:               {elapsed:.3f} s")
        print(f"ideal (n-burst)/rate:  {ideal:.3f} s")
        print(f"elapsed / ideal:       {elapsed / ideal:.4f}  (target <= 1.05, zero 429s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.calls, RateLimit(args.requests, args.seconds), args.concurrency))


if __name__ == "__main__":
    main()
