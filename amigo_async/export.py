"""The bulk prompt-log export: many prefixes into one directory, resumable.

Layout of the output directory::

    DIR/manifest.jsonl                 one JSON line per completed prefix
    DIR/logs/<prefix>/<file name>      one file per entry, e.g. "<log key>-history"

Every file is written under a temporary name (``.<name>.<random>.part``) and
renamed when complete, so a final name never holds a partial file. Prefixes and
file names are percent-encoded (`safe_file_name`), so a log key holding ``/``,
``..``, an absolute path or NUL can never write outside DIR. A prefix is recorded
in the manifest only after its archive proved complete, which is what ``--resume``
relies on: an interrupted run leaves finished files and stray ``.part`` files,
both replaced when the prefix runs again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import string
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from . import cli, errors
from ._progress import Progress, format_bytes
from .prompt_logs import DEFAULT_MAX_ENTRY_SIZE, check_max_entry_size, check_prefix

if TYPE_CHECKING:
    from ._client import AmigoClient
    from .testing import FakeAmigoServer

__all__ = ["ExportSummary", "PrefixResult", "export_prompt_logs", "safe_file_name"]

logger = logging.getLogger("amigo_async.export")

MANIFEST_NAME = "manifest.jsonl"
LOGS_DIRECTORY = "logs"

_SAFE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_.")
_MAX_NAME = 160  # leaves room for the temporary name's prefix and suffix within 255 bytes
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)]
)
_THREAD_WRITE_BYTES = 1024 * 1024  # larger files are written off the event loop


def safe_file_name(name: str) -> str:
    """A file name that is always one plain entry inside its directory.

    Characters other than ASCII letters, digits, ``-``, ``_`` and ``.`` become
    ``%XX`` (UTF-8), as does a leading or trailing dot and a Windows device name;
    ``/``, ``\\``, NUL, ``..`` and absolute paths thus never survive. The mapping is
    one-to-one except for names too long for a file system (or empty), which keep
    a readable head and gain a hash of the whole name after a ``~`` (a character
    the encoding never leaves bare).
    """
    encoded = "".join(
        character
        if character in _SAFE_CHARACTERS
        else "".join(f"%{byte:02X}" for byte in character.encode("utf-8", "surrogatepass"))
        for character in name
    )
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    if encoded.endswith("."):
        encoded = encoded[:-1] + "%2E"
    if encoded.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        encoded = f"%{ord(encoded[0]):02X}" + encoded[1:]
    if not encoded or len(encoded) > _MAX_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        head = encoded[: _MAX_NAME - 26].rstrip("%0123456789ABCDEF.") or "log"
        encoded = f"{head}~{digest}"
    return encoded


class _Names:
    """Allocates one distinct file name per entry of a prefix.

    Two entries may still meet on one name: duplicate members in an archive, or
    names differing only by case on a case-insensitive file system. The later one
    gets ``~2``, ``~3``... so nothing is overwritten.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self.allocated: set[str] = set()

    def allocate(self, file_name: str) -> str:
        base = safe_file_name(file_name)
        name, number = base, 1
        while name.casefold() in self._taken:
            number += 1
            name = f"{base}~{number}"
        self._taken.add(name.casefold())
        self.allocated.add(name)
        return name


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


# -- files ----------------------------------------------------------------------


