"""Fault injection for the fake server: what can go wrong with a real one."""

from __future__ import annotations

import enum
from collections import defaultdict, deque

import attrs

__all__ = ["Fault", "FaultKind", "FaultPlan"]


class FaultKind(enum.Enum):
    STATUS = "status"  # answer this status instead (503 by default)
    TRUNCATE = "truncate"  # send the first `at_byte` body bytes, then end the response cleanly
    RESET = "reset"  # send the first `at_byte` body bytes, then drop the connection
    SLOW = "slow"  # sleep `delay` seconds before every body chunk
    # Event streams (create/interact-with-conversation): faults counted in events, not bytes.
    CUT_AFTER_EVENTS = "cut-after-events"  # send `events` whole events, then end cleanly
    CUT_MID_LINE = "cut-mid-line"  # send `events` whole events and half the next line, then end
    ERROR_EVENT = "error-event"  # an `error` event (`status`) replaces interaction-complete,
    #                              or follows it when `after_complete`


@attrs.frozen
class Fault:
    kind: FaultKind
    status: int = 503
    at_byte: int = 0
    delay: float = 0.0
    retry_after: float | None = None
    events: int = 0
    after_complete: bool = False

    @classmethod
    def status_code(cls, status: int = 503, *, retry_after: float | None = None) -> Fault:
        return cls(FaultKind.STATUS, status=status, retry_after=retry_after)

    @classmethod
    def truncate(cls, at_byte: int) -> Fault:
        return cls(FaultKind.TRUNCATE, at_byte=at_byte)

    @classmethod
    def reset(cls, at_byte: int) -> Fault:
        return cls(FaultKind.RESET, at_byte=at_byte)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        return cls(FaultKind.SLOW, delay=delay)

    @classmethod
    def cut_after_events(cls, events: int) -> Fault:
        return cls(FaultKind.CUT_AFTER_EVENTS, events=events)

    @classmethod
    def cut_mid_line(cls, events: int) -> Fault:
        return cls(FaultKind.CUT_MID_LINE, events=events)

    @classmethod
    def error_event(cls, status: int = 500, *, after_complete: bool = False) -> Fault:
        """Before interaction-complete the interaction is void; after it, only the
        post-processing failed (the snapshot's `ErrorEvent` description)."""
        return cls(FaultKind.ERROR_EVENT, status=status, after_complete=after_complete)

    @property
    def in_events(self) -> bool:
        """A fault the event-stream handlers apply (the server's byte writer ignores it)."""
        return self.kind in _EVENT_KINDS


_EVENT_KINDS = frozenset(
    {FaultKind.CUT_AFTER_EVENTS, FaultKind.CUT_MID_LINE, FaultKind.ERROR_EVENT}
)


class FaultPlan:
    """Faults queued per operation id, each used by one request in arrival order."""

    def __init__(self) -> None:
        self._queued: defaultdict[str, deque[Fault]] = defaultdict(deque)

    def add(self, operation_id: str, fault: Fault, times: int = 1) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        self._queued[operation_id].extend([fault] * times)

    def take(self, operation_id: str) -> Fault | None:
        queue = self._queued.get(operation_id)
        return queue.popleft() if queue else None

    def clear(self) -> None:
        self._queued.clear()
