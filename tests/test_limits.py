"""The token bucket: sliding-window safe, paced not failed, fair, cancellation-safe."""

from __future__ import annotations

import asyncio
import math
import random
import time
import tracemalloc

import pytest

from amigo_async import InProcessBackend, RateLimit, TokenBucket
from amigo_async._limits import (
    MAX_PAUSE_FACTOR,
    UNLIMITED_WINDOW_SECONDS,
    clamp_pause,
    pause_ceiling,
)

HUGE = RateLimit(10**9, per_seconds=60)  # a user lifting a limit


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


@pytest.mark.parametrize("cancelled", [None, 2])
async def test_waiters_are_served_first_come_first_served(cancelled: int | None) -> None:
    bucket = TokenBucket(RateLimit(1, per_seconds=0.03))
    order: list[int] = []

    async def caller(n: int) -> None:
        permit = await bucket.acquire()
        order.append(n)
        permit.sent()

    tasks = []
    for n in range(6):
        tasks.append(asyncio.create_task(caller(n)))
        await asyncio.sleep(0.001)
    if cancelled is not None:
        tasks[cancelled].cancel()  # its place goes to the next in line
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [n for n in range(6) if n != cancelled]


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


@pytest.mark.parametrize("steps", range(6))
async def test_a_waiter_cancelled_as_a_token_comes_back_never_gets_it(steps: int) -> None:
    """Whatever loop step the cancel lands on, a waiter that accepted it never sends.

    (3.11's `wait_for` loses a cancel that lands once the awaited event is set.)
    """
    bucket = TokenBucket(RateLimit(2, per_seconds=10))
    (await bucket.acquire()).sent()  # back in 10 s: the waiter waits with a timeout
    held = await bucket.acquire()
    waiting = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0.01)
    held.unused()
    for _ in range(steps):
        await asyncio.sleep(0)
    if waiting.cancel():
        with pytest.raises(asyncio.CancelledError):
            await waiting
    else:
        (await waiting).unused()


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


# -- cost: memory and time follow what is spent, never the limit ---------------


async def test_a_huge_limit_costs_what_is_spent_not_the_limit() -> None:
    tracemalloc.start()
    try:
        bucket = TokenBucket(HUGE)
        permits = [await bucket.acquire() for _ in range(500)]
        for permit in permits:
            permit.sent()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 512 * 1024  # one float per allowed request would be 8 GB
    assert bucket.available == HUGE.requests - 500


async def test_sends_of_one_millisecond_share_their_memory() -> None:
    """A high rate costs per millisecond, not per send: 20,000 answers within a few ms."""
    clock = ManualClock()
    bucket = TokenBucket(HUGE, clock=clock)
    permits = [await bucket.acquire() for _ in range(20_000)]
    tracemalloc.start()
    try:
        for index, permit in enumerate(permits):
            clock.now = 1000.0 + index / 10_000_000  # all within 2 ms
            permit.sent()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024  # one entry per send would be ~1 MB
    clock.now += HUGE.per_seconds + 0.004
    assert bucket.available == HUGE.requests  # each back a window (and <= 1 ms) later


async def test_a_huge_limit_learns_from_the_server_cheaply() -> None:
    clock = ManualClock()
    backend = InProcessBackend(clock=clock)
    tracemalloc.start()
    try:
        (await backend.acquire("k:get-models", HUGE)).sent()
        await backend.learn_limit("k:get-models", HUGE, 20)  # the client's order
        await backend.learn_remaining("k:get-models", HUGE, 3, as_of=clock.now)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024
    bucket = backend.bucket("k:get-models", HUGE)
    assert bucket.limit.requests == 20
    assert bucket.available == 3
    tracemalloc.start()
    try:  # a server that announces no limit, only what remains
        await backend.learn_remaining("k:get-tools", HUGE, 3, as_of=clock.now)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024
    assert backend.bucket("k:get-tools", HUGE).available == 3


def test_a_spent_token_returns_one_window_after_the_answer_plus_the_margin() -> None:
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(2, per_seconds=10), clock=clock)
    first, second = bucket.try_acquire(), bucket.try_acquire()
    assert first is not None and second is not None
    assert bucket.try_acquire() is None
    clock.now += 3  # the answer arrives 3 s after the send
    answered = clock.now
    first.sent()
    clock.now = answered + 10 + 0.0019
    assert bucket.try_acquire() is None
    clock.now = answered + 10 + 0.002
    assert bucket.try_acquire() is not None
    assert bucket.try_acquire() is None  # the other one is still in flight
    second.unused()
    assert bucket.try_acquire() is not None