def _inside(root: Path, path: Path) -> Path:
    """`path`, after checking that it resolves inside `root` (symlinks included)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside {root}: {path}")
    return path


def _prepare_directory(root: Path, relative: Path) -> Path:
    directory = _inside(root, root / relative)
    directory.mkdir(parents=True, exist_ok=True)
    _tidy(directory)
    return directory


def _write_file(directory: Path, name: str, data: bytes) -> None:
    """Write under a temporary name, then rename: the final name is complete or absent."""
    temporary = directory / f".{name}.{secrets.token_hex(4)}.part"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def _tidy(directory: Path, keep: set[str] | None = None) -> None:
    """Remove temporary files left by an interrupted run (and, given `keep`, stale files)."""
    for path in directory.iterdir():
        stale = path.name.startswith(".") and path.name.endswith(".part")
        if keep is not None and not path.name.startswith("."):
            stale = path.name not in keep
        if stale and path.is_file() and not path.is_symlink():
            path.unlink()


class _Manifest:
    """JSON lines, one per completed prefix; the last line for a prefix wins."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self, resume: bool) -> dict[str, dict[str, Any]]:
        """Create the directory; the completed prefixes when resuming (else none)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.completed() if resume else {}

    def completed(self) -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                try:
                    record = json.loads(line)
                    records[record["prefix"]] = record
                except (ValueError, KeyError, TypeError):
                    logger.warning("%s line %d is unreadable; ignored", self.path, number)
        return records

    def append(self, record: dict[str, Any]) -> None:
        """One whole line, on disk before the prefix counts as done (fsync)."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with self.path.open("a+b") as handle:
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a line cut short by a crash stays on its own
                    line = b"\n" + line
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


# -- the job ----------------------------------------------------------------------


@attrs.define
class _Job:
    client: AmigoClient
    out_dir: Path
    manifest: _Manifest
    progress: Progress | None
    max_attempts: int
    retry_delay: float
    max_entry_size: int

    async def run(self, prefix: str) -> PrefixResult:
        """Export one prefix, retrying an incomplete archive; never raises an API error."""
        relative = Path(LOGS_DIRECTORY) / safe_file_name(prefix)
        attempt = 0
        while True:
            attempt += 1
            if self.progress is not None:
                self.progress.start(prefix)
            try:
                result = await self._attempt(prefix, relative, attempt)
            except errors.TruncatedStreamError as error:
                failure = (
                    f"archive incomplete after {error.entries_delivered} entries and "
                    f"{error.bytes_received:,} bytes ({error.message})"
                )
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
        directory = await asyncio.to_thread(_prepare_directory, self.out_dir, relative)
        names = _Names()
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
                        await asyncio.to_thread(_write_file, directory, name, data)
                    else:
                        _write_file(directory, name, data)
                    kinds[entry.kind.value] += 1
                    size += entry.size
                    invalid += entry.invalid_utf8
                    if self.progress is not None:
                        self.progress.advance(1, entry.size)
        except BaseException:
            if self.progress is not None:  # the display counts only what a prefix keeps
                self.progress.advance(-sum(kinds.values()), -size)
            raise
        await asyncio.to_thread(_tidy, directory, names.allocated)
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
        if self.progress is not None:
            self.progress.note(message)
        else:
            logger.warning("%s", message)

    def _finish(self, prefix: str, ok: bool, detail: str) -> None:
        if self.progress is not None:
            self.progress.finish(prefix, ok=ok, detail=detail)


