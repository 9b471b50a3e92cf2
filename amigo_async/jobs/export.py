"""The bulk prompt-log export: many prefixes into one directory, resumable.

Layout of the output directory::

    DIR/manifest.jsonl                 one JSON line per completed prefix
    DIR/logs/<prefix>/<file name>      one file per entry, e.g. "<log key>-history"

Files are written atomically under safe names (see `amigo_async.jobs._files`). A
prefix is recorded in the manifest only after its archive proved complete, which
is what ``resume`` relies on: an interrupted run leaves finished files and stray
``.part`` files, both replaced when the prefix runs again.

Which failures are retried: an archive cut short (`TruncatedStreamError`) and a
connection that failed (`TransportError`) may succeed on another attempt. An
answer that cannot be read (`InvalidResponseError`: an unsupported or encrypted
member, an entry over the size cap), a status error or a local file error will
not: the prefix fails at once, recorded in the summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .. import errors
from ..prompt_logs import DEFAULT_MAX_ENTRY_SIZE, check_max_entry_size, check_prefix
from ._files import FileNames, Manifest, prepare_directory, safe_file_name, tidy, write_file
from .observer import ProgressObserver

if TYPE_CHECKING:
    from .._client import AmigoClient

__all__ = [
    "LOGS_DIRECTORY",
    "MANIFEST_NAME",
    "ExportSummary",
    "PrefixResult",
    "export_prompt_logs",
    "safe_file_name",
]

logger = logging.getLogger("amigo_async.export")

MANIFEST_NAME = "manifest.jsonl"
LOGS_DIRECTORY = "logs"

_THREAD_WRITE_BYTES = 1024 * 1024  # larger files are written off the event loop
_RETRIED = (errors.TruncatedStreamError, errors.TransportError)
"""What another attempt may cure; every other error fails the prefix at once."""


@attrs.frozen
class PrefixResult:
    """What became of one prefix."""

    prefix: str
    status: Literal["completed", "skipped", "failed"]
    directory: str  # relative to the output directory
    entries: int = 0
    bytes: int = 0
    kinds: dict[str, int] = attrs.field(factory=dict)
    invalid_utf8: int = 0
    attempts: int = 0
    error: str | None = None


@attrs.frozen
class ExportSummary:
    out_dir: Path
    results: tuple[PrefixResult, ...]

    @property
    def ok(self) -> bool:
        """True when every prefix completed now or in an earlier (resumed) run."""
        return all(result.status != "failed" for result in self.results)

    def with_status(self, status: str) -> list[PrefixResult]:
        return [result for result in self.results if result.status == status]

    @property
    def entries(self) -> int:
        return sum(result.entries for result in self.with_status("completed"))

    @property
    def bytes(self) -> int:
        return sum(result.bytes for result in self.with_status("completed"))


# -- the job ----------------------------------------------------------------------


@attrs.define
class _Job:
    client: AmigoClient
    out_dir: Path
    manifest: Manifest
    observer: ProgressObserver | None
    max_attempts: int
    retry_delay: float
    max_entry_size: int

    async def run(self, prefix: str) -> PrefixResult:
        """Export one prefix, retrying what another attempt may cure; never raises an API error."""
        relative = Path(LOGS_DIRECTORY) / safe_file_name(prefix)
        attempt = 0
        while True:
            attempt += 1
            if self.observer is not None:
                self.observer.started(prefix)
            try:
                result = await self._attempt(prefix, relative, attempt)
            except _RETRIED as error:
                failure = _explain(error)
                if attempt < self.max_attempts:
                    self._note(f"{prefix}: {failure}; retrying ({attempt}/{self.max_attempts})")
                    await asyncio.sleep(self.retry_delay * attempt)
                    continue
            except (errors.AmigoError, OSError, ValueError) as error:
                failure = _explain(error)
            else:
                await asyncio.to_thread(self.manifest.append, _record(result))
                self._finish(prefix, True, f"{result.entries} entries")
                return result
            self._finish(prefix, False, failure)
            return PrefixResult(prefix, "failed", str(relative), attempts=attempt, error=failure)

    async def _attempt(self, prefix: str, relative: Path, attempt: int) -> PrefixResult:
        directory = await asyncio.to_thread(prepare_directory, self.out_dir, relative)
        names = FileNames()
        kinds: Counter[str] = Counter()
        size = invalid = 0
        entries = self.client.admin.stream_prompt_logs(prefix, max_entry_size=self.max_entry_size)
        try:
            async with contextlib.aclosing(entries):
                async for entry in entries:
                    name = names.allocate(entry.file_name)
                    data = entry.data  # the bytes as sent: nothing replaced, nothing lost
                    # Small files are written in place: a thread hand-off would cost more.
                    if len(data) > _THREAD_WRITE_BYTES:
                        await asyncio.to_thread(write_file, directory, name, data)
                    else:
                        write_file(directory, name, data)
                    kinds[entry.kind.value] += 1
                    size += entry.size
                    invalid += entry.invalid_utf8
                    if self.observer is not None:
                        self.observer.advanced(prefix, 1, entry.size)
        except BaseException:
            if self.observer is not None:  # the display counts only what a prefix keeps
                self.observer.advanced(prefix, -sum(kinds.values()), -size)
            raise
        await asyncio.to_thread(tidy, directory, names.allocated)
        return PrefixResult(
            prefix,
            "completed",
            relative.as_posix(),
            entries=sum(kinds.values()),
            bytes=size,
            kinds=dict(kinds),
            invalid_utf8=invalid,
            attempts=attempt,
        )

    def _note(self, message: str) -> None:
        if self.observer is not None:
            self.observer.note(message)
        else:
            logger.warning("%s", message)

    def _finish(self, prefix: str, ok: bool, detail: str) -> None:
        if self.observer is not None:
            self.observer.finished(prefix, ok=ok, detail=detail)


def _explain(error: BaseException) -> str:
    if isinstance(error, errors.TruncatedStreamError):
        return (
            f"archive incomplete after {error.entries_delivered} entries and "
            f"{error.bytes_received:,} bytes ({error.message})"
        )
    if isinstance(error, errors.NotFoundError):
        return "no prompt log matches this prefix in the past 30 days (404)"
    if isinstance(error, errors.UnprocessableEntityError):
        detail = error.body_excerpt or error.message
        return f"the server rejected the prefix (422; at most 1000 logs a prefix): {detail}"
    return f"{type(error).__name__}: {error}"


def _record(result: PrefixResult) -> dict[str, Any]:
    return {
        "prefix": result.prefix,
        "directory": result.directory,
        "entries": result.entries,
        "bytes": result.bytes,
        "kinds": result.kinds,
        "invalid_utf8": result.invalid_utf8,
        "attempts": result.attempts,
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _check_prefixes(prefixes: Iterable[str]) -> list[str]:
    if isinstance(prefixes, str):
        raise TypeError("prefixes must be a list of strings, not one string")
    unique = list(dict.fromkeys(check_prefix(prefix) for prefix in prefixes))
    if not unique:
        raise ValueError("give at least one prefix")
    return unique


async def export_prompt_logs(
    client: AmigoClient,
    prefixes: Iterable[str],
    out_dir: str | os.PathLike[str],
    *,
    resume: bool = False,
    concurrency: int = 4,
    max_attempts: int = 3,
    retry_delay: float = 1.0,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
    observer: ProgressObserver | None = None,
) -> ExportSummary:
    """Export every prefix's prompt logs into `out_dir`, one file per entry.

    Up to `concurrency` prefixes download at once; the client's limiter keeps them
    inside get-prompt-logs' documented rate. An incomplete archive or a failed
    connection is retried up to `max_attempts` times in all; other errors (an
    unreadable answer included) fail the prefix at once. With `resume`, prefixes
    already in the manifest are skipped. `observer` hears each prefix start,
    advance by entry and finish. Cancelling the task leaves the directory
    consistent: the manifest lists only whole prefixes.
    """
    unique = _check_prefixes(prefixes)
    check_max_entry_size(max_entry_size)
    for name, value in (("concurrency", concurrency), ("max_attempts", max_attempts)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1")
    root = Path(out_dir)
    manifest = Manifest(root / MANIFEST_NAME)
    done = await asyncio.to_thread(manifest.open, resume)
    job = _Job(client, root, manifest, observer, max_attempts, retry_delay, max_entry_size)
    slots = asyncio.Semaphore(concurrency)
    results: dict[str, PrefixResult] = {}

    async def one(prefix: str) -> None:
        async with slots:
            results[prefix] = await job.run(prefix)

    async with asyncio.TaskGroup() as group:
        for prefix in unique:
            if prefix in done:
                results[prefix] = _skipped(done[prefix])
                if observer is not None:
                    observer.finished(prefix, ok=True, detail="already in the manifest")
            else:
                group.create_task(one(prefix))
    return ExportSummary(root, tuple(results[prefix] for prefix in unique))


def _skipped(record: dict[str, Any]) -> PrefixResult:
    return PrefixResult(
        record["prefix"],
        "skipped",
        str(record.get("directory", "")),
        entries=int(record.get("entries", 0)),
        bytes=int(record.get("bytes", 0)),
        kinds=dict(record.get("kinds", {})),
        invalid_utf8=int(record.get("invalid_utf8", 0)),
        attempts=int(record.get("attempts", 0)),
    )
