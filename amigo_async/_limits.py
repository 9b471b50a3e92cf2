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
import logging
import math
import time
from collections import deque
from collections.abc import Callable

import attrs

__all__ = [
    "MAX_PAUSE_FACTOR",
    "NO_PERMIT",
    "UNLIMITED_WINDOW_SECONDS",
    "InProcessBackend",
    "Permit",
    "RateLimit",
    "RateLimitBackend",
    "TokenBucket",
    "clamp_pause",
    "pause_ceiling",
]

logger = logging.getLogger("amigo_async")

Clock = Callable[[], float]

# A token is reused slightly after a full window: servers and we read different
# clocks, and a sliding window may include its lower bound.
SAFETY_MARGIN_SECONDS = 0.002

# The most entries the tokens held on a server's word take (see `TokenBucket._hold_from`).
_MAX_HOLD_STEPS = 64

# A server's hint (Retry-After, X-RateLimit-Reset) may pause a bucket for at most
# this many of its windows by default; a longer hint is refused, not obeyed.
MAX_PAUSE_FACTOR = 5.0

# The window assumed for an operation with no bucket (the documents count per minute).
UNLIMITED_WINDOW_SECONDS = 60.0


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


def _check_factor(factor: object) -> float:
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        raise TypeError(f"max_pause_factor must be a number, not {type(factor).__name__}")
    if not (math.isfinite(factor) and factor >= 1):
        raise ValueError(f"max_pause_factor must be a finite number of at least 1, got {factor!r}")
    return float(factor)


def pause_ceiling(limit: RateLimit | None, factor: float = MAX_PAUSE_FACTOR) -> float:
    """The longest pause anything may impose on a bucket: `factor` of its windows.

    An operation with no bucket (`limit` None) counts with a window of
    `UNLIMITED_WINDOW_SECONDS`. `factor` is at least 1: a restarted Redis pauses
    everyone for one window.
    """
    window = limit.per_seconds if limit is not None else UNLIMITED_WINDOW_SECONDS
    return _check_factor(factor) * window


