"""Typed calls vs bare aiohttp: `client.organization.get()` against `resp.json()`, one run.

A plain aiohttp server in its OWN process answers get-organization with a fixed,
nested ~2 KB body (with Content-Length, and on a second path with chunked
transfer encoding). Both clients send the same GETs at the same concurrency:

- bare: ``session.get(url, headers=...)`` then ``await resp.json()`` (a dict);
- ours: ``await client.organization.get()``, the path a user takes: permit,
  credentials, send, classify, bounded read, JSON, strict structuring into
  `Organization`. The limit is lifted with ``rate_limits={op: RateLimit(10**9)}``,
  so the bucket is on the path but never waits.

Targets (issue 12): >= 0.90x bare req/s and <= 1.15x bare client CPU per request.

    python benchmarks/bench_typed_calls.py [--requests 2000] [--concurrency 20] [--rounds 9]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp

Call = Callable[[], Awaitable[object]]
TOKEN = "bench-token"
_ORGANIZATION = {
    "org_id": "acme",
    "org_name": "Acme Health",
    "title": "Coaching that fits your day",
    "main_description": "Personal coaching for sleep, food and movement, " * 6,
    "sub_description": "Backed by clinicians and a team that answers within the hour. " * 4,
    "onboarding_instructions": [f"# Step {n}: tell us about goal number {n}" for n in range(24)],
    "default_user_preferences": {
        "enable_response_recommendation": True,
        "preferred_language": "eng",
        "conversations_visible_to_admins": True,
        "user_model_visible_to_admins": False,
        "timezone": "Europe/Berlin",
        "audio_keyterms": [f"keyterm-{n}" for n in range(12)],
    },
    "tenant_id": "tenant-0001",
}
BODY = json.dumps(_ORGANIZATION).encode()


def serve(port: int) -> None:
    """The server process: fixed answers, no checks, so it costs as little as possible."""
    from aiohttp import web

    async def whole(_: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/json")

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(BODY)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/v1/acme/organization/", whole)
    app.router.add_get("/v1/chunked/organization/", chunked)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def bare_call(session: aiohttp.ClientSession, url: str) -> Call:
    """The peer: a plain aiohttp GET of the organization, read with ``resp.json()``."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}

    async def bare() -> object:
        async with session.get(f"{url}/v1/acme/organization/", headers=headers) as response:
            response.raise_for_status()
            return await response.json()

    return bare


def lifted_limits() -> dict[str, Any]:
    """The limit a user lifts: the bucket stays on the path but never waits."""
    from amigo_async import RateLimit

    return {"get-organization": RateLimit(10**9, per_seconds=60)}


async def rate(call: Call, requests: int, concurrency: int) -> tuple[float, float]:
    """(requests per second, client CPU microseconds per request)."""
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return requests / wall, cpu / requests * 1e6


async def run(url: str, requests: int, concurrency: int, rounds: int) -> None:
    from amigo_async import AmigoClient

    lifted = lifted_limits()
    async with (
        aiohttp.ClientSession() as session,
        AmigoClient("acme", token=TOKEN, base_url=url, rate_limits=lifted) as whole,
        AmigoClient("chunked", token=TOKEN, base_url=url, rate_limits=lifted) as chunked,
    ):
        calls: dict[str, Call] = {
            "bare": bare_call(session, url),
            "typed": whole.organization.get,
            "typed, chunked": chunked.organization.get,
        }
        for call in calls.values():
            await rate(call, 200, concurrency)  # warm the pools and the code
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
        order = list(calls.items())
        for round_number in range(rounds):
            # Back to back, each in every position in turn: a slow spell of a shared
            # machine, or whatever the previous run left behind, hits all alike.
            shift = round_number % len(order)
            for name, call in order[shift:] + order[:shift]:
                results[name].append(await rate(call, requests, concurrency))
    print(f"{requests} x get-organization ({len(BODY)} B body), {concurrency} concurrent,")
    print(f"{rounds} rounds; server in its own process; ratios are medians of each round's")
    print(f"{'':20s} best req/s  best CPU us/req  req/s ratio  CPU ratio")
    bare = results["bare"]
    for name, values in results.items():
        rate_ratio = statistics.median(v[0] / b[0] for v, b in zip(values, bare, strict=True))
        cpu_ratio = statistics.median(v[1] / b[1] for v, b in zip(values, bare, strict=True))
        print(
            f"{name:20s} {max(r for r, _ in values):10.0f}  {min(c for _, c in values):15.1f}"
            f"  {rate_ratio:11.3f}  {cpu_ratio:9.3f}"
        )
    print("targets: req/s ratio >= 0.90, CPU ratio <= 1.15")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process() -> Iterator[str]:
    """The fixed-answer server in its own process, until it accepts; yield its base URL."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    with server_process() as url:
        asyncio.run(run(url, args.requests, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
