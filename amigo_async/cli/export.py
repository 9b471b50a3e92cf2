"""``amigo-async prompt-logs export``: the export job with a progress bar and a summary."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from ..jobs.export import MANIFEST_NAME, ExportSummary, export_prompt_logs
from . import _fake
from ._common import Subparsers, add_client_options, client_for
from ._progress import TerminalProgress, format_bytes

if TYPE_CHECKING:
    from ..testing import FakeAmigoServer

__all__ = ["add_commands"]


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
    out = _out_dir(args.out)

    def prepare(fake: FakeAmigoServer) -> None:
        _fake.prepare_export_demo(fake, prefixes)

    async with client_for(args, prepare_fake=prepare) as client:
        with TerminalProgress(
            total=len(dict.fromkeys(prefixes)),
            items="prefixes",
            records="entries",
            stats=client.stats,
        ) as progress:
            try:
                summary = await export_prompt_logs(
                    client,
                    prefixes,
                    out,
                    resume=args.resume,
                    concurrency=args.concurrency,
                    max_attempts=args.max_attempts,
                    retry_delay=0.5 if args.fake else 2.0,
                    observer=progress,
                )
            except asyncio.CancelledError:
                progress.note("interrupted: completed prefixes are in the manifest; use --resume")
                raise
    print(_summary(summary))
    return 0 if summary.ok else 1


def _out_dir(text: str) -> Path:
    """An empty --out would silently export into the current directory: refused."""
    if not text.strip():
        raise ValueError("--out must name a directory")
    return Path(text)


def add_commands(subparsers: Subparsers) -> None:
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
    export.add_argument("--out", required=True, metavar="DIR")
    export.add_argument("--resume", action="store_true", help="skip prefixes in DIR's manifest")
    export.add_argument("--concurrency", type=int, default=4, help="prefixes at once (4)")
    export.add_argument("--max-attempts", type=int, default=3, help="tries per prefix (3)")
    add_client_options(export)
    export.set_defaults(handler=_run_export)
