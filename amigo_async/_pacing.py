"""The client's side of the rate limits: permits before a send, and what the
server's answers teach about the limits (429 pauses, X-RateLimit-* headers).

A server hint is only ever obeyed up to `RetryPolicy.max_server_pause`; the
transport ends a call whose hint is beyond it, and no pause is recorded, so one
wild header never stalls every caller of an operation.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

from ._config import RetryPolicy
from ._hints import count, retry_after_seconds, window_reset_seconds
from ._limits import Permit, RateLimit, RateLimitBackend
from ._spec import Operation
from ._stats import ClientStats
from .errors import RateLimitBackendError
from .events import EventDispatcher, LimiterWaited, LimiterWaiting, RateLimited

__all__ = ["LONG_WAIT_SECONDS", "Pacing"]

logger = logging.getLogger("amigo_async")

LONG_WAIT_SECONDS = 2.0
"""A limiter wait longer than this is announced (logged at INFO, `LimiterWaiting`):
a silent program that waits a minute looks hung."""


class Pacing:
    """Buckets keyed by (credential identity, operation) on one backend."""

    def __init__(
        self,
        *,
        identity: str,
        limits: Mapping[str, RateLimit],
        backend: RateLimitBackend,
        retry: RetryPolicy,
        events: EventDispatcher,
        stats: ClientStats,
    ) -> None:
        self.limits = limits
        self._identity = identity  # a hash: bucket keys never hold a secret
        self._backend = backend
        self._retry = retry
        self._events = events
        self._stats = stats
        self._keys: dict[str, str] = {}
        # key -> when the wait last said ends: limiter waits, and 429 pauses (said apart)
        self._waits_said: dict[str, float] = {}
        self._pauses_said: dict[str, float] = {}

    def key(self, operation: Operation) -> str:
        """Names the (credential, operation) bucket."""
        key = self._keys.get(operation.id)
        if key is None:
            key = self._keys[operation.id] = f"{self._identity}:{operation.id}"
        return key

    def ready(self, operation: Operation) -> Permit | None:
        """A permit usable at once, or None: the caller then awaits `permit`.

        Most calls find a free token; asking without a coroutine keeps them cheap.
        """
        return self._backend.acquire_nowait(self.key(operation), self.limits.get(operation.id))

    async def permit(self, operation: Operation) -> tuple[Permit, float]:
        """A permit to send, once `ready` had none, and the seconds the limiter held the caller."""
        key, limit = self.key(operation), self.limits.get(operation.id)
        started = time.monotonic()
        expected = self._backend.expected_wait(key, limit)
        if expected is not None and expected > LONG_WAIT_SECONDS:
            self._announce(operation, key, expected, started)
        permit = await self._backend.acquire(key, limit)
        waited = time.monotonic() - started
        if waited > 0.001:
            self._stats.throttled_seconds += waited
            if expected is None and waited > LONG_WAIT_SECONDS:
                self._report_unforeseen(operation, key, started, waited)
            else:
                logger.debug("%s waited %.3fs for its rate limit", operation.id, waited)
            if self._events:
                self._events.emit(LimiterWaited(operation.id, waited))
            return permit, waited
        return permit, 0.0

    def _announce(self, operation: Operation, key: str, seconds: float, now: float) -> None:
        """Say once that callers of `operation` wait `seconds`: the callers that queue
        behind a wait already announced add nothing a user needs to read."""
        if not _is_news(self._waits_said, key, now, seconds):
            return
        limit = self.limits.get(operation.id)
        logger.info(
            "%s: waiting %.1fs for its rate limit (%s)",
            operation.id,
            seconds,
            limit if limit is not None else "a pause the server asked for",
        )
        if self._events:
            self._events.emit(LimiterWaiting(operation.id, seconds))

    def _report_unforeseen(
        self, operation: Operation, key: str, started: float, waited: float
    ) -> None:
        """A long wait the backend could not foresee (a shared store), said once it ended."""
        if not _is_news(self._waits_said, key, started, waited):
            return
        logger.info("%s: waited %.1fs for its rate limit", operation.id, waited)

    def pause_hint(self, operation: Operation, headers: Mapping[str, str], attempt: int) -> float:
        """What a 429 asks for: the server's hint, or a backoff of our own when it gives none.

        May exceed `cap(operation)`: the caller refuses such a hint.
        """
        hint = retry_after_seconds(headers)
        if hint is not None:
            return hint
        limit = self.limits.get(operation.id)
        interval = limit.interval if limit else 1.0
        return min(interval * 2.0**attempt, self.cap(operation))

    def cap(self, operation: Operation) -> float:
        return self._retry.server_pause_cap(self.limits.get(operation.id))

    async def pause(self, operation: Operation, seconds: float) -> None:
        """Every caller of the operation waits `seconds` (within the cap) before its next send."""
        key = self.key(operation)
        await self._backend.pause(key, self.limits.get(operation.id), seconds)
        if _is_news(self._pauses_said, key, time.monotonic(), seconds):
            logger.warning("%s: 429 from the server; pausing %.2fs", operation.id, seconds)
        else:  # one of several callers that met the same pause: said already
            logger.debug("%s: 429 from the server; pausing %.2fs", operation.id, seconds)
        if self._events:
            self._events.emit(RateLimited(operation.id, seconds))

    async def learn(self, operation: Operation, headers: Mapping[str, str], sent_at: float) -> None:
        """Follow X-RateLimit-* when a server sends them: a lower limit, fewer sends left.

        The answer they came with is good whatever happens here: a shared store that
        fails to record them is logged, never raised, so it cannot cost that answer
        (a POST would otherwise be sent again).
        """
        try:
            await self._learn(operation, headers, sent_at)
        except RateLimitBackendError as failure:
            logger.warning(
                "%s: the server's rate-limit headers were not recorded (%s)", operation.id, failure
            )

    async def _learn(
        self, operation: Operation, headers: Mapping[str, str], sent_at: float
    ) -> None:
        limit = self.limits.get(operation.id)
        key = self.key(operation)
        announced = count(headers.get("X-RateLimit-Limit"))
        if limit is not None and announced is not None:
            await self._backend.learn_limit(key, limit, announced)
        remaining = count(headers.get("X-RateLimit-Remaining"))
        if remaining is None:
            return
        reset = window_reset_seconds(headers)  # a bucket believes it within its window
        if limit is None:
            if remaining == 0 and reset and reset <= self.cap(operation):
                await self._backend.pause(key, None, reset)
        elif reset is None:  # a backend written before `reset_in` still works
            await self._backend.learn_remaining(key, limit, remaining, as_of=sent_at)
        else:
            await self._backend.learn_remaining(
                key, limit, remaining, as_of=sent_at, reset_in=reset
            )


def _is_news(said: dict[str, float], key: str, now: float, seconds: float) -> bool:
    """Whether a wait of `seconds` from `now` is news: it begins after the wait last said
    for `key` ended (`said` maps a key to that end). A news one becomes the last said."""
    if now < said.get(key, -math.inf):
        return False
    said[key] = now + seconds
    return True