def clamp_pause(
    limit: RateLimit | None, seconds: float, *, factor: float = MAX_PAUSE_FACTOR
) -> float:
    """What a backend writes for `pause(key, limit, seconds)`: the safety net under the policy.

    A pause must be a finite number of seconds (TypeError or ValueError otherwise,
    before anything is written); negative counts as 0; beyond
    `pause_ceiling(limit, factor)` it is cut to the ceiling, with a warning.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"a pause must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds):
        raise ValueError(f"a pause must be a finite number of seconds, got {seconds!r}")
    ceiling = pause_ceiling(limit, factor)
    if seconds > ceiling:
        logger.warning("a pause of %.6gs is cut to %.6gs (%g windows)", seconds, ceiling, factor)
        return ceiling
    return max(0.0, float(seconds))


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
            self._bucket._give_back(None)

    def unused(self) -> None:
        if not self._done:
            self._done = True
            self._bucket._give_back(self._previous_ready)


class _Return:
    """`count` idle tokens usable from `at` on (a batch spent at the same instant)."""

    __slots__ = ("at", "count")

    def __init__(self, at: float, count: int) -> None:
        self.at = at
        self.count = count


class TokenBucket:
    """`limit.requests` tokens; a spent token is usable again a window after its answer.

    Waiters are served first come, first served. A waiter that is cancelled leaves
    the queue without taking a token.

    Memory and time follow the tokens spent in the last window or two, never
    `limit.requests`: tokens idle for at least a window are only a count, and a
    deque sorted by time holds the return times of the others (a send's return time
    is a window after "now", so appending keeps it sorted).
    """

    def __init__(self, limit: RateLimit, *, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._rested = limit.requests  # idle tokens usable since at least a window ago
        self._rested_since = -math.inf  # the latest return time folded into `_rested`
        self._returns: deque[_Return] = deque()  # the other idle tokens, sorted by `at`
        self._excess = 0  # tokens to retire when they come back, after the limit shrank
        self._paused_until = -math.inf
        self._queue = asyncio.Lock()  # FIFO
        self._changed: asyncio.Event | None = None

    @property
    def available(self) -> int:
        """Tokens usable right now (for progress reports and tests)."""
        now = self._clock()
        return 0 if now < self._paused_until else self._idle_by(now, now)

    async def acquire(self) -> Permit:
        async with self._queue:
            while True:
                now = self._clock()
                ready_at = self._next_ready(now)
                if ready_at is None:
                    await self._wait_for_change(None)
                elif max(ready_at, self._paused_until) <= now:
                    return _BucketPermit(self, self._take())
                else:
                    await self._wait_for_change(max(ready_at, self._paused_until) - now)

    def try_acquire(self) -> Permit | None:
        """A permit if one is usable now and nobody is queued; never waits."""
        if self._queue.locked():
            return None
        now = self._clock()
        ready_at = self._next_ready(now)
        if ready_at is None or max(ready_at, self._paused_until) > now:
            return None
        return _BucketPermit(self, self._take())

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
        # Retire the most available tokens first: the safe side.
        self._excess += retire - self._drop_first(retire, math.inf)

    def hold_beyond(self, remaining: int, *, as_of: float, reset_in: float | None = None) -> None:
        """The server says only `remaining` sends were left when our request arrived.

        Only tokens already usable when that request was sent (`as_of`) can be
        compared with the server's count: one that came back later may be usable
        now although the server's figure predates it. If more of those are idle than
        the server had left, someone else (another process with the same credential)
        spent them. Tokens folded into the count more than a window ago are all taken
        as comparable: the safe side.

        The extra ones are held until the server's count frees a place: from
        `reset_in` seconds from now when it said so (a hint beyond the window, or not
        a number, is not believed), one an interval after the other, as the other
        process's sends leave a sliding window; none longer than a full window.
        """
        now = self._clock()
        comparable = self._idle_by(as_of, now)
        if comparable <= max(0, remaining):
            return
        extra = self._drop_first(comparable - max(0, remaining), as_of)
        window = self.limit.per_seconds
        last = now + window + SAFETY_MARGIN_SECONDS
        if reset_in is None or not 0 <= reset_in < window:
            self._insert(last, extra)
        else:
            self._hold_from(now + reset_in + SAFETY_MARGIN_SECONDS, last, extra)
        self._notify()

    def _hold_from(self, first: float, last: float, count: int) -> None:
        """Give back `count` held tokens from `first` on at the limit's pace, all by `last`.

        At most `_MAX_HOLD_STEPS` entries: under a high limit the tokens come back in
        batches, at the same average pace.
        """
        batch = -(-count // _MAX_HOLD_STEPS)
        step = self.limit.interval * batch
        at = first
        while count > 0:
            if at >= last:
                self._insert(last, count)
                return
            self._insert(at, min(batch, count))
            count -= batch
            at += step

    def expected_wait(self) -> float | None:
        """Seconds before a newcomer could take a token, callers already queued aside;
        None when every token is out (each comes back a window after its answer)."""
        now = self._clock()
        ready_at = self._next_ready(now)
        if ready_at is None:
            return None
        return max(0.0, ready_at - now, self._paused_until - now)

    def _idle_by(self, at: float, now: float) -> int:
        """Idle tokens usable by `at`, every rested one included."""
        self._fold(now)
        usable = self._rested
        for batch in self._returns:
            if batch.at > at:
                break
            usable += batch.count
        return usable

    def _next_ready(self, now: float) -> float | None:
        """When the most available idle token is usable; None when every token is out."""
        self._fold(now)
        if self._rested:
            return -math.inf
        return self._returns[0].at if self._returns else None

    def _take(self) -> float:
        """Take the most available token; its return time, for `unused()`."""
        if self._rested:
            self._rested -= 1
            return -math.inf
        batch = self._returns[0]
        batch.count -= 1
        if not batch.count:
            self._returns.popleft()
        return batch.at

    def _drop_first(self, count: int, up_to: float) -> int:
        """Remove up to `count` of the most available tokens usable by `up_to`; how many."""
        if count <= 0:
            return 0
        dropped = min(count, self._rested)
        self._rested -= dropped
        returns = self._returns
        while dropped < count and returns and returns[0].at <= up_to:
            batch = returns[0]
            taken = min(batch.count, count - dropped)
            batch.count -= taken
            dropped += taken
            if not batch.count:
                returns.popleft()
        return dropped

    def _fold(self, now: float) -> None:
        """Count tokens that have been usable for a window; forget their times."""
        horizon = now - self.limit.per_seconds
        returns = self._returns
        while returns and returns[0].at <= horizon:
            batch = returns.popleft()
            self._rested += batch.count
            self._rested_since = batch.at

    def _append(self, at: float, count: int) -> None:
        """Add idle tokens usable from `at`, no earlier than any already listed."""
        if count <= 0:
            return
        returns = self._returns
        if returns and returns[-1].at == at:
            returns[-1].count += count
        else:
            returns.append(_Return(at, count))

    def _insert(self, at: float, count: int = 1) -> None:
        """Put back `count` tokens usable from `at` (taken earlier, or held), keeping the order."""
        if at <= self._rested_since:
            self._rested += count
            return
        returns = self._returns
        index = 0
        while index < len(returns) and returns[index].at < at:
            index += 1
        if index < len(returns) and returns[index].at == at:
            returns[index].count += count
        else:
            returns.insert(index, _Return(at, count))

    def _give_back(self, ready_at: float | None) -> None:
        """A permit ended: spent (None: usable a window from now) or unused (its old time)."""
        if self._excess:
            self._excess -= 1
            return
        if ready_at is None:
            back_at = self._clock() + self.limit.per_seconds + SAFETY_MARGIN_SECONDS
            # Rounded up to the next millisecond, so the sends of one millisecond share
            # one entry: fewer objects under a high rate, each token back <= 1 ms later.
            self._append(math.ceil(back_at * 1000) / 1000, 1)
        else:
            self._insert(ready_at)
        self._notify()

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()

    async def _wait_for_change(self, at_most: float | None) -> None:
        if self._changed is None:
            self._changed = asyncio.Event()
        self._changed.clear()
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancel that
        # arrives as the event is set, and the cancelled caller would go on to send.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._changed.wait()


class RateLimitBackend(abc.ABC):
    """Where buckets live: this process (default) or a store shared by several processes.

    Keys name a (credential, operation) pair and never contain a secret.
    """

    @abc.abstractmethod
    async def acquire(self, key: str, limit: RateLimit | None) -> Permit:
        """Wait for a token of bucket `key`; with no limit, only wait out a pause."""

    def acquire_nowait(self, key: str, limit: RateLimit | None) -> Permit | None:
        """A permit when one is usable at once without waiting or I/O; None otherwise.

        The request path asks this first, so a call with a free token pays no
        coroutine; a backend with no fast path (Redis) keeps this default.
        """
        return None

    @abc.abstractmethod
    async def pause(self, key: str, limit: RateLimit | None, seconds: float) -> None:
        """Make every holder of `key` wait `seconds` before its next send.

        `seconds` is a finite number; a backend cuts it to its ceiling (`clamp_pause`).
        The request path refuses a server hint beyond `RetryPolicy.max_server_pause`
        before it gets here.
        """

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        """The server announced `requests` per window; lower ours if it is lower."""

    def expected_wait(self, key: str, limit: RateLimit | None) -> float | None:
        """Seconds a caller asking now would wait for a permit, when the backend can tell
        without I/O; None otherwise. Only says what to announce: `acquire` decides."""
        return None

    async def learn_remaining(
        self,
        key: str,
        limit: RateLimit,
        remaining: int,
        *,
        as_of: float,
        reset_in: float | None = None,
    ) -> None:
        """The server had `remaining` sends left for `key` when a request sent at `as_of`
        (monotonic clock) arrived; its window resets in `reset_in` seconds when it said."""

    async def aclose(self) -> None:
        """Release connections or tasks the backend holds."""


class InProcessBackend(RateLimitBackend):
    """Token buckets in this process. Pass one instance to several clients to share them.

    A pause is never longer than `max_pause_factor` windows of its operation (see
    `clamp_pause`).
    """

    def __init__(
        self, *, clock: Clock = time.monotonic, max_pause_factor: float = MAX_PAUSE_FACTOR
    ) -> None:
        self._clock = clock
        self._max_pause_factor = _check_factor(max_pause_factor)
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

    def acquire_nowait(self, key: str, limit: RateLimit | None) -> Permit | None:
        if limit is None:
            paused = self._pauses.get(key)
            return NO_PERMIT if paused is None or paused <= self._clock() else None
        return self.bucket(key, limit).try_acquire()

    async def pause(self, key: str, limit: RateLimit | None, seconds: float) -> None:
        until = self._clock() + clamp_pause(limit, seconds, factor=self._max_pause_factor)
        if limit is None:
            self._pauses[key] = max(until, self._pauses.get(key, -math.inf))
        else:
            self.bucket(key, limit).pause_until(until)

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        self.bucket(key, limit).shrink_to(requests)

    def expected_wait(self, key: str, limit: RateLimit | None) -> float | None:
        if limit is None:
            return max(0.0, self._pauses.get(key, -math.inf) - self._clock())
        return self.bucket(key, limit).expected_wait()

    async def learn_remaining(
        self,
        key: str,
        limit: RateLimit,
        remaining: int,
        *,
        as_of: float,
        reset_in: float | None = None,
    ) -> None:
        self.bucket(key, limit).hold_beyond(remaining, as_of=as_of, reset_in=reset_in)