def _explain(error: BaseException) -> str:
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
    progress: Progress | None = None,
) -> ExportSummary:
    """Export every prefix's prompt logs into `out_dir`, one file per entry.

    Up to `concurrency` prefixes download at once; the client's limiter keeps them
    inside get-prompt-logs' documented rate. An incomplete archive is retried up to
    `max_attempts` times in all; other errors fail the prefix at once. With
    `resume`, prefixes already in the manifest are skipped. Cancelling the task
    leaves the directory consistent: the manifest lists only whole prefixes.
    """
    unique = _check_prefixes(prefixes)
    check_max_entry_size(max_entry_size)
    for name, value in (("concurrency", concurrency), ("max_attempts", max_attempts)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1")
    root = Path(out_dir)
    manifest = _Manifest(root / MANIFEST_NAME)
    done = await asyncio.to_thread(manifest.open, resume)
    job = _Job(client, root, manifest, progress, max_attempts, retry_delay, max_entry_size)
    slots = asyncio.Semaphore(concurrency)
    results: dict[str, PrefixResult] = {}

    async def one(prefix: str) -> None:
        async with slots:
            results[prefix] = await job.run(prefix)

    async with asyncio.TaskGroup() as group:
        for prefix in unique:
            if prefix in done:
                results[prefix] = _skipped(done[prefix])
                if progress is not None:
                    progress.finish(prefix, detail="already in the manifest")
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


# -- the command ----------------------------------------------------------------


def _prepare_demo(fake: FakeAmigoServer, prefixes: list[str]) -> None:
    """Use the seeded prefixes unless some were given, and cut the first download short
    once, so the demo shows an error entry and a retry that succeeds."""
    from .testing import Fault

    data = fake.state.prompt_logs
    if not prefixes:
        prefixes.extend(data.demo_prefixes)
    smallest = min(len(data.archive(prefix)) for prefix in data.demo_prefixes)
    fake.inject("get-prompt-logs", Fault.truncate(smallest // 2))


def _summary(summary: ExportSummary) -> str:
    lines = []
    for result in summary.results:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.kinds.items()))
        if result.status == "failed":
            lines.append(
                f"  FAILED     {result.prefix}: after {result.attempts} attempt(s): {result.error}"
            )
            continue
        mark = "completed" if result.status == "completed" else "skipped  "
        detail = f"{result.entries} entries ({kinds})" if kinds else f"{result.entries} entries"
        if result.invalid_utf8:
            detail += f", {result.invalid_utf8} not valid UTF-8 (written as received)"
        if result.attempts > 1 and result.status == "completed":
            detail += f", {result.attempts} attempts"
        lines.append(f"  {mark}  {result.prefix}: {detail} -> {result.directory}")
    completed = len(summary.with_status("completed"))
    skipped = len(summary.with_status("skipped"))
    failed = len(summary.with_status("failed"))
    head = (
        f"{completed} prefixes exported, {skipped} skipped (already done), {failed} failed: "
        f"{summary.entries:,} entries, {format_bytes(summary.bytes)} into {summary.out_dir}"
    )
    tail = f"manifest: {summary.out_dir / MANIFEST_NAME}"
    if failed:
        tail += "\nsome prefixes failed: fix the cause and run again with --resume"
    return "\n".join([head, *lines, tail])


async def _run_export(args: argparse.Namespace) -> int:
    prefixes: list[str] = list(args.prefix)
    if not prefixes and not args.fake:
        raise ValueError("give at least one --prefix")

    def prepare(fake: FakeAmigoServer) -> None:
        _prepare_demo(fake, prefixes)

    async with cli.client_for(args, prepare_fake=prepare) as client:
        with Progress(
            total=len(dict.fromkeys(prefixes)),
            items="prefixes",
            records="entries",
            stats=client.stats,
        ) as progress:
            try:
                summary = await export_prompt_logs(
                    client,
                    prefixes,
                    args.out,
                    resume=args.resume,
                    concurrency=args.concurrency,
                    max_attempts=args.max_attempts,
                    retry_delay=0.5 if args.fake else 2.0,
                    progress=progress,
                )
            except asyncio.CancelledError:
                progress.note("interrupted: completed prefixes are in the manifest; use --resume")
                raise
    print(_summary(summary))
    return 0 if summary.ok else 1


def _add_prompt_logs(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("prompt-logs", help="download rendered prompt logs")
    commands = group.add_subparsers(dest="prompt_logs_command", required=True)
    export = commands.add_parser(
        "export",
        help="export prompt logs of one or more prefixes into a directory",
        description="Export prompt logs into DIR: one file per entry, a manifest of "
        "completed prefixes; --resume skips those. Exit status 0 only when every prefix "
        "completed.",
    )
    export.add_argument(
        "--prefix",
        action="append",
        default=[],
        metavar="P",
        help="a log-key prefix (repeatable); each may match at most 1000 logs",
    )
    export.add_argument("--out", required=True, type=Path, metavar="DIR")
    export.add_argument("--resume", action="store_true", help="skip prefixes in DIR's manifest")
    export.add_argument("--concurrency", type=int, default=4, help="prefixes at once (4)")
    export.add_argument("--max-attempts", type=int, default=3, help="tries per prefix (3)")
    cli.add_client_options(export)
    export.set_defaults(handler=_run_export)


cli.COMMAND_GROUPS.append(_add_prompt_logs)
