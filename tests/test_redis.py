"""Rate limits shared through a real redis-server: one guarantee for all workers together.

Every test here talks to a redis-server started on 127.0.0.1 in a temporary
directory; they skip (with the reason) only when redis-server cannot be started.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from multiprocessing.connection import Connection

import pytest
from _redis_server import RedisServer, RedisServerUnavailable
from redis import asyncio as aioredis

from amigo_async import AmigoClient, RateLimit, errors
from amigo_async._limits import pause_ceiling
from amigo_async._redis import LocalFallback, RedisBackend
from amigo_async.testing import FakeAmigoServer, Fault
from amigo_async.testing._window import SlidingWindow

OP = "get-models"


def _started(server: RedisServer) -> RedisServer:
    try:
        server.start()
    except RedisServerUnavailable as exc:
        pytest.skip(f"Redis tests need a redis-server on 127.0.0.1: {exc}")
    return server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One server for the tests that leave it running; each test uses its own keys."""
    server = _started(RedisServer())
    yield server
    server.close()


@pytest.fixture
def lone_redis_server() -> Iterator[RedisServer]:
    """A server of its own, for tests that stop or freeze it."""
    server = _started(RedisServer())
    yield server
    server.close()


@pytest.fixture
def key() -> str:
    """A fresh bucket key shaped like the client's: '<credential hash>:<operation id>'."""
    return f"{secrets.token_hex(10)}:{OP}"


@pytest.fixture
def prefix() -> str:
    """Keys of their own for tests that go through clients (whose credential may repeat)."""
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture
async def backends(redis_server: RedisServer) -> AsyncIterator[list[RedisBackend]]:
    """Three backends with their own connections: three workers, as far as Redis can tell."""
    made = [RedisBackend(redis_server.url, poll_interval=0.05) for _ in range(3)]
    yield made
    for backend in made:
        await backend.aclose()


def _within_limit(times: list[float], limit: RateLimit) -> bool:
    """Judge send times with the fake server's own strict sliding window."""
    window = SlidingWindow(limit.requests, limit.per_seconds)
    return all(window.arrive(t).allowed for t in sorted(times))


async def _use(backend: RedisBackend, key: str, limit: RateLimit, sends: list[float]) -> None:
    permit = await backend.acquire(key, limit)
    sends.append(time.monotonic())
    await asyncio.sleep(0.005)  # the request is in flight
    permit.sent()


# -- the guarantee, across workers --------------------------------------------


