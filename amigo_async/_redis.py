"""Rate limits shared by several processes or machines, kept in Redis.

Each (credential, operation) bucket is a Redis sorted set of slots, at most
`requests` of them. Acquiring adds a slot held "until further notice"; `sent()`
rewrites it to "free one window after now"; `unused()` deletes it. Every time is
Redis server time (`TIME`, read inside the scripts), so the workers' clocks never
matter, and each step is one atomic Lua script. As in the in-process bucket, a
slot comes back only a full window after the answer to the request that used it,
so no window of `per_seconds` holds more than `requests` sends from all workers
together: the send happened before the answer, and the next grant happens after
Redis saw that window pass.

A worker that dies holding a slot cannot say `sent()`: held slots carry a lease
that the living renew, so a dead worker's slot counts as sent at the end of its
lease and comes back a window later. Waiters queue in arrival order (a second
sorted set; slots that come back together go to the first in line) and sleep for
the time the script computes; one that stops asking (dead, or cancelled) drops
out of the queue. A Redis restart forgets the sends of the last window: the first
worker that notices (its ticket numbers went back) pauses everyone for a window.

An unreachable or slow Redis raises `errors.RateLimitBackendError`; nothing is
sent. With `fallback=LocalFallback(workers=N)` the backend instead paces each
bucket locally to `requests // N` (after one empty window, so local and shared
sends never share a window), looks for Redis again every `probe_interval`
seconds, and keeps the local limit for one more window after Redis is back while
the other workers return. That is conservative when every worker loses Redis
together (the server is down or restarting); a worker that still reaches Redis
does not know the others fell back.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Coroutine, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import attrs

try:
    from redis import asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
except ImportError as missing:  # pragma: no cover - depends on the installation
    raise ImportError(
        "RedisBackend needs the redis package: pip install 'amigo_async[redis]'"
    ) from missing

from . import errors
from ._limits import (
    MAX_PAUSE_FACTOR,
    NO_PERMIT,
    SAFETY_MARGIN_SECONDS,
    InProcessBackend,
    Permit,
    RateLimit,
    RateLimitBackend,
    clamp_pause,
    pause_ceiling,
)

__all__ = ["LocalFallback", "RedisBackend"]

logger = logging.getLogger("amigo_async")

T = TypeVar("T")

# A learned (lower) limit is forgotten after a day without a new announcement.
_LEARNED_LIMIT_MS = 24 * 3600 * 1000

_CLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function keep(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.ceil(ms)) end
end
"""

# A pause longer than the caller's ceiling (written by an older or misconfigured
# worker) is cut to it rather than obeyed: one bad hint never stops every worker.
_PAUSED_MS = """
local function paused_ms(key, ceiling)
  local ms = redis.call('PTTL', key)
  if ms > ceiling then
    redis.call('PEXPIRE', key, ceiling)
    ms = ceiling
  end
  return ms
end
"""

