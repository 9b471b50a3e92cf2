"""The bulk prompt-log export: many prefixes into one directory, resumable.

Layout of the output directory, by format::

    DIR/_manifest.jsonl                   one JSON line per finished prefix
    DIR/<prefix>/<log key>.<kind>.json    files: one JSON document per entry
    DIR/<prefix>.jsonl                    jsonl: the same documents, one per line
    DIR/<prefix>.parquet                  parquet: one row per message

Names are safe for any prefix or log key (see `amigo_async.jobs._files`). An
archive's output is staged and published only after the archive's completeness
check (see `amigo_async.jobs._sinks`), so the directory never holds an entry the
archive's own directory disproves. The manifest records each prefix as
``completed``, ``empty`` (the server's 404: no log under it in the past 30 days)
or ``failed``; ``resume`` skips the completed and empty ones. A run without
``resume`` starts a fresh manifest.

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
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs

from .. import errors
from ..prompt_logs import (
    DEFAULT_MAX_ENTRY_SIZE,
    PromptLogEntry,
    check_max_entry_size,
    check_prefix,
)
from ._files import MANIFEST_NAME, Manifest, published_files, safe_file_name, tidy
from ._sinks import FORMATS, ExportFormat, Sink, open_sink, output_path, require_pyarrow
from .observer import ProgressObserver

if TYPE_CHECKING:
    from .._client import AmigoClient

__all__ = [
    "EMPTY_DETAIL",
    "FORMATS",
    "MANIFEST_NAME",
    "ExportFormat",
    "ExportSummary",
    "PrefixResult",
    "export_prompt_logs",
    "safe_file_name",
]

logger = logging.getLogger("amigo_async.export")

EMPTY_DETAIL = "empty: no prompt log matches this prefix in the past 30 days"
"""The `detail` an observer's ``finished`` receives for an empty prefix."""

_THREAD_WRITE_BYTES = 1024 * 1024  # larger entries are written off the event loop
_RETRIED = (errors.TruncatedStreamError, errors.TransportError)
"""What another attempt may cure; every other error fails the prefix at once."""
_DONE = ("completed", "empty")
"""Manifest statuses that `resume` skips."""

_T = TypeVar("_T")
Status = Literal["completed", "empty", "skipped", "failed"]


@attrs.frozen
class PrefixResult:
    """What became of one prefix.

    `path` is relative to the output directory: the prefix's directory of files,
    or its ``.jsonl``/``.parquet`` file; empty for an empty prefix. `disproved`
    counts entries that arrived but that the archive's directory disproved:
    they were not kept. For a failed prefix `entries` counts the entry files it
    left on disk (format ``files`` keeps each entry that arrived whole and was
    not disproved; a failed ``.jsonl``/``.parquet`` file is discarded: 0).
    """

    prefix: str
    status: Status
    path: str = ""
    entries: int = 0
    bytes: int = 0
    kinds: dict[str, int] = attrs.field(factory=dict)
    invalid_utf8: int = 0
    attempts: int = 0
    error: str | None = None
    disproved: int = 0


@attrs.frozen
class ExportSummary:
    out_dir: Path
    results: tuple[PrefixResult, ...]
    format: ExportFormat = "files"

    @property
    def ok(self) -> bool:
        """True when no prefix failed: each completed or was empty, now or in an
        earlier (resumed) run."""
        return all(result.status != "failed" for result in self.results)

    def with_status(self, status: Status) -> list[PrefixResult]:
        return [result for result in self.results if result.status == status]

    @property
    def entries(self) -> int:
        return sum(result.entries for result in self.with_status("completed"))

    @property
    def bytes(self) -> int:
        return sum(result.bytes for result in self.with_status("completed"))


# -- the job ----------------------------------------------------------------------


@attrs.define
class _Tally:
    """What an attempt has kept of a prefix so far."""

    kinds: Counter[str] = attrs.field(factory=Counter)
    size: int = 0
    invalid: int = 0

    @property
    def entries(self) -> int:
        return sum(self.kinds.values())

    def count(self, entry: PromptLogEntry) -> None:
        self.kinds[entry.kind.value] += 1
        self.size += entry.size
        self.invalid += entry.invalid_utf8


