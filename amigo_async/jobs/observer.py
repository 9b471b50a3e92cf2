"""The one progress observer protocol of the long jobs (export, scan).

A job works through items (an export's prefixes, a scan's queries) and tells an
observer as each starts, advances and finishes. The terminal bar of the
``amigo-async`` command is one observer; a web UI or a metrics exporter can be
another. Observers are called on the event loop, between awaits: they must not
block, and an observer that raises ends the job with its own error.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Protocol, runtime_checkable

__all__ = ["ProgressObserver"]


@runtime_checkable
class ProgressObserver(Protocol):
    """Told about each item of a job; ``str(item)`` names it for display.

    Subclass it explicitly to inherit do-nothing methods and override only what
    you need, or implement the four methods on any class (structural typing).
    """

    def started(self, item: Hashable) -> None:
        """Work on `item` began, or began again for another attempt."""
        return None

    def advanced(self, item: Hashable, records: int, nbytes: int = 0) -> None:
        """`records` records (export entries, scan invocations) and `nbytes` bytes arrived
        for `item` in one step (an entry written, a page received).

        Negative figures withdraw what a failed attempt had counted, so running
        totals only ever count what the job keeps.
        """
        return None

    def finished(self, item: Hashable, *, ok: bool, detail: str = "") -> None:
        """`item` is done: `ok` false when it failed, `detail` says why or what it gave."""
        return None

    def note(self, message: str) -> None:
        """A remark worth a line of its own (an attempt about to be retried)."""
        return None
