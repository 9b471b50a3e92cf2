"""Counters a client keeps about its own traffic, for progress reports and benchmarks."""

from __future__ import annotations

import attrs

__all__ = ["ClientStats"]


@attrs.define
class ClientStats:
    """Counters for progress reports, benchmarks and tests."""

    requests_sent: int = 0
    responses: dict[int, int] = attrs.field(factory=dict)
    rate_limited: int = 0  # 429 answers received
    retries: int = 0
    throttled_seconds: float = 0.0  # time spent waiting for a rate-limit token
    sign_ins: int = 0

    def count(self, status: int) -> None:
        self.responses[status] = self.responses.get(status, 0) + 1