@attrs.define
class _Job:
    client: AmigoClient
    out_dir: Path
    format: ExportFormat
    manifest: Manifest
    observer: ProgressObserver | None
    max_attempts: int
    retry_delay: float
    max_entry_size: int
    exported_at: datetime
    writer: ThreadPoolExecutor
    """The one thread that writes the output: a library like pyarrow keeps buffers per
    thread, so one thread keeps memory bounded whatever the concurrency."""

    async def run(self, prefix: str) -> PrefixResult:
        """Export one prefix, retrying what another attempt may cure; never raises an API error."""
        attempt = disproved = 0
        while True:
            attempt += 1
            if self.observer is not None:
                self.observer.started(prefix)
            try:
                result = await self._attempt(prefix, attempt)
            except errors.NotFoundError:
                result = PrefixResult(prefix, "empty", attempts=attempt)
                break
            except _RETRIED as error:
                disproved += len(getattr(error, "disproved", ()))
                failure = _explain(error)
                if attempt < self.max_attempts:
                    self._note(f"{prefix}: {failure}; retrying ({attempt}/{self.max_attempts})")
                    await asyncio.sleep(self.retry_delay * attempt)
                    continue
            except (errors.AmigoError, OSError, ValueError) as error:
                failure = _explain(error)
            else:
                break
            path = output_path(self.format, prefix)
            kept = await self._kept(path)
            result = PrefixResult(
                prefix, "failed", path, entries=kept, attempts=attempt, error=failure
            )
            break
        result = await self._record(attrs.evolve(result, disproved=disproved))
        self._finish(result)
        return result

    async def _attempt(self, prefix: str, attempt: int) -> PrefixResult:
        tally = _Tally()
        sink = await self._receive(prefix, tally)
        if sink is None:  # a complete archive without entries
            sink = await self._off_loop(self._open, prefix)
        await self._off_loop(sink.commit)
        return PrefixResult(
            prefix,
            "completed",
            output_path(self.format, prefix),
            entries=tally.entries,
            bytes=tally.size,
            kinds=dict(tally.kinds),
            invalid_utf8=tally.invalid,
            attempts=attempt,
        )

    async def _receive(self, prefix: str, tally: _Tally) -> Sink | None:
        """Hand each entry of the prefix's archive to a sink opened with the first one
        (None when there is none: an empty prefix writes nothing).

        A method of its own so that the last entry (three copies of a file: its bytes,
        text and messages) is not kept alive while the commit waits for the writer
        thread: about 1.5 MB of peak RSS for a 1 GB export at 4 prefixes at once
        (benchmarks/bench_export_memory.py).
        """
        sink: Sink | None = None
        entries = self.client.admin.stream_prompt_logs(prefix, max_entry_size=self.max_entry_size)
        try:
            async for entry in entries:
                if sink is None:
                    sink = await self._off_loop(self._open, prefix)
                # Small entries are written in place: a thread hand-off would cost more.
                if entry.size > _THREAD_WRITE_BYTES:
                    await self._off_loop(sink.add, entry)
                else:
                    sink.add(entry)
                if sink.flush_due:
                    await self._off_loop(sink.flush)
                tally.count(entry)
                if self.observer is not None:
                    self.observer.advanced(prefix, 1, entry.size)
        except BaseException as error:
            await entries.aclose()
            if sink is not None:  # after any write still running, even when cancelled
                self.writer.submit(_abandon, sink, getattr(error, "disproved", ()))
            if self.observer is not None:  # the display counts only what a prefix keeps
                self.observer.advanced(prefix, -tally.entries, -tally.size)
            raise
        return sink

    async def _kept(self, path: str) -> int:
        """The entries a failed prefix left on disk: with ``files`` every whole entry that
        no directory disproved stays (a failed jsonl/parquet file is discarded). Counted
        on the writer thread, so after the attempt's abandon has run."""
        if self.format != "files":
            return 0
        return await self._off_loop(published_files, self.out_dir / path)

    async def _off_loop(self, function: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self.writer, function, *args)

    def _open(self, prefix: str) -> Sink:
        return open_sink(self.format, self.out_dir, prefix, self.exported_at)

    async def _record(self, result: PrefixResult) -> PrefixResult:
        """Append the result to the manifest; a manifest that cannot be written fails it."""
        try:
            await asyncio.to_thread(self.manifest.append, _record(result, self.format))
        except OSError as error:
            return attrs.evolve(result, status="failed", error=f"manifest not written: {error}")
        return result

    def _note(self, message: str) -> None:
        if self.observer is not None:
            self.observer.note(message)
        else:
            logger.warning("%s", message)

    def _finish(self, result: PrefixResult) -> None:
        if self.observer is None:
            return
        if result.status == "empty":
            self.observer.finished(result.prefix, ok=True, detail=EMPTY_DETAIL)
        elif result.status == "failed":
            self.observer.finished(result.prefix, ok=False, detail=result.error or "")
        else:
            self.observer.finished(result.prefix, ok=True, detail=f"{result.entries} entries")


def _abandon(sink: Sink, disproved: Collection[str]) -> None:
    with contextlib.suppress(OSError):  # the error that ended the attempt is the one to report
        sink.abandon(disproved)


def _explain(error: BaseException) -> str:
    if isinstance(error, errors.TruncatedStreamError):
        return (
            f"archive incomplete after {error.entries_delivered} entries and "
            f"{error.bytes_received:,} bytes ({error.message})"
        )
    if isinstance(error, errors.UnprocessableEntityError):
        detail = error.body_excerpt or error.message
        return f"the server rejected the prefix (422; at most 1000 logs a prefix): {detail}"
    return f"{type(error).__name__}: {error}"