async def test_no_window_holds_more_than_the_limit_across_workers(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(4, per_seconds=0.25)
    sends: list[float] = []

    async def caller(backend: RedisBackend) -> None:
        for _ in range(4):
            await _use(backend, key, limit, sends)

    started = time.monotonic()
    await asyncio.gather(*(caller(b) for b in backends for _ in range(2)))
    elapsed = time.monotonic() - started
    assert len(sends) == 24
    assert _within_limit(sends, limit)
    assert elapsed < (24 / 4) * 0.25 + 0.5  # paced at the full rate, not slower


async def test_first_burst_then_one_window_after_the_answers(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(3, per_seconds=0.3)
    sends: list[float] = []
    started = time.monotonic()
    await asyncio.gather(*(_use(b, key, limit, sends) for b in backends for _ in range(2)))
    offsets = sorted(t - started for t in sends)
    assert max(offsets[:3]) < 0.1
    assert min(offsets[3:]) >= 0.3


async def test_a_slot_is_held_until_its_request_is_answered(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(1, per_seconds=0.1)
    first, second = backends[:2]
    permit = await first.acquire(key, limit)
    waiting = asyncio.create_task(second.acquire(key, limit))
    await asyncio.sleep(0.4)  # far longer than a window: the request is still in flight
    assert not waiting.done()
    permit.sent()
    started = time.monotonic()
    (await waiting).unused()
    assert time.monotonic() - started >= 0.1


async def test_unused_gives_the_slot_back_at_once(backends: list[RedisBackend], key: str) -> None:
    limit = RateLimit(1, per_seconds=30)
    first, second = backends[:2]
    (await first.acquire(key, limit)).unused()
    started = time.monotonic()
    permit = await asyncio.wait_for(second.acquire(key, limit), timeout=2)
    assert time.monotonic() - started < 0.5
    permit.unused()


async def test_cancelled_waiter_gives_its_place_back(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(1, per_seconds=30)
    holder, cancelled, patient = backends
    permit = await holder.acquire(key, limit)
    first_in_line = asyncio.create_task(cancelled.acquire(key, limit))
    await asyncio.sleep(0.1)
    second_in_line = asyncio.create_task(patient.acquire(key, limit))
    await asyncio.sleep(0.1)
    first_in_line.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first_in_line
    permit.unused()
    started = time.monotonic()
    (await asyncio.wait_for(second_in_line, timeout=3)).unused()
    # Had the cancelled ticket stayed in the queue, it would block for its grace period.
    assert time.monotonic() - started < 0.5


class _CancelLosingRedis(aioredis.Redis):
    """A client that loses a cancel arriving mid-command, as 3.11's `wait_for` in redis-py can.

    The command's answer is still returned, exactly as `wait_for` returns a result
    that completed at the instant of the cancel.
    """

    in_command = asyncio.Event()

    async def execute_command(self, *args: object, **options: object) -> object:
        answer = asyncio.ensure_future(super().execute_command(*args, **options))
        self.in_command.set()
        try:
            return await asyncio.shield(answer)
        except asyncio.CancelledError:
            return await answer  # the cancel is gone; the task still counts it


async def test_a_waiter_cancelled_while_redis_answers_still_stops(
    redis_server: RedisServer, key: str
) -> None:
    """Found in CI: such a waiter polled forever, and `wait_for` around it never returned."""
    limit = RateLimit(1, per_seconds=30)
    losing = _CancelLosingRedis.from_url(redis_server.url)
    _CancelLosingRedis.in_command = asyncio.Event()
    async with (
        RedisBackend(redis_server.url) as holder,
        RedisBackend(losing, poll_interval=0.05) as waiter,
    ):
        permit = await holder.acquire(key, limit)
        waiting = asyncio.create_task(waiter.acquire(key, limit))
        await asyncio.wait_for(_CancelLosingRedis.in_command.wait(), timeout=5)
        waiting.cancel()
        done, _ = await asyncio.wait({waiting}, timeout=3)
        assert done and waiting.cancelled()
        permit.unused()
    await losing.aclose()


async def test_waiters_are_served_in_arrival_order(backends: list[RedisBackend], key: str) -> None:
    """No worker starves: a lone caller is served with the batch of slots it queued for.

    Slots that come back together go to the first waiters in line, whichever of
    them asks first, so at most `requests - 1` later arrivals can share its batch.
    """
    limit = RateLimit(2, per_seconds=0.15)
    busy, lone, _ = backends
    order: list[str] = []

    async def call(backend: RedisBackend, name: str) -> None:
        permit = await backend.acquire(key, limit)
        order.append(name)
        permit.sent()

    early = [asyncio.create_task(call(busy, "early")) for _ in range(6)]
    await asyncio.sleep(0.05)
    lone_call = asyncio.create_task(call(lone, "lone"))
    await asyncio.sleep(0.05)
    late = [asyncio.create_task(call(busy, "late")) for _ in range(8)]
    await asyncio.gather(*early, lone_call, *late)
    assert order[: order.index("lone")].count("late") < limit.requests


async def test_live_holder_keeps_its_slot_past_the_lease(
    redis_server: RedisServer, key: str
) -> None:
    limit = RateLimit(1, per_seconds=0.1)
    async with (
        RedisBackend(redis_server.url, lease=0.3) as holder,
        RedisBackend(redis_server.url, poll_interval=0.05) as other,
    ):
        permit = await holder.acquire(key, limit)
        with pytest.raises(TimeoutError):  # 0.8 s: well past the lease, apart from Redis timeouts
            await asyncio.wait_for(other.acquire(key, limit), timeout=0.8)
        permit.unused()


def _acquire_and_die(url: str, key: str, limit: RateLimit, report: Connection) -> None:
    async def hold() -> None:
        backend = RedisBackend(url, lease=1.0)
        await backend.acquire(key, limit)
        report.send(time.time())
        os._exit(0)  # dies holding the slot: no sent(), no unused(), no renewal

    asyncio.run(hold())


async def test_slot_of_a_dead_worker_comes_back_after_its_lease(
    redis_server: RedisServer, key: str
) -> None:
    limit = RateLimit(1, per_seconds=0.2)
    context = multiprocessing.get_context("spawn")
    reports, report = context.Pipe(duplex=False)
    process = context.Process(
        target=_acquire_and_die, args=(redis_server.url, key, limit, report), daemon=True
    )
    process.start()
    try:
        assert await asyncio.to_thread(reports.poll, 30)
        died_holding_at = reports.recv()
        await asyncio.to_thread(process.join, 30)
    finally:
        process.kill()  # never left behind, whatever happened
    async with RedisBackend(redis_server.url, poll_interval=0.05) as survivor:
        permit = await asyncio.wait_for(survivor.acquire(key, limit), timeout=5)
        permit.unused()
    came_back_after = time.time() - died_holding_at
    assert 1.0 + 0.2 - 0.05 <= came_back_after < 1.0 + 0.2 + 1.0  # lease + window


# -- pauses and learned limits are shared -------------------------------------


async def test_a_pause_from_one_worker_holds_every_worker(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(5, per_seconds=1)
    await backends[0].pause(key, limit, 0.4)
    started = time.monotonic()
    (await backends[1].acquire(key, limit)).unused()
    await backends[2].acquire(key, None)  # an operation with no limit waits too
    assert time.monotonic() - started >= 0.35


async def test_a_learned_lower_limit_applies_to_every_worker(
    backends: list[RedisBackend], key: str
) -> None:
    limit = RateLimit(5, per_seconds=30)
    await backends[0].learn_limit(key, limit, 2)
    permits = [await backends[1].acquire(key, limit) for _ in range(2)]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(backends[2].acquire(key, limit), timeout=0.3)
    for permit in permits:
        permit.unused()


async def _pause_key(redis: aioredis.Redis, prefix: str) -> bytes | None:
    keys = [k async for k in redis.scan_iter(match=f"{prefix}:*:pause")]
    return keys[0] if keys else None


async def test_a_non_finite_pause_is_refused_and_nothing_is_written(
    redis_server: RedisServer, key: str, prefix: str
) -> None:
    redis = aioredis.Redis.from_url(redis_server.url)
    async with RedisBackend(redis, key_prefix=prefix) as backend:
        for bad in (float("inf"), float("nan")):
            with pytest.raises(ValueError, match="finite"):
                await backend.pause(key, RateLimit(5, per_seconds=1), bad)
            with pytest.raises(ValueError, match="finite"):
                await backend.pause(key, None, bad)
        assert await _pause_key(redis, prefix) is None
    await redis.aclose()


@pytest.mark.parametrize("absurd", [999999999, 1e308])
async def test_an_absurd_pause_is_cut_to_a_few_windows(
    redis_server: RedisServer, key: str, prefix: str, absurd: float
) -> None:
    limit = RateLimit(5, per_seconds=2)
    redis = aioredis.Redis.from_url(redis_server.url)
    async with RedisBackend(redis, key_prefix=prefix) as backend:
        await backend.pause(key, limit, absurd)
        pause_key = await _pause_key(redis, prefix)
        assert pause_key is not None
        assert 0 < await redis.pttl(pause_key) <= pause_ceiling(limit) * 1000
    await redis.aclose()


async def test_a_poisoned_pause_in_redis_is_cut_when_read(
    redis_server: RedisServer, key: str, prefix: str
) -> None:
    """A 31-year pause written by an older or misconfigured worker holds no one for long."""
    limit = RateLimit(5, per_seconds=0.1)
    redis = aioredis.Redis.from_url(redis_server.url)
    async with RedisBackend(redis, key_prefix=prefix, max_pause_factor=2) as backend:
        await backend.pause(key, limit, 0.05)  # creates the key where the backend reads it
        pause_key = await _pause_key(redis, prefix)
        assert pause_key is not None
        await redis.set(pause_key, "1", px=999999999 * 1000)
        (await asyncio.wait_for(backend.acquire(key, limit), timeout=30)).unused()
        await redis.set(pause_key, "1", px=999999999 * 1000)
        unlimited = asyncio.create_task(backend.acquire(key, None))  # no bucket: 2 minutes
        for _ in range(100):
            if 0 < await redis.pttl(pause_key) <= 2 * 60 * 1000:
                break
            await asyncio.sleep(0.01)
        assert 0 < await redis.pttl(pause_key) <= 2 * 60 * 1000
        unlimited.cancel()
        with pytest.raises(asyncio.CancelledError):
            await unlimited
    await redis.aclose()


async def test_a_huge_limit_keeps_only_the_slots_in_use(
    redis_server: RedisServer, key: str, prefix: str
) -> None:
    limit = RateLimit(10**9, per_seconds=60)
    redis = aioredis.Redis.from_url(redis_server.url)
    async with RedisBackend(redis, key_prefix=prefix) as backend:
        permits = await asyncio.wait_for(
            asyncio.gather(*(backend.acquire(key, limit) for _ in range(30))), timeout=10
        )
        for permit in permits:
            permit.sent()
    (slots,) = [k async for k in redis.scan_iter(match=f"{prefix}:*:slots")]
    assert await redis.zcard(slots) == 30
    assert await redis.memory_usage(slots) < 16 * 1024
    await redis.aclose()


# -- through AmigoClient and the strict fake server ----------------------------


async def test_several_clients_share_one_limit_without_a_429(
    redis_server: RedisServer, prefix: str
) -> None:
    limit = RateLimit(5, per_seconds=0.5)
    async with FakeAmigoServer(rate_limits={OP: limit}) as fake:
        backends = [
            RedisBackend(redis_server.url, key_prefix=prefix, poll_interval=0.1) for _ in range(3)
        ]
        clients = [fake.client(rate_limits={OP: limit}, rate_limit_backend=b) for b in backends]
        started = time.monotonic()
        await asyncio.gather(*(c.admin.get_models() for c in clients for _ in range(7)))
        elapsed = time.monotonic() - started
        for client, backend in zip(clients, backends, strict=True):
            await client.aclose()
            await backend.aclose()
        assert fake.count(OP) == 21
        assert fake.rate_limited[OP] == 0
        assert fake.max_in_window(OP) <= 5
        assert elapsed < (21 // 5) * 0.5 + 0.6


async def test_a_429_seen_by_one_worker_pauses_the_others(
    redis_server: RedisServer, prefix: str
) -> None:
    async with (
        FakeAmigoServer() as fake,
        RedisBackend(redis_server.url, key_prefix=prefix) as first_backend,
        RedisBackend(redis_server.url, key_prefix=prefix) as second_backend,
        fake.client(rate_limit_backend=first_backend) as first,
        fake.client(rate_limit_backend=second_backend) as second,
    ):
        fake.inject(OP, Fault.status_code(429, retry_after=1))
        throttled = asyncio.create_task(first.admin.get_models())
        for _ in range(500):  # until the 429 arrived and the pause is in Redis
            if first.stats.retries:
                break
            await asyncio.sleep(0.01)
        await second.admin.get_models()
        await throttled
    refused = next(r.at for r in fake.requests if r.status == 429)
    answered = [r.at for r in fake.requests if r.status == 200]
    assert len(answered) == 2
    assert all(at >= refused + 0.95 for at in answered)


async def test_redis_keys_hold_no_secret(redis_server: RedisServer, prefix: str) -> None:
    async with FakeAmigoServer() as fake:
        redis = aioredis.Redis.from_url(redis_server.url)
        async with (
            RedisBackend(redis, key_prefix=prefix) as backend,
            fake.client(
                api_key=fake.api_key,
                api_key_id=fake.api_key_id,
                user_id=fake.user_id,
                rate_limit_backend=backend,
            ) as client,
        ):
            await client.admin.get_models()
            await backend.pause(f"{client.credential_identity}:{OP}", None, 5)
            identity = client.credential_identity
            keys = [k async for k in redis.scan_iter(match=f"{prefix}:*")]
            stored = b" ".join(keys)
            for name in keys:
                kind = await redis.type(name)
                if kind == b"zset":
                    stored += b" ".join(await redis.zrange(name, 0, -1))
                elif kind == b"string":
                    stored += await redis.get(name) or b""
        await redis.aclose()
    assert keys
    forbidden = [fake.api_key, fake.api_key_id, fake.user_id, fake.token, identity]
    assert not [secret for secret in forbidden if secret.encode() in stored]
    assert b"eyJ" not in stored  # no JWT either (the one sign-in issued)


# -- Redis outages --------------------------------------------------------------


async def test_unreachable_redis_is_a_clear_error_and_nothing_is_sent(
    lone_redis_server: RedisServer,
) -> None:
    async with (
        FakeAmigoServer() as fake,
        RedisBackend(lone_redis_server.url, timeout=0.5) as backend,
        fake.client(rate_limit_backend=backend) as client,
    ):
        await client.admin.get_models()
        lone_redis_server.stop()
        with pytest.raises(errors.RateLimitBackendError) as raised:
            await client.admin.get_models()
    assert isinstance(raised.value, errors.AmigoError)
    assert raised.value.operation_id == OP
    assert "Redis" in str(raised.value)
    assert fake.count(OP) == 1


async def test_redis_that_stops_answering_times_out(
    lone_redis_server: RedisServer, key: str
) -> None:
    limit = RateLimit(5, per_seconds=1)
    async with RedisBackend(lone_redis_server.url, timeout=0.3) as backend:
        (await backend.acquire(key, limit)).unused()
        lone_redis_server.freeze()
        started = time.monotonic()
        with pytest.raises(errors.RateLimitBackendError, match=r"within 0\.3s"):
            await backend.acquire(key, limit)
        assert time.monotonic() - started < 1.0
        lone_redis_server.resume()


async def test_outage_falls_back_to_a_share_of_the_limit(
    lone_redis_server: RedisServer, key: str
) -> None:
    limit = RateLimit(4, per_seconds=0.3)
    fallback = LocalFallback(workers=2, probe_interval=60)
    async with RedisBackend(lone_redis_server.url, timeout=0.3, fallback=fallback) as backend:
        (await backend.acquire(key, limit)).sent()
        lone_redis_server.stop()
        switched = time.monotonic()
        sends: list[float] = []
        await asyncio.gather(*(_use(backend, key, limit, sends) for _ in range(6)))
    assert min(sends) >= switched + 0.3  # one quiet window: shared and local never mix
    assert _within_limit(sends, RateLimit(2, per_seconds=0.3))  # this worker's half


async def test_fallback_refuses_a_limit_too_small_to_share(
    lone_redis_server: RedisServer, key: str
) -> None:
    fallback = LocalFallback(workers=3)
    async with RedisBackend(lone_redis_server.url, timeout=0.3, fallback=fallback) as backend:
        lone_redis_server.stop()
        with pytest.raises(errors.RateLimitBackendError, match="cannot be shared by 3 workers"):
            await backend.acquire(key, RateLimit(2, per_seconds=0.3))


async def test_back_from_an_outage_redis_counts_again(
    lone_redis_server: RedisServer, key: str
) -> None:
    limit = RateLimit(2, per_seconds=0.2)
    fallback = LocalFallback(workers=2, probe_interval=0.2)
    async with RedisBackend(lone_redis_server.url, timeout=0.3, fallback=fallback) as backend:
        lone_redis_server.stop()
        (await backend.acquire(key, limit)).sent()  # local, after the quiet window
        lone_redis_server.start()
        await asyncio.sleep(0.25)  # the next acquire probes Redis
        (await backend.acquire(key, limit)).sent()
        await asyncio.sleep(0.05)
        redis = aioredis.Redis.from_url(lone_redis_server.url)
        slots = [k async for k in redis.scan_iter(match="amigo_async:*:slots")]
        await redis.aclose()
    assert len(slots) == 1


# -- several processes ------------------------------------------------------------


def _client_process(
    base_url: str, token: str, redis_url: str, prefix: str, calls: int, limit: RateLimit
) -> None:
    async def work() -> None:
        async with (
            RedisBackend(redis_url, key_prefix=prefix, poll_interval=0.1) as backend,
            AmigoClient(
                "acme",
                token=token,
                base_url=base_url,
                rate_limits={OP: limit},
                rate_limit_backend=backend,
            ) as client,
        ):
            for _ in range(calls):
                await client.admin.get_models()
            if client.stats.rate_limited:
                raise SystemExit(3)

    asyncio.run(work())


async def test_worker_processes_share_one_limit_without_a_429(
    redis_server: RedisServer, prefix: str
) -> None:
    limit = RateLimit(4, per_seconds=0.4)
    async with FakeAmigoServer(rate_limits={OP: limit}) as fake:
        context = multiprocessing.get_context("spawn")
        processes = [
            context.Process(
                target=_client_process,
                args=(fake.url, fake.token, redis_server.url, prefix, 5, limit),
                daemon=True,
            )
            for _ in range(3)
        ]
        for process in processes:
            process.start()
        try:
            for process in processes:
                await asyncio.to_thread(process.join, 60)
        finally:
            for process in processes:
                process.kill()  # never left behind, whatever happened
        assert [p.exitcode for p in processes] == [0, 0, 0]
        assert fake.count(OP) == 15
        assert fake.rate_limited[OP] == 0
        assert fake.max_in_window(OP) <= 4


async def test_a_restarted_redis_holds_every_worker_one_window(
    lone_redis_server: RedisServer, key: str
) -> None:
    """A restart forgets the sends of the last window; the workers wait it out."""
    limit = RateLimit(3, per_seconds=0.5)
    async with RedisBackend(lone_redis_server.url, poll_interval=0.05) as backend:
        sends: list[float] = []
        await asyncio.gather(*(_use(backend, key, limit, sends) for _ in range(3)))
        lone_redis_server.stop()
        lone_redis_server.start()  # empty: no slots, no counter
        await asyncio.gather(*(_use(backend, key, limit, sends) for _ in range(3)))
    assert _within_limit(sends, limit)
