"""Client-side rate limiting: the `RateLimit` value and the in-process token buckets.

The Amigo API counts requests per user and per endpoint. A plain refilling token
bucket lets ``burst + rate * T`` requests into a window of ``T`` seconds, which a
server counting with a sliding window answers with 429. The bucket here instead
returns each spent token a full window after the server answered the request
that spent it, so no window of ``per_seconds`` ever holds more than ``requests``
sends from this client, the first burst included, and a busy program still runs
at exactly the documented rate.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import heapq
import math
import time
from collections.abc import Callable

import attrs

__all__ = [
    "NO_PERMIT",
    "InProcessBackend",
    "Permit",
    "RateLimit",
    "RateLimitBackend",
    "TokenBucket",
]

Clock = Callable[[], float]

# A token is reused slightly after a full window: servers and we read different
# clocks, and a sliding window may include its lower bound.
SAFETY_MARGIN_SECONDS = 0.002


def _check_positive(name: str, value: object, kind: type | tuple[type, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"RateLimit.{name} must be a number, not {type(value).__name__}")
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"RateLimit.{name} must be a positive finite number, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most `requests` requests in any window of `per_seconds` seconds."""

    requests: int
    per_seconds: float = 60.0

    def __attrs_post_init__(self) -> None:
        _check_positive("requests", self.requests, int)
        _check_positive("per_seconds", self.per_seconds, (int, float))

    @property
    def interval(self) -> float:
        """Average seconds between requests at the full rate."""
        return self.per_seconds / self.requests

    def __str__(self) -> str:
        return f"{self.requests} per {self.per_seconds:g}s"


class Permit(abc.ABC):
    """The right to send one request; say what became of it exactly once.

    `sent()` as soon as the response headers arrived (or the attempt failed after
    the request may have left): the token comes back a window later. `unused()`
    when the request never left (for example the caller was cancelled first): the
    token comes back at once and the place is not lost.
    """

    @abc.abstractmethod
    def sent(self) -> None: ...

    @abc.abstractmethod
    def unused(self) -> None: ...


class _NoPermit(Permit):
    def sent(self) -> None:
        pass

    def unused(self) -> None:
        pass


NO_PERMIT: Permit = _NoPermit()


class _BucketPermit(Permit):
    __slots__ = ("_bucket", "_done", "_previous_ready")

    def __init__(self, bucket: TokenBucket, previous_ready: float) -> None:
        self._bucket = bucket
        self._previous_ready = previous_ready
        self._done = False

    def sent(self) -> None:
        if not self._done:
            self._done = True
            bucket = self._bucket
            bucket._give_back(bucket._clock() + bucket.limit.per_seconds + SAFETY_MARGIN_SECONDS)

    def unused(self) -> None:
        if not self._done:
            self._done = True
            self._bucket._give_back(self._previous_ready)


