"""Progress of a long job: a one-line bar on a terminal, plain log lines otherwise.

`TerminalProgress` is a `ProgressObserver`: jobs report items (prompt-log
prefixes, scan queries) starting and finishing, and records and bytes as they
arrive; the display adds the client's own counters
(time spent waiting for rate-limit tokens, 429s received). A terminal gets one
line redrawn at most ten times a second; a pipe or a file gets one line per
event plus a heartbeat every `heartbeat_seconds` (driven by `ticking`, so it comes
even while nothing arrives), so a CI log shows what happened and when.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

from ..jobs.observer import ProgressObserver

if TYPE_CHECKING:
    from .._client import ClientStats

__all__ = ["TerminalProgress", "format_bytes", "ticking"]

_BAR_WIDTH = 12
_CURRENT_WIDTH = 28


def format_bytes(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


class TerminalProgress(ProgressObserver):
    """Counts items, records and bytes, and shows them on `stream`.

    `interactive` defaults to whether `stream` is a terminal; `width` to the
    terminal's. Use it as a context manager, or call `close()`, so a terminal line
    ends cleanly.
    """

    def __init__(
        self,
        *,
        total: int | None = None,
        items: str = "items",
        records: str = "records",
        stream: TextIO | None = None,
        stats: ClientStats | None = None,
        interactive: bool | None = None,
        refresh_seconds: float = 0.1,
        heartbeat_seconds: float = 10.0,
        width: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.items = items
        self.records_label = records
        self.stats = stats
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self._refresh = refresh_seconds
        self._heartbeat = heartbeat_seconds
        self._width = width
        self._clock = clock
        self._started = clock()
        self._drawn_at = float("-inf")
        self._logged_at = self._started
        self._line_shown = False
        self.active: dict[str, None] = {}  # insertion-ordered set of running items
        self.done = 0
        self.failed = 0
        self.records = 0
        self.bytes = 0

    # -- events ---------------------------------------------------------------

    def started(self, item: Hashable) -> None:
        self.active[str(item)] = None
        if not self.interactive:
            self._log(f"started {item}")
        self._draw(force=True)

    def advanced(self, item: Hashable, records: int, nbytes: int = 0) -> None:
        self.records += records
        self.bytes += nbytes
        if self.interactive:
            self._draw()
        elif self._clock() - self._logged_at >= self._heartbeat:
            self._log(self._counters())

    def finished(self, item: Hashable, *, ok: bool, detail: str = "") -> None:
        self.active.pop(str(item), None)
        self.done += 1
        self.failed += 0 if ok else 1
        verdict = "done" if ok else "FAILED"
        self.note(f"{verdict} {item}" + (f": {detail}" if detail else ""))

    def note(self, message: str) -> None:
        """A line of its own (a retry, a failure), above the bar on a terminal."""
        if self.interactive:
            self._clear()
            print(message, file=self.stream, flush=True)
            self._draw(force=True)
        else:
            self._log(message)

    def tick(self) -> None:
        """Called every second or so (see `ticking`): a heartbeat line on a pipe when
        one is due, so a long wait still shows; a redraw on a terminal."""
        if self.interactive:
            self._draw()
        elif self._clock() - self._logged_at >= self._heartbeat:
            self._log(self._counters())

    def close(self) -> None:
        if self.interactive:
            self._draw(force=True)
            if self._line_shown:
                print(file=self.stream, flush=True)
                self._line_shown = False
        else:
            self._log(f"finished: {self._counters()}")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- rendering ------------------------------------------------------------

    def _counters(self) -> str:
        """The figures, " | "-separated: items done, `_figures`, failures and limiter waits."""
        done = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        parts = [f"{done} {self.items}", *self._figures()]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.stats is not None:
            parts.append(f"rate-limit waits {self.stats.throttled_seconds:.1f}s")
            if self.stats.rate_limited:
                parts.append(f"{self.stats.rate_limited} x 429")
        return " | ".join(parts)

    def _figures(self) -> list[str]:
        """What the work has produced so far; subclasses show their own units."""
        elapsed = max(self._clock() - self._started, 1e-9)
        return [
            f"{self.records:,} {self.records_label}",
            f"{format_bytes(self.bytes)} ({format_bytes(self.bytes / elapsed)}/s)",
        ]

    def _current(self) -> str:
        """The latest item started, shortened, and how many others run with it."""
        if not self.active:
            return ""
        current = next(reversed(self.active))
        if len(current) > _CURRENT_WIDTH:
            current = current[: _CURRENT_WIDTH - 3] + "..."
        more = len(self.active) - 1
        return f"now {current}" + (f" (+{more})" if more else "")

    def _bar(self) -> str:
        if not self.total:
            return ""
        filled = round(_BAR_WIDTH * min(self.done / self.total, 1.0))
        return "[" + "#" * filled + "-" * (_BAR_WIDTH - filled) + "] "

    def _draw(self, *, force: bool = False) -> None:
        if not self.interactive:
            return
        now = self._clock()
        if not force and now - self._drawn_at < self._refresh:
            return
        self._drawn_at = now
        items, separator, figures = self._counters().partition(" | ")
        current = self._current()
        line = self._bar() + items + (f" | {current}" if current else "") + separator + figures
        width = (self._width or shutil.get_terminal_size((100, 24)).columns) - 1
        if len(line) > width:
            line = line[: max(width - 3, 0)] + "..."
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._line_shown = True

    def _clear(self) -> None:
        if self._line_shown:
            self.stream.write("\r\x1b[K")
            self._line_shown = False

    def _log(self, message: str) -> None:
        self._logged_at = self._clock()
        stamp = time.strftime("%H:%M:%S")
        print(f"{stamp} {message}", file=self.stream, flush=True)


@asynccontextmanager
async def ticking(progress: TerminalProgress, every: float = 1.0) -> AsyncIterator[None]:
    """Call ``progress.tick()`` every `every` seconds while the block runs, so a pipe
    gets its heartbeat even when no event arrives (a prefix waiting on the limiter)."""

    import asyncio  # not for building the parser (see amigo_async.cli)

    async def tick_forever() -> None:
        while True:
            await asyncio.sleep(every)
            progress.tick()

    task = asyncio.create_task(tick_forever())
    try:
        yield
    finally:
        task.cancel()  # not awaited: a cancellation of the block itself must go on
