"""Benchmark: the concurrent invocation scanner against a strict sliding-window limit.

    /work/venv/bin/python benchmarks/bench_scan.py [--tools 20] [--pages 10] [--limit 20]
        [--rate 50] [--window 1.0] [--concurrency 20] [--latency 0.05] [--rate-limit-headers]

A FakeAmigoServer in a child process limits get-tool-invocations to RATE requests
per WINDOW seconds with its strict sliding window (429 the moment a window is
full); the client gets the same `rate_limits=` override. Each of TOOLS tools holds
exactly PAGES pages of LIMIT invocations, so a scan sends N = TOOLS x PAGES requests.

The ideal: the client's bucket lets a burst of B = RATE requests go at once, and
every later request waits for a token that comes back one window after the answer
that spent it. So the last request cannot leave before (N - B) / (RATE / WINDOW)
seconds, and the scan cannot end sooner: that is the ideal wall time. ``N / rate``,
which ignores the burst, is printed too. The achieved rate is measured where the
limit binds: the N - B requests after the burst over the time from the first
request to the last, as the server saw them arrive.

Pages hold 20 invocations by default (the documents allow up to 100): what is
measured is how the scan fills the limit, and on a one-second window the time this
process needs to decode a burst of 50 full pages of 100 (about 2 ms each, plus the
fake server's own work on the other core) already costs a few percent of each
window. ``--limit 100`` shows that cost. Concurrency defaults to one query per tool;
the library's default (8) is plenty for the documented 50 per minute, but at 50 per
second with a 50 ms round trip 8 queries cannot spend a burst quickly.

Goals (exit status 1 if missed): achieved rate >= 0.95 x the limit, zero 429s,
wall time within 10% of the ideal. The same scan done naively (one tool after
another, one page at a time) is timed for comparison, on loopback and, with
``--latency``, with every answer delayed that long (a remote server's round trip).

The fake server's X-RateLimit-* headers are off by default: the Amigo documents do
not describe them, and the client's reaction to a Remaining count (hold the tokens
beyond it for a window) over-holds when answers arrive while other requests are in
flight. ``--rate-limit-headers`` turns them on to show that cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

import attrs

from amigo_async import AmigoClient, RateLimit
from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._faults import Fault

OPERATION = "get-tool-invocations"
RATE_GOAL = 0.95
WALL_TOLERANCE = 0.10


@attrs.frozen
class Setup:
    tools: int
    pages: int
    limit: int
    rate: int
    window: float
    concurrency: int
    rate_limit_headers: bool

    @property
    def requests(self) -> int:
        return self.tools * self.pages

    @property
    def per_second(self) -> float:
        return self.rate / self.window

    @property
    def ideal(self) -> float:
        """Seconds before the last request may leave: everything beyond the first burst."""
        return max(self.requests - self.rate, 0) / self.per_second

    def arguments(self) -> list[str]:
        """This setup as command-line options for the server process."""
        options = [
            f"--{name.replace('_', '-')}={getattr(self, name)}"
            for name in ("tools", "pages", "limit", "rate", "window", "concurrency")
        ]
        return options + (["--rate-limit-headers"] if self.rate_limit_headers else [])

    @property
    def limits(self) -> dict[str, RateLimit]:
        return {OPERATION: RateLimit(self.rate, per_seconds=self.window)}


@attrs.frozen
class Run:
    label: str
    wall: float
    invocations: int
    requests: int
    refused: int  # 429s the server sent
    max_in_window: int
    first_sent: float
    last_sent: float
    throttled: float

    def achieved_rate(self, setup: Setup) -> float:
        """Requests per second beyond the first burst, first to last request."""
        span = self.last_sent - self.first_sent
        return (self.requests - setup.rate) / span if span > 0 else float("inf")


# -- the server process ------------------------------------------------------------
#
# The fake server runs in a child process (this script with --serve), as a real one
# would: its JSON work then neither competes with the client's event loop nor adds to
# the answer times that the client's limiter adds to each window.


async def _serve(setup: Setup, latency: float) -> None:
    async with FakeAmigoServer(
        rate_limits=setup.limits, rate_limit_headers=setup.rate_limit_headers, chunk_size=1 << 24
    ) as fake:
        data = fake.state.tools
        tool_ids = data.add_tools_with_invocations(
            setup.tools, invocations_per_tool=setup.pages * setup.limit
        )
        _ = data.invocations  # generate before the client starts
        if latency > 0:
            fake.inject(OPERATION, Fault.slow(latency), times=setup.requests + 10)
        hello = {"url": fake.url, "token": fake.token, "tool_ids": tool_ids}
        print(json.dumps(hello), flush=True)
        while await asyncio.to_thread(sys.stdin.readline):  # "report", until EOF
            report = {
                "sent": sorted(r.at for r in fake.requests if r.operation_id == OPERATION),
                "refused": fake.rate_limited[OPERATION],
                "max_in_window": fake.max_in_window(OPERATION),
            }
            print(json.dumps(report), flush=True)


# -- the client ----------------------------------------------------------------------


async def _consume(client: AmigoClient, setup: Setup, tool_ids: list[str], naive: bool) -> int:
    found = 0
    if naive:
        for tool_id in tool_ids:
            async for _ in client.tools.list_invocations(tool_id=[tool_id], limit=setup.limit):
                found += 1
        return found
    scan = client.tools.scan_invocations(tool_ids, concurrency=setup.concurrency, limit=setup.limit)
    async with scan:
        async for _ in scan:
            found += 1
    return found


async def _run(setup: Setup, *, naive: bool, latency: float, label: str) -> Run:
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", f"--latency={latency}", *setup.arguments(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert server.stdin is not None and server.stdout is not None
    try:
        hello = json.loads(await server.stdout.readline())
        async with AmigoClient(
            "acme", base_url=hello["url"], token=hello["token"], rate_limits=setup.limits
        ) as client:
            started = time.monotonic()
            found = await _consume(client, setup, hello["tool_ids"], naive)
            wall = time.monotonic() - started
            throttled = client.stats.throttled_seconds
        server.stdin.write(b"report\n")
        report = json.loads(await server.stdout.readline())
    finally:
        server.stdin.close()
        await asyncio.wait_for(server.wait(), 10)
    expected = setup.tools * setup.pages * setup.limit
    if found != expected:
        raise AssertionError(f"{label}: {found} invocations, expected {expected}")
    sent = report["sent"]
    return Run(
        label=label,
        wall=wall,
        invocations=found,
        requests=len(sent),
        refused=report["refused"],
        max_in_window=report["max_in_window"],
        first_sent=sent[0],
        last_sent=sent[-1],
        throttled=throttled,
    )


def _report(setup: Setup, run: Run) -> None:
    print(run.label)
    print(f"  invocations            {run.invocations:,} in {run.requests} requests")
    print(f"  wall time              {run.wall:7.3f} s   ({run.wall / setup.ideal:.3f} x ideal)")
    rate = run.achieved_rate(setup)
    print(f"  achieved rate          {rate:7.2f} req/s ({rate / setup.per_second:.3f} x limit)")
    print(f"  N / wall               {run.requests / run.wall:7.2f} req/s (burst included)")
    print(f"  429s from the server   {run.refused}")
    print(f"  most in any window     {run.max_in_window} (limit {setup.rate})")
    print(f"  rate-limit waits       {run.throttled:7.2f} s (summed over waiting requests)")


def _misses(setup: Setup, run: Run) -> list[str]:
    misses = []
    if run.achieved_rate(setup) < RATE_GOAL * setup.per_second:
        misses.append(f"achieved rate below {RATE_GOAL} x {setup.per_second:g}/s")
    if run.refused:
        misses.append(f"{run.refused} x 429")
    if abs(run.wall - setup.ideal) > WALL_TOLERANCE * setup.ideal:
        misses.append(f"wall time not within {WALL_TOLERANCE:.0%} of {setup.ideal:.3f} s")
    return misses


async def _main(setup: Setup, latency: float) -> int:
    print(
        f"{setup.tools} tools x {setup.pages} pages of {setup.limit} = {setup.requests} requests; "
        f"limit {setup.rate} per {setup.window:g} s (strict sliding window, both sides); "
        f"concurrency {setup.concurrency}; X-RateLimit headers "
        f"{'on' if setup.rate_limit_headers else 'off'}"
    )
    print(
        f"ideal wall time (N - burst) / rate = ({setup.requests} - {setup.rate}) / "
        f"{setup.per_second:g} = {setup.ideal:.3f} s;  N / rate = "
        f"{setup.requests / setup.per_second:.3f} s (ignores the burst)"
    )
    print()
    scan = await _run(setup, naive=False, latency=0.0, label="concurrent scan (loopback)")
    _report(setup, scan)
    naive = await _run(setup, naive=True, latency=0.0, label="naive, one tool after another")
    _report(setup, naive)
    if latency > 0:
        ms = f"{latency * 1000:.0f} ms per answer"
        for is_naive, label in ((False, "concurrent scan"), (True, "naive")):
            _report(
                setup, await _run(setup, naive=is_naive, latency=latency, label=f"{label}, {ms}")
            )
    misses = _misses(setup, scan)
    print()
    print("concurrent scan: goals met" if not misses else "MISSED: " + "; ".join(misses))
    return 1 if misses else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tools", type=int, default=20)
    parser.add_argument("--pages", type=int, default=10, help="pages per tool")
    parser.add_argument("--limit", type=int, default=20, help="invocations per page (max 100)")
    parser.add_argument("--rate", type=int, default=50, help="requests per window")
    parser.add_argument("--window", type=float, default=1.0, help="window in seconds")
    parser.add_argument("--concurrency", type=int, default=20, help="scan queries at once")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="also run with answers delayed (s); 0: skip"
    )
    parser.add_argument("--rate-limit-headers", action="store_true", help="send X-RateLimit-*")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup = Setup(
        args.tools, args.pages, args.limit, args.rate, args.window, args.concurrency,
        args.rate_limit_headers,
    )  # fmt: skip
    if args.serve:
        asyncio.run(_serve(setup, args.latency))
        return
    sys.exit(asyncio.run(_main(setup, args.latency)))


if __name__ == "__main__":
    main()
