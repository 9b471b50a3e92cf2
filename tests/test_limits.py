"""The token bucket: sliding-window safe, paced not failed, fair, cancellation-safe."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from amigo_async import InProcessBackend, RateLimit, TokenBucket


def _max_in_any_window(times: list[float], seconds: float) -> int:
    """The most sends found in any closed interval of `seconds`."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while times[start] < t - seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


async def _send_through(bucket: TokenBucket, sends: list[float], latency: float = 0.0) -> None:
    permit = await bucket.acquire()
    sends.append(time.monotonic())
    if latency:
        await asyncio.sleep(latency)
    permit.sent()


@pytest.mark.parametrize("requests", [1, 3, 10])
def test_rate_limit_rejects_non_positive_values(requests: int) -> None:
    assert RateLimit(requests).requests == requests
    for bad in (0, -1):
        with pytest.raises(ValueError, match="requests"):
            RateLimit(bad)
    with pytest.raises(ValueError, match="per_seconds"):
        RateLimit(requests, per_seconds=0)
    with pytest.raises(ValueError, match="per_seconds"):
        RateLimit(requests, per_seconds=float("inf"))


def test_rate_limit_rejects_wrong_types() -> None:
    with pytest.raises(TypeError):
        RateLimit("20")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RateLimit(True)
    with pytest.raises(TypeError):
        RateLimit(2.5)  # type: ignore[arg-type]


async def test_first_burst_then_one_window_later() -> None:
    bucket = TokenBucket(RateLimit(5, per_seconds=0.3))
    sends: list[float] = []
    start = time.monotonic()
    await asyncio.gather(*(_send_through(bucket, sends) for _ in range(10)))
    offsets = sorted(t - start for t in sends)
    assert max(offsets[:5]) < 0.05  # the burst goes at once
    assert min(offsets[5:]) >= 0.3  # the rest wait one full window
    assert _max_in_any_window(sends, 0.3) == 5


async def test_no_window_ever_holds_more_than_the_limit_under_random_load() -> None:
    rng = random.Random(7)
    limit = RateLimit(4, per_seconds=0.2)
    bucket = TokenBucket(limit)
    sends: list[float] = []

    async def caller() -> None:
        for _ in range(5):
            await asyncio.sleep(rng.uniform(0, 0.05))
            await _send_through(bucket, sends, latency=rng.uniform(0, 0.02))

    await asyncio.gather(*(caller() for _ in range(8)))
    assert len(sends) == 40
    assert _max_in_any_window(sends, limit.per_seconds) <= limit.requests


async def test_paced_callers_run_at_the_full_rate() -> None:
    limit = RateLimit(10, per_seconds=0.2)
    bucket = TokenBucket(limit)
    sends: list[float] = []
    start = time.monotonic()
    await asyncio.gather(*(_send_through(bucket, sends) for _ in range(50)))
    elapsed = time.monotonic() - start
    ideal = (50 - limit.requests) / limit.requests * limit.per_seconds  # 0.8 s
    assert ideal <= elapsed < ideal + 0.25


async def test_waiters_are_served_first_come_first_served() -> None:
    bucket = TokenBucket(RateLimit(1, per_seconds=0.05))
    order: list[int] = []

    async def caller(n: int) -> None:
        permit = await bucket.acquire()
        order.append(n)
        permit.sent()

    tasks = []
    for n in range(6):
        tasks.append(asyncio.create_task(caller(n)))
        await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)
    assert order == list(range(6))


async def test_cancelled_waiter_gives_its_place_back() -> None:
    bucket = TokenBucket(RateLimit(1, per_seconds=0.2))
    (await bucket.acquire()).sent()
    waiting = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    started = time.monotonic()
    permit = await bucket.acquire()  # the next caller gets the token at the window's end
    assert time.monotonic() - started < 0.2
    permit.sent()


async def test_unused_permit_returns_the_token_at_once() -> None:
    bucket = TokenBucket(RateLimit(1, per_seconds=10))
    permit = await bucket.acquire()
    permit.unused()
    started = time.monotonic()
    (await bucket.acquire()).sent()
    assert time.monotonic() - started < 0.05


async def test_a_permit_counts_once() -> None:
    bucket = TokenBucket(RateLimit(2, per_seconds=10))
    permit = await bucket.acquire()
    permit.sent()
    permit.sent()
    permit.unused()
    assert bucket.available == 1


async def test_token_returns_a_window_after_the_answer_not_the_send() -> None:
    """A slow request holds its token; a sliding window on the server sees it late."""
    limit = RateLimit(1, per_seconds=0.1)
    bucket = TokenBucket(limit)
    permit = await bucket.acquire()
    await asyncio.sleep(0.15)  # the answer takes longer than a window
    answered = time.monotonic()
    permit.sent()
    (await bucket.acquire()).sent()
    assert time.monotonic() - answered >= limit.per_seconds


async def test_pause_holds_every_token() -> None:
    bucket = TokenBucket(RateLimit(5, per_seconds=0.1))
    bucket.pause_until(time.monotonic() + 0.2)
    started = time.monotonic()
    (await bucket.acquire()).sent()
    assert time.monotonic() - started >= 0.19


async def test_shrink_lowers_the_number_of_tokens() -> None:
    bucket = TokenBucket(RateLimit(5, per_seconds=10))
    held = await bucket.acquire()
    bucket.shrink_to(2)
    assert bucket.limit.requests == 2
    held.unused()
    assert bucket.available == 2


async def test_backend_without_a_limit_only_waits_out_a_pause() -> None:
    backend = InProcessBackend()
    started = time.monotonic()
    for _ in range(100):
        (await backend.acquire("k:get-organization", None)).sent()
    assert time.monotonic() - started < 0.1
    await backend.pause("k:get-organization", None, 0.15)
    started = time.monotonic()
    await backend.acquire("k:get-organization", None)
    assert time.monotonic() - started >= 0.14


async def test_backend_keys_are_separate_buckets() -> None:
    backend = InProcessBackend()
    limit = RateLimit(1, per_seconds=10)
    (await backend.acquire("alice:get-models", limit)).sent()
    started = time.monotonic()
    (await backend.acquire("bob:get-models", limit)).sent()
    (await backend.acquire("alice:get-tools", limit)).sent()
    assert time.monotonic() - started < 0.05
