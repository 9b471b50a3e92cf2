"""``amigo-async prompt-logs export``: the export job with a progress display and a summary.

The job (`amigo_async.jobs.export`) loads when the command runs: building the
parser (``--help``) imports no client.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Hashable
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

from ..jobs.dates import DEFAULT_DATE_FORMAT, WINDOW_DAYS, date_prefixes
from . import _fake
from ._common import Subparsers, add_client_options, client_for
from ._progress import TerminalProgress, format_bytes, ticking
from ._text import terminal_safe
from .scan import parse_since

if TYPE_CHECKING:
    from ..jobs.export import ExportSummary
    from ..testing import FakeAmigoServer

__all__ = ["add_commands"]

FORMATS = ("files", "jsonl", "parquet")
"""`amigo_async.jobs.export.FORMATS`, spelled here for the parser (a test keeps them equal)."""

_HEARTBEAT_SECONDS = 5.0


class _ExportDisplay(TerminalProgress):
    """The progress display, counting empty prefixes beside done and failed ones."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            items="prefixes", records="entries", heartbeat_seconds=_HEARTBEAT_SECONDS, **options
        )
        self.empty = 0

    def finished(self, item: Hashable, *, ok: bool, detail: str = "") -> None:
        from ..jobs.export import EMPTY_DETAIL  # loaded by the export already

        self.empty += detail == EMPTY_DETAIL
        super().finished(item, ok=ok, detail=detail)

    def _figures(self) -> list[str]:
        return [*super()._figures(), *([f"{self.empty} empty"] if self.empty else [])]

    def close(self) -> None:
        if self.done or self.active:  # an export refused before its first prefix says only why
            super().close()


def _summary(summary: ExportSummary) -> str:
    from ..jobs.export import MANIFEST_NAME

    lines = []
    for result in summary.results:
        if result.status == "failed":
            lines.append(
                f"  FAILED     {result.prefix}: after {result.attempts} attempt(s): {result.error}"
            )
            continue
        if result.status == "empty":
            lines.append(f"  empty      {result.prefix}: no prompt log in the past 30 days")
            continue
        if result.status == "skipped":
            lines.append(f"  skipped    {result.prefix}: done by an earlier run (--resume)")
            continue
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result.kinds.items()))
        mark = "completed"
        detail = f"{result.entries} entries ({kinds})" if kinds else f"{result.entries} entries"
        if result.invalid_utf8:
            detail += f", {result.invalid_utf8} not valid UTF-8 (kept in raw_base64)"
        if result.attempts > 1 and result.status == "completed":
            detail += f", {result.attempts} attempts"
        lines.append(f"  {mark}  {result.prefix}: {detail} -> {result.path}")
    counts = {status: len(summary.with_status(status)) for status in ("completed", "skipped")}
    empty, failed = len(summary.with_status("empty")), len(summary.with_status("failed"))
    head = (
        f"{counts['completed']} prefixes exported, {empty} empty, "
        f"{counts['skipped']} skipped (already done), {failed} failed: "
        f"{summary.entries:,} entries, {format_bytes(summary.bytes)} as {summary.format} "
        f"into {summary.out_dir}"
    )
    tail = f"manifest: {summary.out_dir / MANIFEST_NAME}"
    if failed:
        tail += "\nsome prefixes failed: fix the cause and run again with --resume"
    return "\n".join([head, *lines, tail])


def _day(text: str) -> date:
    """A UTC day: ``YYYY-MM-DD``, or as ``tools scan --since`` reads a time (``6d``, ``P1W``)."""
    try:
        return parse_since(text).astimezone(UTC).date()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a day as YYYY-MM-DD or a time back from now (6d, P1W), got {text!r}"
        ) from None