# KEYS: slots, queue, beats, seq, pause, learned
# ARGV: ticket, limit, window_ms, lease_ms, seq (0: new), poll_ms, grace_ms, known_seq,
#       pause_ceiling_ms
# -> {1, 0, seq, lost} granted | {0, wait_ms, seq, lost} ask again after wait_ms.
# Ticket numbers only grow while the bucket lives; a new number at or below one the
# caller saw recently means Redis lost the bucket (a restart) while sends it counted
# may still be in their window, so everyone is paused for one window.
_ACQUIRE = (
    _CLOCK
    + _PAUSED_MS
    + """
local slots, queue, beats, seq_key, pause, learned = unpack(KEYS)
local ticket = ARGV[1]
local limit = tonumber(ARGV[2])
local window, lease = tonumber(ARGV[3]), tonumber(ARGV[4])
local seq, poll, grace = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local known = tonumber(ARGV[8])
local ceiling = tonumber(ARGV[9])
local lost = 0
limit = math.min(limit, tonumber(redis.call('GET', learned) or limit))

redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', beats, '-inf', now)) do
  redis.call('ZREM', queue, gone)
end
redis.call('ZREMRANGEBYSCORE', beats, '-inf', now)

if seq <= 0 then
  seq = redis.call('INCR', seq_key)
  if seq <= known then
    lost = 1
    if redis.call('PTTL', pause) < window then redis.call('SET', pause, '1', 'PX', window) end
  end
end
redis.call('ZADD', queue, 'NX', seq, ticket)
local rank = redis.call('ZRANK', queue, ticket)
local free = limit - redis.call('ZCARD', slots)
local paused = paused_ms(pause, ceiling)
if paused <= 0 and rank < free then
  redis.call('ZREM', queue, ticket)
  redis.call('ZREM', beats, ticket)
  redis.call('ZADD', slots, now + lease + window, ticket)
  keep(slots, lease + window + 1000)
  keep(seq_key, lease + window + 1000)
  return {1, 0, seq, lost}
end

local wait = math.min(poll, window)
if paused > 0 then
  wait = paused
else
  -- this ticket gets the (rank - free + 1)-th slot to come back
  local due = redis.call('ZRANGE', slots, rank - free, rank - free, 'WITHSCORES')[2]
  if due then wait = math.min(wait, tonumber(due) - now) end
end
wait = math.max(1, math.ceil(wait))
redis.call('ZADD', beats, now + wait + grace, ticket)
for _, key in ipairs({queue, beats, seq_key}) do keep(key, lease + window + wait + grace) end
return {0, wait, seq, lost}
"""
)

# KEYS: slots; ARGV: ticket, window_ms. The request left: free one window from now.
_SENT = (
    _CLOCK
    + """
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
keep(KEYS[1], tonumber(ARGV[2]) + 1000)
return 1
"""
)

# KEYS: slots, queue, beats; ARGV: ticket. Never sent, or cancelled while waiting.
_RELEASE = """
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 1
"""

# KEYS: slots; ARGV: lease_ms, then (ticket, window_ms) pairs still held by a live worker.
_RENEW = (
    _CLOCK
    + """
local lease = tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local window = tonumber(ARGV[i + 1])
  local due = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if due and tonumber(due) > now + window then
    redis.call('ZADD', KEYS[1], now + lease + window, ARGV[i])
    keep(KEYS[1], lease + window + 1000)
  end
end
return 1
"""
)

# KEYS: pause; ARGV: ms. Only ever lengthens a pause.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""

# KEYS: pause; ARGV: pause_ceiling_ms. How long the pause still holds (<= 0: none).
_PAUSED = (
    _PAUSED_MS
    + """
return paused_ms(KEYS[1], tonumber(ARGV[1]))
"""
)

