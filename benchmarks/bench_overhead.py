"""Client overhead: AmigoClient (limiter off) vs a bare aiohttp.ClientSession, same run.

Both do the same GET + JSON parse of get-models against the fake server, which
runs in its own process with rate limits off. Target: >= 0.85x bare aiohttp.

    .venv/bin/python benchmarks/bench_overhead.py [--requests 4000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
from _common import fake_server_process

from amigo_async import AmigoClient

Call = Callable[[], Awaitable[object]]


async def _rate(call: Call, requests: int, concurrency: int) -> tuple[float, float]:
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


async def run(url: str, token: str, requests: int, concurrency: int, rounds: int) -> None:
    endpoint = f"{url}/v1/acme/admin/get_models/"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        AmigoClient("acme", token=token, base_url=url, rate_limiting=False) as client,
    ):

        async def bare() -> object:
            async with session.get(endpoint, headers=headers) as response:
                response.raise_for_status()
                return await response.json()

        async def ours() -> object:
            return await client._request_json("get-models")

        async def ours_typed() -> object:
            return await client.admin.get_models()

        await _rate(bare, 200, concurrency)  # warm both connection pools
        await _rate(ours, 200, concurrency)
        results: dict[str, list[tuple[float, float]]] = {"bare": [], "ours": [], "typed": []}
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            results["bare"].append(await _rate(bare, requests, concurrency))
            results["ours"].append(await _rate(ours, requests, concurrency))
            results["typed"].append(await _rate(ours_typed, requests, concurrency))
    rate = {name: max(r for r, _ in values) for name, values in results.items()}
    cpu = {name: min(c for _, c in values) for name, values in results.items()}
    print(f"{requests} GET get-models per round, {concurrency} concurrent, best of {rounds}")
    print("                                        req/s   client CPU us/request")
    for name, label in (
        ("bare", "bare aiohttp"),
        ("ours", "AmigoClient request path (JSON)"),
        ("typed", "AmigoClient admin.get_models (typed)"),
    ):
        print(f"{label:38s} {rate[name]:8.0f}   {cpu[name]:8.1f}")
    print(
        f"ratio request path / bare (req/s):     {rate['ours'] / rate['bare']:.3f}  (target >= 0.85)"
    )
    print(f"ratio typed / bare (req/s):            {rate['typed'] / rate['bare']:.3f}")
    print(f"ratio bare / request path (client CPU): {cpu['bare'] / cpu['ours']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with fake_server_process("--no-rate-limits") as (url, token):
        asyncio.run(run(url, token, args.requests, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