def test_tokens_idle_for_long_stay_usable_and_unused_ones_keep_their_place() -> None:
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(3, per_seconds=10), clock=clock)
    for _ in range(3):
        permit = bucket.try_acquire()
        assert permit is not None
        permit.sent()  # all three back at 1010.002
    clock.now += 100  # long idle: the returns are folded into a count
    assert bucket.available == 3
    taken = [bucket.try_acquire() for _ in range(3)]
    assert bucket.try_acquire() is None
    for permit in taken:
        assert permit is not None
        permit.unused()
    assert bucket.available == 3


def test_only_tokens_usable_when_the_request_left_are_compared_with_remaining() -> None:
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(3, per_seconds=10), clock=clock)
    permits = [bucket.try_acquire() for _ in range(3)]
    for permit in permits:
        assert permit is not None
        permit.sent()  # back at 1010.002
    clock.now = 1015.0
    bucket.hold_beyond(0, as_of=1010.001)  # the server's figure predates their return
    assert bucket.available == 3
    bucket.hold_beyond(1, as_of=1010.5)  # now two of them were spent by someone else
    assert bucket.available == 1
    clock.now = 1025.001
    assert bucket.available == 1
    clock.now = 1025.002  # held for a full window from when we learnt it
    assert bucket.available == 3


# -- pauses: bounded, whatever a server says ----------------------------------


def test_the_pause_ceiling_is_a_number_of_windows() -> None:
    limit = RateLimit(5, per_seconds=2)
    assert pause_ceiling(limit) == MAX_PAUSE_FACTOR * 2
    assert pause_ceiling(limit, 20) == 40
    assert pause_ceiling(None) == MAX_PAUSE_FACTOR * UNLIMITED_WINDOW_SECONDS  # no bucket
    with pytest.raises(ValueError, match="max_pause_factor"):
        pause_ceiling(limit, 0.5)
    with pytest.raises(ValueError, match="max_pause_factor"):
        InProcessBackend(max_pause_factor=math.inf)


def test_clamp_pause_refuses_non_finite_and_cuts_the_absurd() -> None:
    limit = RateLimit(5, per_seconds=2)
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="finite"):
            clamp_pause(limit, bad)
    with pytest.raises(TypeError):
        clamp_pause(limit, "5")  # type: ignore[arg-type]
    assert clamp_pause(limit, 1e308) == pause_ceiling(limit)
    assert clamp_pause(limit, 999999999, factor=2) == 4
    assert clamp_pause(limit, -1) == 0.0


@pytest.mark.parametrize("absurd", [999999999, 1e308])
async def test_backend_cuts_an_absurd_pause_to_a_few_windows(absurd: float) -> None:
    clock = ManualClock()
    backend = InProcessBackend(clock=clock)
    limit = RateLimit(5, per_seconds=2)
    await backend.pause("k:get-models", limit, absurd)
    bucket = backend.bucket("k:get-models", limit)
    paused_at = clock.now
    clock.now = paused_at + pause_ceiling(limit) - 0.001
    assert bucket.available == 0
    clock.now = paused_at + pause_ceiling(limit)
    assert bucket.available == 5
    await backend.pause("k:get-tools", None, absurd)  # no bucket: a minute's window
    clock.now += pause_ceiling(None)
    await asyncio.wait_for(backend.acquire("k:get-tools", None), timeout=1)


async def test_backend_refuses_a_non_finite_pause_and_writes_nothing() -> None:
    backend = InProcessBackend()
    limit = RateLimit(5, per_seconds=2)
    for bad in (math.inf, math.nan):
        with pytest.raises(ValueError, match="finite"):
            await backend.pause("k:get-models", limit, bad)
        with pytest.raises(ValueError, match="finite"):
            await backend.pause("k:get-tools", None, bad)
    assert backend.bucket("k:get-models", limit).available == 5
    await asyncio.wait_for(backend.acquire("k:get-tools", None), timeout=1)