# KEYS: learned; ARGV: requests, ttl_ms. Only ever lowers the limit.
_LEARN = """
local known = redis.call('GET', KEYS[1])
if not known or tonumber(ARGV[1]) < tonumber(known) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""


def _positive(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{attribute.name} must be a number")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


def _whole_positive(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{attribute.name} must be an integer")
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value!r}")


@attrs.frozen
class LocalFallback:
    """While Redis is unreachable, each of `workers` processes keeps `requests // workers`.

    Give the number of processes (on every machine) that share the credential.
    Redis is tried again every `probe_interval` seconds.
    """

    workers: int = attrs.field(validator=_whole_positive)
    probe_interval: float = attrs.field(default=5.0, validator=_positive)


@attrs.frozen
class _Bucket:
    """The Redis keys of one (credential, operation) bucket; one hash tag, one cluster slot."""

    operation_id: str
    slots: str
    queue: str
    beats: str
    seq: str
    pause: str
    learned: str

    @property
    def keys(self) -> list[str]:
        """Every key, in the order the acquire script unpacks them."""
        return [self.slots, self.queue, self.beats, self.seq, self.pause, self.learned]

    @classmethod
    def named(cls, prefix: str, key: str) -> _Bucket:
        # The key is "<credential hash>:<operation id>"; hash it again so nothing
        # about the credential is readable in Redis.
        base = f"{prefix}:{{{hashlib.sha256(key.encode()).hexdigest()[:32]}}}"
        return cls(
            key.rpartition(":")[2],
            *(f"{base}:{part}" for part in ("slots", "queue", "beats", "seq", "pause", "learned")),
        )


class _Mode(enum.Enum):
    SHARED = "shared"  # Redis only
    LOCAL = "local"  # Redis is down: the local share only
    BOTH = "both"  # Redis is back: both, until the other workers are back too


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


class _RedisPermit(Permit):
    __slots__ = ("_backend", "_bucket", "_done", "_ticket", "_window_ms")

    def __init__(self, backend: RedisBackend, bucket: _Bucket, ticket: str, window_ms: int) -> None:
        self._backend = backend
        self._bucket = bucket
        self._ticket = ticket
        self._window_ms = window_ms
        self._done = False

    def sent(self) -> None:
        if not self._done:
            self._done = True
            self._backend._settle(self._bucket, self._ticket, self._window_ms)

    def unused(self) -> None:
        if not self._done:
            self._done = True
            self._backend._settle(self._bucket, self._ticket, None)


class _BothPermit(Permit):
    __slots__ = ("_local", "_shared")

    def __init__(self, local: Permit, shared: Permit) -> None:
        self._local = local
        self._shared = shared

    def sent(self) -> None:
        self._local.sent()
        self._shared.sent()

    def unused(self) -> None:
        self._local.unused()
        self._shared.unused()


@contextmanager
def _no_lost_cancel() -> Iterator[None]:
    """Raise a cancel that the Redis client lost instead of carrying on as if none came.

    redis-py bounds socket writes with `asyncio.wait_for`, which on Python 3.11
    drops a cancel that arrives as the write completes. The task still counts the
    request (`Task.cancelling()`), so it is raised here; otherwise a waiter
    cancelled at that instant would poll for a slot forever, and its canceller
    (`wait_for`, a task group) would wait for it forever.
    """
    task = asyncio.current_task()
    before = 0 if task is None else task.cancelling()
    yield
    if task is not None and task.cancelling() > before:
        raise asyncio.CancelledError


class RedisBackend(RateLimitBackend):
    """Buckets in Redis, shared by every client, process and machine that uses the same server.

    ``redis`` is a URL (``redis://host:6379/0``) or a `redis.asyncio.Redis` client
    (which the caller closes). `timeout` bounds every Redis call; `lease` is how
    long a slot stays held by a worker that stopped renewing it (it died); waiters
    ask again at least every `poll_interval` seconds. A pause is never longer than
    `max_pause_factor` windows of its operation: longer ones are cut when written,
    and a longer one already in Redis is cut when read. Close it with ``aclose()``
    or ``async with``; one instance can serve several clients in a process.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis,
        *,
        key_prefix: str = "amigo_async",
        timeout: float = 1.0,
        fallback: LocalFallback | None = None,
        lease: float = 30.0,
        poll_interval: float = 1.0,
        max_pause_factor: float = MAX_PAUSE_FACTOR,
    ) -> None:
        for name, value in (
            ("timeout", timeout),
            ("lease", lease),
            ("poll_interval", poll_interval),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number of seconds")
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be positive, got {value!r}")
        if not isinstance(key_prefix, str) or not key_prefix or "{" in key_prefix:
            raise ValueError("key_prefix must be a non-empty string without '{'")
        if fallback is not None and not isinstance(fallback, LocalFallback):
            raise TypeError("fallback must be a LocalFallback or None")
        self._local = InProcessBackend(max_pause_factor=max_pause_factor)  # checks the factor
        self._max_pause_factor = float(max_pause_factor)
        self._secrets: tuple[str, ...] = ()
        if isinstance(redis, str):
            password = urlsplit(redis).password
            self._secrets = (password,) if password else ()
            self._redis = aioredis.Redis.from_url(
                redis,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
            )
            self._owns_redis = True
        elif isinstance(redis, aioredis.Redis):
            self._redis = redis
            self._owns_redis = False
        else:
            raise TypeError("redis must be a URL or a redis.asyncio.Redis client")
        self._prefix = key_prefix
        self._timeout = float(timeout)
        self._lease = float(lease)
        self._poll = float(poll_interval)
        self._fallback = fallback
        self._acquire_script = self._redis.register_script(_ACQUIRE)
        self._sent_script = self._redis.register_script(_SENT)
        self._release_script = self._redis.register_script(_RELEASE)
        self._renew_script = self._redis.register_script(_RENEW)
        self._pause_script = self._redis.register_script(_PAUSE)
        self._paused_script = self._redis.register_script(_PAUSED)
        self._learn_script = self._redis.register_script(_LEARN)
        self._buckets: dict[str, _Bucket] = {}
        self._held: dict[_Bucket, dict[str, int]] = {}  # ticket -> window_ms, for renewal
        self._renewer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._learned: dict[str, int] = {}
        self._numbered: dict[_Bucket, tuple[int, float]] = {}  # last ticket number drawn, when
        # Fallback state: when Redis was lost, when it answered again, when to look again.
        self._local_ready: set[str] = set()
        self._outage_at: float | None = None
        self._back_at: float | None = None
        self._next_probe = 0.0

    def __repr__(self) -> str:
        return f"RedisBackend(key_prefix={self._prefix!r}, fallback={self._fallback!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Finish recording sends and releases, stop renewing, close an owned connection."""
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self._timeout * 2)
        if self._owns_redis:
            await self._redis.aclose()

    # -- the RateLimitBackend interface ---------------------------------------

    async def acquire(self, key: str, limit: RateLimit | None) -> Permit:
        await self._probe_if_due()
        mode = self._mode(limit)
        if mode is _Mode.LOCAL:
            return await self._local_acquire(key, limit)
        local = await self._local_acquire(key, limit) if mode is _Mode.BOTH else None
        try:
            shared = await self._shared_acquire(self._bucket(key), limit)
        except errors.RateLimitBackendError as exc:
            if self._fallback is None:
                raise
            self._fall_back(exc)
            return local if local is not None else await self._local_acquire(key, limit)
        except BaseException:
            if local is not None:
                local.unused()
            raise
        return shared if local is None else _BothPermit(local, shared)

    async def pause(self, key: str, limit: RateLimit | None, seconds: float) -> None:
        seconds = clamp_pause(limit, seconds, factor=self._max_pause_factor)
        if seconds <= 0:
            return
        mode = self._mode(limit)
        if mode is not _Mode.SHARED:
            await self._local.pause(key, self._local_limit(key, limit), seconds)
        if mode is _Mode.LOCAL:
            return
        bucket = self._bucket(key)
        try:
            await self._call(self._pause_script(keys=[bucket.pause], args=[_ms(seconds)]), bucket)
        except errors.RateLimitBackendError as exc:
            if self._fallback is None:
                raise
            self._fall_back(exc)
            await self._local.pause(key, self._local_limit(key, limit), seconds)

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        if requests < 1 or requests >= min(limit.requests, self._learned.get(key, limit.requests)):
            return
        self._learned[key] = requests  # also what the local share is cut from
        mode = self._mode(limit)
        if mode is not _Mode.SHARED:
            assert self._fallback is not None
            if requests >= self._fallback.workers:
                share = requests // self._fallback.workers
                await self._local.learn_limit(key, self._local_share(key, limit), share)
        if mode is _Mode.LOCAL:
            return
        bucket = self._bucket(key)
        try:
            await self._call(
                self._learn_script(keys=[bucket.learned], args=[requests, _LEARNED_LIMIT_MS]),
                bucket,
            )
        except errors.RateLimitBackendError as exc:
            if self._fallback is None:
                raise
            self._fall_back(exc)

    # -- Redis ----------------------------------------------------------------

    def _bucket(self, key: str) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket.named(self._prefix, key)
        return bucket

    async def _call(self, command: Awaitable[T], bucket: _Bucket) -> T:
        """One Redis round trip, bounded by `timeout`; any failure is a RateLimitBackendError."""
        failure: Exception | None = None
        with _no_lost_cancel():
            try:
                async with asyncio.timeout(self._timeout):
                    return await command
            except (RedisError, OSError, TimeoutError) as exc:
                failure = exc
        detail = errors.sanitize(f"{type(failure).__name__}: {failure}".rstrip(": "), self._secrets)
        raise errors.RateLimitBackendError(
            f"the shared rate-limit store (Redis) failed or did not answer within "
            f"{self._timeout:g}s ({detail})",
            operation_id=bucket.operation_id,
        ) from failure

    async def _shared_acquire(self, bucket: _Bucket, limit: RateLimit | None) -> Permit:
        ceiling_ms = _ms(pause_ceiling(limit, self._max_pause_factor))
        if limit is None:
            while True:  # no bucket: only wait out a shared pause
                paused_ms = await self._call(
                    self._paused_script(keys=[bucket.pause], args=[ceiling_ms]), bucket
                )
                if paused_ms <= 0:
                    return NO_PERMIT
                await asyncio.sleep(paused_ms / 1000)
        window_ms = _ms(limit.per_seconds + SAFETY_MARGIN_SECONDS)
        ticket = secrets.token_hex(8)
        seq = 0
        try:
            while True:
                fresh = seq == 0
                known = self._known_number(bucket, limit) if fresh else 0
                granted, wait_ms, seq, lost = await self._call(
                    self._acquire_script(
                        keys=bucket.keys,
                        args=[
                            ticket,
                            limit.requests,
                            window_ms,
                            _ms(self._lease),
                            seq,
                            _ms(self._poll),
                            _ms(self._timeout + 0.5),
                            known,
                            ceiling_ms,
                        ],
                    ),
                    bucket,
                )
                if fresh:
                    self._number_drawn(bucket, seq, lost)
                if granted:
                    return self._hold(bucket, ticket, window_ms)
                await asyncio.sleep(wait_ms / 1000)
        except BaseException:
            # Cancelled or failed while queued, or while the grant was on its way back:
            # give the place (and a slot Redis may have granted) back.
            self._spawn(self._release(bucket, ticket))
            raise

    def _known_number(self, bucket: _Bucket, limit: RateLimit) -> int:
        """The last ticket number we drew, if the bucket's keys must still exist since."""
        seq, at = self._numbered.get(bucket, (0, 0.0))
        return seq if time.monotonic() - at < self._lease + limit.per_seconds else 0

    def _number_drawn(self, bucket: _Bucket, seq: int, lost: int) -> None:
        previous = self._numbered.get(bucket, (0, 0.0))[0]
        self._numbered[bucket] = (seq if lost else max(seq, previous), time.monotonic())
        if lost:
            logger.warning(
                "Redis lost the %s bucket (restarted?); every worker waits one window",
                bucket.operation_id,
            )

    def _hold(self, bucket: _Bucket, ticket: str, window_ms: int) -> Permit:
        self._held.setdefault(bucket, {})[ticket] = window_ms
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew_leases())
        return _RedisPermit(self, bucket, ticket, window_ms)

    def _settle(self, bucket: _Bucket, ticket: str, window_ms: int | None) -> None:
        """A permit was used (`window_ms`) or not (None); tell Redis without blocking the caller."""
        held = self._held.get(bucket)
        if held is not None:
            held.pop(ticket, None)
            if not held:
                del self._held[bucket]
        if window_ms is None:
            self._spawn(self._release(bucket, ticket))
        else:
            self._spawn(self._record_sent(bucket, ticket, window_ms))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop any more: the lease returns the slot
            work.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record_sent(self, bucket: _Bucket, ticket: str, window_ms: int) -> None:
        try:
            await self._call(
                self._sent_script(keys=[bucket.slots], args=[ticket, window_ms]), bucket
            )
        except errors.RateLimitBackendError as exc:
            logger.warning(
                "could not record a send in Redis (%s); its slot stays held until the lease ends",
                exc.__cause__,
            )

    async def _release(self, bucket: _Bucket, ticket: str) -> None:
        try:
            await self._call(
                self._release_script(
                    keys=[bucket.slots, bucket.queue, bucket.beats], args=[ticket]
                ),
                bucket,
            )
        except errors.RateLimitBackendError as exc:
            logger.debug("could not give a slot back (%s); its lease returns it", exc.__cause__)

    async def _renew_leases(self) -> None:
        """Keep the slots of requests still in flight from looking abandoned."""
        while self._held:
            await asyncio.sleep(self._lease / 3)
            for bucket, held in list(self._held.items()):
                pairs = [part for ticket, window in held.items() for part in (ticket, window)]
                try:
                    await self._call(
                        self._renew_script(keys=[bucket.slots], args=[_ms(self._lease), *pairs]),
                        bucket,
                    )
                except errors.RateLimitBackendError as exc:
                    logger.warning("could not renew held slots (%s)", exc.__cause__)

    # -- the local fallback ---------------------------------------------------

    def _mode(self, limit: RateLimit | None) -> _Mode:
        if self._outage_at is None or self._fallback is None:
            return _Mode.SHARED
        if self._back_at is None:
            return _Mode.LOCAL
        per = limit.per_seconds if limit is not None else 0.0
        if time.monotonic() < self._back_at + self._fallback.probe_interval + per:
            return _Mode.BOTH
        return _Mode.SHARED

    def _fall_back(self, exc: errors.RateLimitBackendError) -> None:
        assert self._fallback is not None
        if self._outage_at is not None and self._back_at is None:
            return  # already down
        self._outage_at = time.monotonic()
        self._back_at = None
        self._next_probe = self._outage_at + self._fallback.probe_interval
        self._local_ready.clear()
        logger.warning(
            "Redis is unavailable (%r); pacing locally at 1/%d of each limit, after one quiet "
            "window, until it is back",
            exc.__cause__,
            self._fallback.workers,
        )

    async def _probe_if_due(self) -> None:
        if self._outage_at is None or self._back_at is not None or self._fallback is None:
            return
        now = time.monotonic()
        if now < self._next_probe:
            return
        self._next_probe = now + self._fallback.probe_interval
        with _no_lost_cancel():
            try:
                async with asyncio.timeout(self._timeout):
                    await self._redis.ping()
            except (RedisError, OSError, TimeoutError):
                return
        self._back_at = time.monotonic()
        logger.warning("Redis answers again; keeping the local limits one more window as well")

    def _share(self, key: str, limit: RateLimit) -> RateLimit:
        assert self._fallback is not None
        requests = min(limit.requests, self._learned.get(key, limit.requests))
        share = requests // self._fallback.workers
        if share < 1:
            raise errors.RateLimitBackendError(
                f"Redis is unavailable and a limit of {requests} per {limit.per_seconds:g}s "
                f"cannot be shared by {self._fallback.workers} workers without Redis",
                operation_id=key.rpartition(":")[2],
            )
        return RateLimit(share, limit.per_seconds)

    def _local_limit(self, key: str, limit: RateLimit | None) -> RateLimit | None:
        return None if limit is None else self._local_share(key, limit)

    def _local_share(self, key: str, limit: RateLimit) -> RateLimit:
        """This worker's share of `limit`; the bucket starts empty for a window after the switch."""
        share = self._share(key, limit)
        if key not in self._local_ready:
            self._local_ready.add(key)
            assert self._outage_at is not None
            quiet_until = self._outage_at + limit.per_seconds + SAFETY_MARGIN_SECONDS
            self._local.bucket(key, share).pause_until(quiet_until)
        return share

    async def _local_acquire(self, key: str, limit: RateLimit | None) -> Permit:
        return await self._local.acquire(key, self._local_limit(key, limit))
