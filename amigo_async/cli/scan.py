"""``amigo-async tools scan``: the invocation scan, its figures and a progress display."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from .._durations import parse_iso_duration
from . import _fake
from ._common import Subparsers, client_for
from ._progress import TerminalProgress
from ._text import terminal_safe

if TYPE_CHECKING:
    from ..testing import FakeAmigoServer

__all__ = ["DEFAULT_CONCURRENCY", "INVOCATION_SOURCE_TYPES", "add_commands", "parse_since"]

# The library's values (`amigo_async.jobs.scan.DEFAULT_CONCURRENCY`,
# `amigo_async.models.facts.INVOCATION_SOURCE_TYPES`), spelled here so that building
# the parser loads neither the scan nor the models; a test keeps them equal.
DEFAULT_CONCURRENCY = 8
INVOCATION_SOURCE_TYPES = ("regular-conversation", "simulation-conversation")

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``--since``: an ISO date or datetime (UTC when no offset is given), an ISO 8601
    duration before now (``P7D``, ``PT12H``) or a short one (``90m``, ``12h``, ``7d``)."""
    value = text.strip()
    now = now if now is not None else datetime.now(UTC)
    relative = _RELATIVE.match(value.lower())
    if relative is not None:
        return now - timedelta(seconds=float(relative.group(1)) * _UNITS[relative.group(2)])
    if value.upper().startswith("P"):
        try:
            return now - parse_iso_duration(value.upper())
        except ValueError:
            pass
    else:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    raise ValueError(
        f"--since must be an ISO date/datetime, an ISO 8601 duration (P7D) or a short "
        f"duration (12h, 7d); got {text!r}"
    )


def _since_argument(text: str) -> datetime:
    """A bad ``--since`` is a usage error (status 2), as for ``prompt-logs export``."""
    try:
        return parse_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class _ScanDisplay(TerminalProgress):
    """The terminal display, counting pages (one `advanced` call each) where an export
    counts bytes, and each query's pages and invocations for its line when it ends."""

    def __init__(self, **options: Any) -> None:
        super().__init__(items="queries", records="invocations", **options)
        self.pages = 0
        self._per_query: dict[Hashable, tuple[int, int]] = {}

    def started(self, item: Hashable) -> None:
        self._per_query[item] = (0, 0)
        super().started(item)

    def advanced(self, item: Hashable, records: int, nbytes: int = 0) -> None:
        pages, found = self._per_query.get(item, (0, 0))
        self._per_query[item] = (pages + 1, found + records)
        self.pages += 1
        super().advanced(item, records, nbytes)

    def finished(self, item: Hashable, *, ok: bool, detail: str = "") -> None:
        pages, found = self._per_query.pop(item, (0, 0))
        counts = f"{pages} page(s), {found:,} invocation(s)"
        super().finished(item, ok=ok, detail=f"{counts}; {detail}" if detail else counts)

    def _figures(self) -> list[str]:
        return [f"{self.pages:,} pages", f"{self.records:,} {self.records_label}"]


def _write(text: str, stream: TextIO) -> None:
    text = terminal_safe(text, multiline=True)
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


async def _run_scan(args: argparse.Namespace) -> int:
    from ..jobs.aggregate import InvocationAggregator
    from ..jobs.formats import format_csv, format_json, format_table

    tool_ids: list[str] = list(args.tool_ids or [])
    if not tool_ids and not args.fake:
        raise ValueError("give at least one --tool-id (or --fake for a demonstration)")
    since: datetime | None = args.since
    demo_ids: list[str] = []

    def prepare(fake: FakeAmigoServer) -> None:
        demo_ids.extend(_fake.seed_scan_demo(fake))

    async with client_for(args, prepare_fake=prepare) as client:
        if not tool_ids:
            tool_ids = demo_ids
            print(f"--fake: scanning {len(tool_ids)} demo tools", file=sys.stderr)
        display = _ScanDisplay(stats=client.stats)
        scan = client.tools.scan_invocations(
            tool_ids,
            versions=args.tool_versions,
            succeeded=False if args.failed_only else None,
            source_type=args.source_type,
            since=since,
            concurrency=args.concurrency,
            observer=display,
        )
        display.total = len(scan.queries)
        aggregator = InvocationAggregator()
        with display:
            try:
                async with scan:
                    async for item in scan:
                        aggregator.add(item.invocation)
            except ExceptionGroup:
                pass  # reported below from scan.failures, after the figures
    stats = aggregator.results()
    if args.format == "json":
        _write(format_json(stats, scan.failures, scan.progress), sys.stdout)
    elif args.format == "csv":
        _write(format_csv(stats), sys.stdout)
    else:
        if args.failed_only:
            print("(--failed-only: only failed invocations were fetched)")
        _write(format_table(stats), sys.stdout)
    for failure in scan.failures:
        print(
            f"error: query {failure.query} failed after {failure.invocations} invocation(s): "
            f"{type(failure.error).__name__}: {failure.error}",
            file=sys.stderr,
        )
    return 1 if scan.failures else 0


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("tools", help="tool invocations")
    commands = group.add_subparsers(dest="tools_command", required=True)
    scan = commands.add_parser(
        "scan",
        help="scan the invocations of several tools at once and summarise them",
        description="Scan tool invocations, one query per tool run concurrently under the "
        "get-tool-invocations rate limit, and print per tool/version counts, failure rates, "
        "top exceptions and duration percentiles. Figures go to stdout, progress and errors "
        "to stderr. Exit status 1 when any query failed (its partial figures are still shown).",
    )
    scan.add_argument(
        "--tool-id",
        dest="tool_ids",
        action="extend",
        nargs="+",
        metavar="ID",
        help="tool id(s) to scan (repeatable); with --fake, defaults to the demo tools",
    )
    scan.add_argument(
        "--tool-version",
        dest="tool_versions",
        action="extend",
        nargs="+",
        metavar="SPEC",
        help="a version constraint per --tool-id, in the same order (e.g. '>=2')",
    )
    scan.add_argument("--failed-only", action="store_true", help="fetch failed invocations only")
    scan.add_argument(
        "--since",
        type=_since_argument,
        metavar="WHEN",
        help="only invocations created since WHEN: an ISO date/datetime (UTC unless "
        "given), P7D, 12h, 7d... (the queries ask newest first and stop early)",
    )
    scan.add_argument("--source-type", choices=INVOCATION_SOURCE_TYPES)
    scan.add_argument("--format", choices=("table", "json", "csv"), default="table")
    scan.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"queries at once ({DEFAULT_CONCURRENCY})",
    )
    scan.set_defaults(handler=_run_scan)