class TokenBucket:
    """`limit.requests` tokens; a spent token is usable again a window after its answer.

    Waiters are served first come, first served. A waiter that is cancelled leaves
    the queue without taking a token.
    """

    def __init__(self, limit: RateLimit, *, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._idle: list[float] = [
            -math.inf
        ] * limit.requests  # heap: when each idle token is usable
        self._excess = 0  # tokens to retire when they come back, after the limit shrank
        self._paused_until = -math.inf
        self._queue = asyncio.Lock()  # FIFO
        self._changed: asyncio.Event | None = None

    @property
    def available(self) -> int:
        """Tokens usable right now (for progress reports and tests)."""
        now = self._clock()
        if now < self._paused_until:
            return 0
        return sum(1 for ready in self._idle if ready <= now)

    async def acquire(self) -> Permit:
        async with self._queue:
            while True:
                now = self._clock()
                if self._idle:
                    ready_at = max(self._idle[0], self._paused_until)
                    if ready_at <= now:
                        return _BucketPermit(self, heapq.heappop(self._idle))
                    await self._wait_for_change(ready_at - now)
                else:
                    await self._wait_for_change(None)

    def try_acquire(self) -> Permit | None:
        """A permit if one is usable now and nobody is queued; never waits."""
        if self._queue.locked() or not self._idle:
            return None
        now = self._clock()
        if max(self._idle[0], self._paused_until) > now:
            return None
        return _BucketPermit(self, heapq.heappop(self._idle))

    def pause_until(self, until: float) -> None:
        """Hold every token until `until` (a server said 429 or no requests remain)."""
        if until > self._paused_until:
            self._paused_until = until
            self._notify()

    def shrink_to(self, requests: int) -> None:
        """Adopt a lower limit the server announced (X-RateLimit-Limit)."""
        if requests >= self.limit.requests or requests < 1:
            return
        retire = self.limit.requests - requests
        self.limit = attrs.evolve(self.limit, requests=requests)
        while retire and self._idle:  # retire the most available tokens: the safe side
            heapq.heappop(self._idle)
            retire -= 1
        self._excess += retire

    def hold_beyond(self, remaining: int, *, as_of: float) -> None:
        """The server says only `remaining` sends were left when our request arrived.

        Only tokens already usable when that request was sent (`as_of`) can be
        compared with the server's count: one that came back later may be usable
        now although the server's figure predates it. If more of those are idle than
        the server had left, someone else (another process with the same credential)
        spent them: hold the extra ones for a full window.
        """
        comparable = sorted(ready for ready in self._idle if ready <= as_of)
        extra = len(comparable) - max(0, remaining)
        if extra <= 0:
            return
        held = self._clock() + self.limit.per_seconds + SAFETY_MARGIN_SECONDS
        others = [ready for ready in self._idle if ready > as_of]
        self._idle = comparable[extra:] + others + [held] * extra
        heapq.heapify(self._idle)

    def _give_back(self, ready_at: float) -> None:
        if self._excess:
            self._excess -= 1
            return
        heapq.heappush(self._idle, ready_at)
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    async def _wait_for_change(self, at_most: float | None) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), at_most)


class RateLimitBackend(abc.ABC):
    """Where buckets live: this process (default) or a store shared by several processes.

    Keys name a (credential, operation) pair and never contain a secret.
    """

    @abc.abstractmethod
    async def acquire(self, key: str, limit: RateLimit | None) -> Permit:
        """Wait for a token of bucket `key`; with no limit, only wait out a pause."""

    @abc.abstractmethod
    async def pause(self, key: str, limit: RateLimit | None, seconds: float) -> None:
        """Make every holder of `key` wait `seconds` before its next send."""

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        """The server announced `requests` per window; lower ours if it is lower."""

    async def learn_remaining(
        self, key: str, limit: RateLimit, remaining: int, *, as_of: float
    ) -> None:
        """The server had `remaining` sends left for `key` when a request sent at `as_of`
        (monotonic clock) arrived."""

    async def aclose(self) -> None:
        """Release connections or tasks the backend holds."""


class InProcessBackend(RateLimitBackend):
    """Token buckets in this process. Pass one instance to several clients to share them."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._pauses: dict[str, float] = {}  # for operations with no bucket

    def bucket(self, key: str, limit: RateLimit) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(limit, clock=self._clock)
        return bucket

    async def acquire(self, key: str, limit: RateLimit | None) -> Permit:
        if limit is None:
            delay = self._pauses.get(key, -math.inf) - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            return NO_PERMIT
        bucket = self.bucket(key, limit)
        return bucket.try_acquire() or await bucket.acquire()

    async def pause(self, key: str, limit: RateLimit | None, seconds: float) -> None:
        until = self._clock() + max(0.0, seconds)
        if limit is None:
            self._pauses[key] = max(until, self._pauses.get(key, -math.inf))
        else:
            self.bucket(key, limit).pause_until(until)

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        self.bucket(key, limit).shrink_to(requests)

    async def learn_remaining(
        self, key: str, limit: RateLimit, remaining: int, *, as_of: float
    ) -> None:
        self.bucket(key, limit).hold_beyond(remaining, as_of=as_of)
