"""A scan's figures as text: a table for people, CSV and JSON for programs."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .aggregate import GroupStats, ToolVersionStats
    from .scan import QueryFailure, ScanProgress

__all__ = ["format_csv", "format_json", "format_table"]

_CSV_COLUMNS = (
    "tool_id",
    "version",
    "source_type",
    "invocations",
    "failures",
    "failure_rate",
    "p50_ms",
    "p95_ms",
    "max_ms",
    "top_exceptions",
    "top_exception_example",
)


def _rows(stats: Sequence[ToolVersionStats]) -> Iterable[tuple[str, str, str, GroupStats]]:
    """(tool, version, source, figures): the total ("all") first, then each source."""
    for entry in stats:
        yield entry.tool_id, entry.version, "all", entry.total
        for source, group in entry.by_source.items():
            yield entry.tool_id, entry.version, source, group


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def format_table(stats: Sequence[ToolVersionStats]) -> str:
    """A plain-text table: one block per tool version, its sources below, then exceptions."""
    if not stats:
        return "no invocations found"
    header = ("TOOL", "VERSION", "SOURCE", "CALLS", "FAILED", "FAIL%", "P50 ms", "P95 ms", "MAX ms")
    lines: list[tuple[str, ...]] = [header]
    for tool_id, version, source, group in _rows(stats):
        first = source == "all"
        lines.append(
            (
                tool_id if first else "",
                version if first else "",
                source,
                f"{group.invocations:,}",
                f"{group.failures:,}",
                f"{group.failure_rate:.1%}",
                _ms(group.p50_ms),
                _ms(group.p95_ms),
                _ms(group.max_ms),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]
    exceptions = [
        f"  {entry.tool_id} {entry.version}: {summary.exception_type} x{summary.count}"
        f" - {summary.example_message!r}"
        for entry in stats
        for summary in entry.total.top_exceptions
    ]
    if exceptions:
        text += ["", "Top exceptions (with an example message):", *exceptions]
    return "\n".join(text)


def format_csv(stats: Sequence[ToolVersionStats]) -> str:
    """One row per tool, version and source type ("all" for the version's total)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for tool_id, version, source, group in _rows(stats):
        top = group.top_exceptions
        writer.writerow(
            (
                tool_id,
                version,
                source,
                group.invocations,
                group.failures,
                f"{group.failure_rate:.4f}",
                "" if group.p50_ms is None else group.p50_ms,
                "" if group.p95_ms is None else group.p95_ms,
                "" if group.max_ms is None else group.max_ms,
                "; ".join(f"{s.exception_type}={s.count}" for s in top),
                top[0].example_message if top else "",
            )
        )
    return buffer.getvalue()


def format_json(
    stats: Sequence[ToolVersionStats],
    failures: Sequence[QueryFailure] = (),
    progress: ScanProgress | None = None,
) -> str:
    """The figures, the failed queries and the scan's counters as one JSON document."""
    document: dict[str, Any] = {
        "results": [attrs.asdict(entry) for entry in stats],
        "errors": [
            {
                "tool_id": failure.query.tool_id,
                "version": failure.query.version,
                "error": type(failure.error).__name__,
                "message": str(failure.error),
                "invocations_before_error": failure.invocations,
            }
            for failure in failures
        ],
    }
    if progress is not None:
        document["scan"] = attrs.asdict(progress)
    return json.dumps(document, indent=2)
