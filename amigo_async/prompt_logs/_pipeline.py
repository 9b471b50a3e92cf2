"""The pipeline: bytes -> zip members (`_members`) -> entries, then the check (`_directory`).

`iter_entries` drives it from an iterable, `stream_entries` from an async one; both
push each chunk through the same steps, which never wait for bytes, so the async
stream runs on the event loop with no thread, no lock and no hand-off, and both
paths accept exactly the same archives.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from .. import errors
from ._damage import Damaged
from ._directory import Arrived, Steps, check_directory
from ._entry import PromptLogEntry, entry_from_file, kind_of
from ._limits import DEFAULT_MAX_ENTRY_SIZE, DEFAULT_MAX_RATIO, DEFAULT_MAX_TOTAL_SIZE, Limits
from ._members import MemberReader


class _Pipeline:
    """One archive's state; `push` never raises, so entries that arrived whole in the
    same chunk as a defect are handed out before the error (`raise_failure`)."""

    def __init__(self, limits: Limits) -> None:
        self._reader = MemberReader(limits)
        self._arrived: list[Arrived] = []
        self._names: list[str] = []  # the delivered entries' file names, in order
        self._failure: errors.AmigoError | None = None

    def push(self, chunk: bytes) -> list[PromptLogEntry]:
        reader = self._reader
        try:
            reader.feed(chunk)
        except Damaged as damaged:
            self._failure = self._truncated(str(damaged))
        except errors.InvalidResponseError as invalid:
            self._failure = invalid
        if not reader.ready:
            return []
        entries = []
        for member in reader.ready:
            self._arrived.append((member.raw_name, member.crc, len(member.data), member.offset))
            self._names.append(member.name)
            entries.append(entry_from_file(member.name, member.data, member.modified_at))
        reader.ready.clear()
        return entries

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def source_failed(self, failure: errors.AmigoError) -> errors.TruncatedStreamError:
        """The download's failure, counted; a time bound that was hit stays named by its class."""
        bound = failure.bound if isinstance(failure, errors.StreamTimeoutError) else None
        return self._truncated(f"the download stopped: {failure}", bound=bound)

    def finish(self) -> Steps:
        """At the end of the bytes: raise unless the archive is complete and consistent.
        A generator: it pauses now and then while it reads a large directory."""
        try:
            yield from check_directory(*self._reader.end()[::-1], self._arrived)
        except Damaged as damaged:
            disproved = tuple(self._names[index] for index in damaged.disproved)
            raise self._truncated(str(damaged), disproved) from None

    def _truncated(
        self, reason: str, disproved: tuple[str, ...] = (), *, bound: str | None = None
    ) -> errors.TruncatedStreamError:
        name = self._reader.last_name
        message = f"prompt-log archive incomplete: {reason}"
        counts: dict[str, Any] = {
            "entries_delivered": self._reader.delivered,
            "bytes_received": self._reader.received,
            "last_log_key": None if name is None else errors.sanitize(kind_of(name)[1]),
            "disproved": disproved,
        }
        if bound is not None:
            return errors.StreamTimeoutError(message, bound=bound, **counts)
        return errors.TruncatedStreamError(message, **counts)


def iter_entries(
    chunks: Iterable[bytes],
    *,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
    max_total_size: int = DEFAULT_MAX_TOTAL_SIZE,
    max_ratio: int = DEFAULT_MAX_RATIO,
) -> Iterator[PromptLogEntry]:
    """Entries of a prompt-log zip, each as soon as it is whole, then the completeness check.

    Raises `TruncatedStreamError` (after yielding every whole entry) when the bytes
    are not a complete, consistent zip or the source failed with an `AmigoError`;
    its `disproved` names the yielded entries the central directory contradicts,
    and `InvalidResponseError` (also after every whole entry) when the body is not a
    zip, a file is over `max_entry_size`, the archive decompresses to more than
    `max_total_size` or more than `max_ratio` to 1, or a file uses a zip feature
    (encryption, an unknown compression) a prompt-log archive never uses.
    """
    pipeline = _Pipeline(Limits.checked(max_entry_size, max_total_size, max_ratio))
    source = iter(chunks)
    while True:
        try:
            chunk = next(source)
        except StopIteration:
            break
        except errors.AmigoError as failure:
            raise pipeline.source_failed(failure) from failure
        if chunk:
            yield from pipeline.push(chunk)
            pipeline.raise_failure()
    for _ in pipeline.finish():
        pass


async def stream_entries(
    chunks: AsyncIterable[bytes],
    *,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
    max_total_size: int = DEFAULT_MAX_TOTAL_SIZE,
    max_ratio: int = DEFAULT_MAX_RATIO,
) -> AsyncIterator[PromptLogEntry]:
    """`iter_entries` over an async byte source, each entry as soon as its bytes arrived.

    Each chunk is parsed on the event loop as it arrives (a 64 KiB chunk in well
    under a millisecond). The next chunk is asked for only when the consumer wants
    the next entry, so a slow consumer pauses the download. Leaving the loop early
    closes the source; use ``contextlib.aclosing`` to do so at once rather than when
    the generator is garbage-collected.
    """
    pipeline = _Pipeline(Limits.checked(max_entry_size, max_total_size, max_ratio))
    source = aiter(chunks)
    try:
        while True:
            try:
                chunk = await anext(source)
            except StopAsyncIteration:
                break
            except errors.AmigoError as failure:
                raise pipeline.source_failed(failure) from failure
            if chunk:
                for entry in pipeline.push(chunk):
                    yield entry
                pipeline.raise_failure()
        for _ in pipeline.finish():
            await asyncio.sleep(0)  # a large directory is checked in pieces
    finally:
        close = getattr(source, "aclose", None)
        if close is not None:
            await close()