def _record(result: PrefixResult, export_format: ExportFormat) -> dict[str, Any]:
    record = {
        "prefix": result.prefix,
        "status": result.status,
        "format": export_format,
        "path": result.path,
        "entries": result.entries,
        "bytes": result.bytes,
        "kinds": result.kinds,
        "invalid_utf8": result.invalid_utf8,
        "attempts": result.attempts,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if result.disproved:
        record["disproved"] = result.disproved
    if result.error is not None:
        record["error"] = result.error
    return record


def _check_prefixes(prefixes: Iterable[str]) -> list[str]:
    if isinstance(prefixes, str):
        raise TypeError("prefixes must be a list of strings, not one string")
    unique = list(dict.fromkeys(check_prefix(prefix) for prefix in prefixes))
    if not unique:
        raise ValueError("give at least one prefix")
    return unique


def _check_options(export_format: str, concurrency: int, max_attempts: int) -> None:
    if export_format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {export_format!r}")
    for name, value in (("concurrency", concurrency), ("max_attempts", max_attempts)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1")
    if export_format == "parquet":
        require_pyarrow()


def _open_output(root: Path, manifest: Manifest, resume: bool) -> dict[str, dict[str, Any]]:
    """Create the output directory, drop an interrupted run's temporary files and
    open the manifest; raises `OSError` when the directory cannot be written."""
    if root.exists() and not root.is_dir():
        raise NotADirectoryError(f"{root} exists and is not a directory")
    done = manifest.open(resume)
    tidy(root)
    return done


async def export_prompt_logs(
    client: AmigoClient,
    prefixes: Iterable[str],
    out_dir: str | os.PathLike[str],
    *,
    format: ExportFormat = "files",
    resume: bool = False,
    concurrency: int = 4,
    max_attempts: int = 3,
    retry_delay: float = 1.0,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
    observer: ProgressObserver | None = None,
) -> ExportSummary:
    """Export every prefix's prompt logs into `out_dir` in `format` (``files``,
    ``jsonl`` or ``parquet``; see the module's documentation for the layout).

    Up to `concurrency` prefixes download at once; the client's limiter keeps them
    inside get-prompt-logs' documented rate. A prefix the server has no logs for
    (404) is *empty*, not failed. An incomplete archive or a failed connection is
    retried up to `max_attempts` times in all; other errors (an unreadable answer
    included) fail the prefix at once. With `resume`, prefixes the manifest lists
    as completed or empty in the same format are skipped; without it the manifest
    starts afresh. `observer` hears each prefix start, advance by entry and
    finish (`EMPTY_DETAIL` for an empty one). Cancelling the task leaves the
    directory consistent: the manifest lists only whole prefixes.

    Raises `ValueError` for bad arguments or an empty `out_dir`, `ImportError`
    for ``parquet`` without pyarrow (the ``parquet`` extra) and `OSError` when
    `out_dir` cannot be created or written, all before any request.
    """
    unique = _check_prefixes(prefixes)
    check_max_entry_size(max_entry_size)
    _check_options(format, concurrency, max_attempts)
    if os.fspath(out_dir) == "":
        raise ValueError("out_dir is empty: give a directory")
    root = Path(out_dir)
    manifest = Manifest(root / MANIFEST_NAME)
    records = await asyncio.to_thread(_open_output, root, manifest, resume)
    job = _Job(
        client=client,
        out_dir=root,
        format=format,
        manifest=manifest,
        observer=observer,
        max_attempts=max_attempts,
        retry_delay=retry_delay,
        max_entry_size=max_entry_size,
        exported_at=datetime.now(UTC).replace(microsecond=0),
        writer=ThreadPoolExecutor(1, thread_name_prefix="amigo-export-writer"),
    )
    slots = asyncio.Semaphore(concurrency)
    results: dict[str, PrefixResult] = {}

    async def one(prefix: str) -> None:
        async with slots:
            results[prefix] = await job.run(prefix)

    with job.writer:
        async with asyncio.TaskGroup() as group:
            for prefix in unique:
                record = records.get(prefix)
                if record is not None and _done_before(record, format, root):
                    results[prefix] = _skipped(record)
                    if observer is not None:
                        observer.finished(prefix, ok=True, detail="already in the manifest")
                else:
                    group.create_task(one(prefix))
    return ExportSummary(root, tuple(results[prefix] for prefix in unique), format)


def _done_before(record: dict[str, Any], export_format: ExportFormat, root: Path) -> bool:
    """Whether the manifest says so and, for a completed prefix, its output is still there
    (an output deleted since, or a path leading out of `root`, is exported again)."""
    status = record.get("status", "completed")
    if status not in _DONE or record.get("format") != export_format:
        return False
    if status == "empty":
        return True
    path = Path(record.get("path", ""))
    inside = bool(path.parts) and not path.is_absolute() and ".." not in path.parts
    return inside and (root / path).exists()


def _skipped(record: dict[str, Any]) -> PrefixResult:
    return PrefixResult(
        record["prefix"],
        "skipped",
        str(record.get("path", "")),
        entries=int(record.get("entries", 0)),
        bytes=int(record.get("bytes", 0)),
        kinds=dict(record.get("kinds", {})),
        invalid_utf8=int(record.get("invalid_utf8", 0)),
        attempts=int(record.get("attempts", 0)),
    )
