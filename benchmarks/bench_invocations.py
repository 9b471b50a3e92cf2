"""Benchmark: tool invocations from the fake server, and structuring on its own.

    /work/venv/bin/python benchmarks/bench_invocations.py [--count 10000] [--repeat 5]

1. End to end: iterate `--count` invocations (pages of 100) from a local
   FakeAmigoServer with the rate limit raised on both sides, and report
   items/second (the server runs in the same process and event loop, so its
   work is included).
2. Structuring alone: `structure_response` (the one strict path every answer
   takes) over the same payloads, in
   invocation objects per second (target: at least 50,000 per second).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from typing import Any

from amigo_async import RateLimit, events
from amigo_async.models import structure_response
from amigo_async.models.tools import ToolInvocationList
from amigo_async.testing import FakeAmigoServer

OPERATION = "get-tool-invocations"
TARGET_PER_SECOND = 50_000


async def end_to_end(count: int) -> dict[str, float]:
    """Items per second through `client.tools.list_invocations()`, the path a user takes."""
    raised = {OPERATION: RateLimit(100_000, 1.0)}
    async with FakeAmigoServer(rate_limits=raised) as fake:
        fake.state.tools.invocation_count = count
        _ = fake.state.tools.invocations  # generate the data before the clock starts
        pages = 0

        def count_pages(event: object) -> None:
            nonlocal pages
            pages += isinstance(event, events.RequestFinished)

        async with fake.client(rate_limits=raised, event_hooks=[count_pages]) as client:
            started = time.perf_counter()
            received = 0
            async for _ in client.tools.list_invocations():
                received += 1
            wall = time.perf_counter() - started
            throttled = client.stats.throttled_seconds
    assert received == count, (received, count)
    return {"items": received, "pages": pages, "wall": wall, "throttled": throttled}


async def _payloads(count: int) -> list[dict[str, Any]]:
    """The exact page bodies the server sends, decoded, for the structuring benchmark."""
    async with FakeAmigoServer() as fake:
        fake.state.tools.invocation_count = count
        invocations = fake.state.tools.invocations
    pages = []
    for start in range(0, count, 100):
        items = [{**item, "org_id": "acme"} for item in invocations[start : start + 100]]
        body = {"tool_invocations": items, "has_more": True, "continuation_token": start + 100}
        pages.append(json.loads(json.dumps(body)))
    return pages


def structuring_only(pages: list[dict[str, Any]], repeat: int) -> list[float]:
    """Invocation objects structured per second, one figure per run over all pages."""
    items = sum(len(page["tool_invocations"]) for page in pages)
    rates = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        for page in pages:
            structure_response(page, ToolInvocationList, OPERATION)
        rates.append(items / (time.perf_counter() - started))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="invocations to list")
    parser.add_argument("--repeat", type=int, default=5, help="structuring runs")
    args = parser.parse_args()

    result = asyncio.run(end_to_end(args.count))
    wall = result["wall"]
    print(f"end to end: {result['items']:,.0f} invocations in {result['pages']:.0f} pages")
    print(f"  wall time        {wall:8.3f} s   -> {result['items'] / wall:,.0f} items/s")
    print(f"  rate-limit waits {result['throttled']:8.3f} s")

    pages = asyncio.run(_payloads(args.count))
    rates = structuring_only(pages, args.repeat)
    best, median = max(rates), statistics.median(rates)
    verdict = "meets" if median >= TARGET_PER_SECOND else "MISSES"
    print(f"structuring only: {sum(len(p['tool_invocations']) for p in pages):,} invocations")
    print(f"  median {median:,.0f} objects/s, best {best:,.0f} objects/s over {args.repeat} runs")
    print(f"  {verdict} the target of {TARGET_PER_SECOND:,} objects/s")


if __name__ == "__main__":
    main()