def _prefixes(args: argparse.Namespace) -> tuple[list[str], bool]:
    """The prefixes to export, and whether they were made from dates."""
    if args.until is not None and args.since is None:
        raise ValueError("--until needs --since")
    ranges = [(day, day) for day in args.date]
    if args.since is not None:
        ranges.append((args.since, args.until))
    if not ranges:
        return list(args.prefix), False
    bases: list[str] = list(args.prefix) or [""]
    prefixes = [
        prefix
        for base in bases
        for since, until in ranges
        for prefix in date_prefixes(since, until, prefix=base, date_format=args.date_format)
    ]
    return prefixes, True


async def _run_export(args: argparse.Namespace) -> int:
    import asyncio

    from ..jobs.export import export_prompt_logs

    if not args.out.strip():
        return _error("--out is empty: give the directory to export into")
    prefixes, dated = _prefixes(args)
    if not prefixes and not args.fake:
        raise ValueError("give at least one --prefix, --date or --since")

    def prepare(fake: FakeAmigoServer) -> None:
        _fake.prepare_export_demo(fake, prefixes, dated=dated)

    async with client_for(args, prepare_fake=prepare) as client:
        with _ExportDisplay(total=len(dict.fromkeys(prefixes)), stats=client.stats) as display:
            try:
                async with ticking(display):
                    summary = await export_prompt_logs(
                        client,
                        prefixes,
                        args.out,
                        format=args.format,
                        resume=args.resume,
                        concurrency=args.concurrency,
                        max_attempts=args.max_attempts,
                        retry_delay=0.5 if args.fake else 2.0,
                        observer=display,
                    )
            except asyncio.CancelledError:
                display.note("interrupted: finished prefixes are in the manifest; use --resume")
                raise
            except ImportError as error:
                return _error(str(error))
            except OSError as error:
                return _error(f"cannot write to --out {args.out}: {error.strerror or error}")
    print(terminal_safe(_summary(summary), multiline=True))
    return 0 if summary.ok else 1


def _error(message: str) -> int:
    print(f"error: {terminal_safe(message)}", file=sys.stderr)
    return 1


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("prompt-logs", help="download rendered prompt logs")
    commands = group.add_subparsers(dest="prompt_logs_command", required=True)
    export = commands.add_parser(
        "export",
        help="export prompt logs of prefixes or days into a directory",
        description="Export prompt logs into DIR with a manifest of finished prefixes "
        "(completed, empty or failed); --resume skips the completed and empty ones, and a "
        "run without it starts a fresh manifest. Days: --date or --since/--until make one "
        f"prefix per UTC day (--prefix, if given, goes before the date); the server keeps "
        f"logs for {WINDOW_DAYS} days. A prefix without logs is reported as empty, not as "
        "a failure. Exit status 0 only when no prefix failed.",
    )
    export.add_argument(
        "--prefix",
        action="append",
        default=[],
        metavar="P",
        help="a log-key prefix (repeatable); each may match at most 1000 logs",
    )
    export.add_argument(
        "--date", action="append", default=[], type=_day, metavar="DAY", help="a day (repeatable)"
    )
    export.add_argument(
        "--since", type=_day, metavar="DAY", help="the first day (YYYY-MM-DD, or back: 6d, P1W)"
    )
    export.add_argument("--until", type=_day, metavar="DAY", help="the last day (default: today)")
    export.add_argument(
        "--date-format",
        default=DEFAULT_DATE_FORMAT,
        metavar="FMT",
        help="how a log key spells a day, as strftime (default: %%Y-%%m-%%d)",
    )
    export.add_argument(
        "--format",
        choices=FORMATS,
        default="files",
        help="files: DIR/<prefix>/<log key>.<kind>.json; jsonl: DIR/<prefix>.jsonl; "
        "parquet: DIR/<prefix>.parquet, one row per message (needs amigo_async[parquet])",
    )
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--resume", action="store_true", help="skip prefixes done in DIR")
    export.add_argument("--concurrency", type=int, default=4, help="prefixes at once (4)")
    export.add_argument("--max-attempts", type=int, default=3, help="tries per prefix (3)")
    add_client_options(export)
    export.set_defaults(handler=_run_export)
