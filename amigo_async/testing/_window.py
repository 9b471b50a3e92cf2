"""The fake server's rate-limit counter: a true sliding window per (credential, operation)."""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

__all__ = ["SlidingWindow", "WindowVerdict"]


class WindowVerdict(NamedTuple):
    allowed: bool
    remaining: int
    retry_after: float


class SlidingWindow:
    """At most `requests` accepted arrivals in any closed interval of `seconds`.

    Stricter than most servers on purpose: the window includes its lower bound,
    so a client that sends exactly one window after an earlier send is refused.
    Refused arrivals are not counted (a 429 does not extend the penalty) unless
    `count_refused` is set.
    """

    def __init__(self, requests: int, seconds: float, *, count_refused: bool = False) -> None:
        self.requests = requests
        self.seconds = seconds
        self.count_refused = count_refused
        self._arrivals: deque[float] = deque()
        self.max_seen = 0  # the most arrivals ever found in one window (for assertions)

    def arrive(self, now: float) -> WindowVerdict:
        arrivals = self._arrivals
        horizon = now - self.seconds
        while arrivals and arrivals[0] < horizon:
            arrivals.popleft()
        if len(arrivals) >= self.requests:
            if self.count_refused:
                arrivals.append(now)
            retry_after = max(0.0, arrivals[0] + self.seconds - now)
            return WindowVerdict(False, 0, retry_after)
        arrivals.append(now)
        self.max_seen = max(self.max_seen, len(arrivals))
        reset = arrivals[0] + self.seconds - now
        return WindowVerdict(True, self.requests - len(arrivals), reset)

    @staticmethod
    def header_seconds(seconds: float) -> str:
        """Retry-After is whole seconds in HTTP; round up so it is never too early."""
        return str(max(1, math.ceil(seconds)))
