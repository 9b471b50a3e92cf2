"""The scan's aggregator and output formats: pure functions over invocations."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amigo_async.cli.scan import parse_since
from amigo_async.jobs.aggregate import (
    ExceptionSummary,
    InvocationAggregator,
    aggregate_invocations,
)
from amigo_async.jobs.formats import format_csv, format_json, format_table
from amigo_async.jobs.scan import QueryFailure, ScannedInvocation, ScanProgress, ScanQuery
from amigo_async.models import converter
from amigo_async.models.tools import ToolInvocation

TOOL = "a" * 24
OTHER = "b" * 24
_counter = iter(range(1_000_000))


def _invocation(
    *,
    tool_id: str = TOOL,
    version: str = "1.0.0",
    duration_ms: int = 100,
    failed: tuple[str, str] | None = None,
    source: str = "regular-conversation",
    status: dict[str, Any] | None = None,
) -> ToolInvocation:
    major, minor, patch = (int(part) for part in version.split("."))
    if status is None and failed is not None:
        kind, message = failed
        status = {
            "succeeded": False,
            "exception_type": kind,
            "exception_message": message,
            "exception_stack_trace": [],
        }
    payload = {
        "id": f"{next(_counter):024x}",
        "org_id": "acme",
        "invocation_status": status or {"succeeded": True, "output": "ok"},
        "invocation_source": {
            "type": source,
            "user_id": "u",
            "conversation_id": None,
            "interaction_id": None,
            "simulation_unit_test_set_run_id": None,
            "unit_test_id": None,
            "run_index": None,
            "invocation_metadata": {
                "type": "engage-user",
                "current_state_machine_and_version": ["machine", 1],
                "tool_call_round_index": 0,
            },
        },
        "duration_ms": duration_ms,
        "tool_id": tool_id,
        "tool_version": {"major": major, "minor": minor, "patch": patch},
        "inputs": {},
    }
    return converter.structure(payload, ToolInvocation)


def test_counts_failures_and_failure_rate_per_tool_and_version() -> None:
    invocations = [_invocation() for _ in range(3)] + [_invocation(failed=("KeyError", "k"))]
    invocations += [_invocation(version="2.0.0", failed=("KeyError", "k"))]

    (v1, v2) = aggregate_invocations(invocations)

    assert (v1.tool_id, v1.version) == (TOOL, "1.0.0")
    assert (v1.total.invocations, v1.total.failures) == (4, 1)
    assert v1.total.failure_rate == pytest.approx(0.25)
    assert (v2.version, v2.total.invocations, v2.total.failure_rate) == ("2.0.0", 1, 1.0)


def test_each_tool_gets_its_own_figures() -> None:
    stats = aggregate_invocations([_invocation(tool_id=OTHER), _invocation(), _invocation()])

    assert [(s.tool_id, s.total.invocations) for s in stats] == [(TOOL, 2), (OTHER, 1)]


def test_versions_are_ordered_by_number_not_text() -> None:
    stats = aggregate_invocations(
        [_invocation(version=v) for v in ("1.10.0", "1.9.0", "10.0.0", "2.0.0")]
    )

    assert [s.version for s in stats] == ["1.9.0", "1.10.0", "2.0.0", "10.0.0"]


def test_top_exceptions_rank_by_count_and_keep_the_first_message() -> None:
    failures = [("TimeoutError", f"timed out {n}") for n in range(3)]
    failures += [("KeyError", "missing 'a'"), ("KeyError", "missing 'b'"), ("OSError", "disk")]
    failures += [("AError", "ties sort by name")]

    (stats,) = aggregate_invocations([_invocation(failed=f) for f in failures], top_exceptions=3)

    assert stats.total.top_exceptions == (
        ExceptionSummary("TimeoutError", 3, "timed out 0"),
        ExceptionSummary("KeyError", 2, "missing 'a'"),
        ExceptionSummary("AError", 1, "ties sort by name"),
    )


def test_durations_use_nearest_rank_percentiles() -> None:
    (stats,) = aggregate_invocations([_invocation(duration_ms=ms) for ms in range(100, 0, -1)])

    assert (stats.total.p50_ms, stats.total.p95_ms, stats.total.max_ms) == (50, 95, 100)


def test_one_invocation_is_its_own_percentiles() -> None:
    (stats,) = aggregate_invocations([_invocation(duration_ms=7)])

    assert (stats.total.p50_ms, stats.total.p95_ms, stats.total.max_ms) == (7, 7, 7)


def test_figures_are_split_by_source_type() -> None:
    invocations = [
        _invocation(source="regular-conversation", duration_ms=10),
        _invocation(source="regular-conversation", failed=("E", "m")),
        _invocation(source="simulation-conversation", duration_ms=30),
    ]

    (stats,) = aggregate_invocations(invocations)

    regular = stats.by_source["regular-conversation"]
    simulation = stats.by_source["simulation-conversation"]
    assert (regular.invocations, regular.failures) == (2, 1)
    assert (simulation.invocations, simulation.failures, simulation.max_ms) == (1, 0, 30)
    assert list(stats.by_source) == ["regular-conversation", "simulation-conversation"]


def test_an_unknown_source_type_is_counted_under_its_own_name() -> None:
    (stats,) = aggregate_invocations([_invocation(source="agent-run")])

    assert list(stats.by_source) == ["agent-run"]


def test_an_unreadable_status_counts_as_an_invocation_but_not_a_failure() -> None:
    (stats,) = aggregate_invocations(
        [_invocation(status={"succeeded": "maybe"}), _invocation(failed=("E", "m"))]
    )

    assert (stats.total.invocations, stats.total.failures) == (2, 1)


def test_scanned_invocations_are_accepted_as_they_come_from_a_scan() -> None:
    item = ScannedInvocation(ScanQuery(TOOL), _invocation())

    (stats,) = aggregate_invocations([item])

    assert stats.total.invocations == 1


def test_results_can_be_read_while_invocations_still_arrive() -> None:
    aggregator = InvocationAggregator()
    aggregator.add(_invocation())
    first = aggregator.results()
    aggregator.add(_invocation())

    assert first[0].total.invocations == 1
    assert aggregator.results()[0].total.invocations == 2


def test_no_invocations_give_no_results() -> None:
    assert aggregate_invocations([]) == []


# -- output -------------------------------------------------------------------------------


def _sample() -> list[Any]:
    return aggregate_invocations(
        [
            _invocation(duration_ms=120),
            _invocation(failed=("TimeoutError", "upstream timed out"), duration_ms=30_000),
            _invocation(source="simulation-conversation", duration_ms=80),
        ]
    )


def test_the_table_shows_each_version_its_sources_and_its_exceptions() -> None:
    table = format_table(_sample())

    lines = table.splitlines()
    assert lines[0].split()[:3] == ["TOOL", "VERSION", "SOURCE"]
    assert lines[1].split()[:6] == [TOOL, "1.0.0", "all", "3", "1", "33.3%"]
    assert lines[2].split()[:3] == ["regular-conversation", "2", "1"]
    assert "TimeoutError x1 - 'upstream timed out'" in table
    assert "30,000" in table


def test_the_table_says_when_nothing_was_found() -> None:
    assert format_table([]) == "no invocations found"


def test_csv_has_one_row_per_version_and_source() -> None:
    rows = list(csv.DictReader(io.StringIO(format_csv(_sample()))))

    assert [row["source_type"] for row in rows] == [
        "all",
        "regular-conversation",
        "simulation-conversation",
    ]
    assert rows[0]["failure_rate"] == "0.3333"
    assert rows[0]["top_exceptions"] == "TimeoutError=1"
    assert rows[0]["top_exception_example"] == "upstream timed out"
    assert rows[0]["max_ms"] == "30000"


def test_json_holds_results_errors_and_counters() -> None:
    failure = QueryFailure(ScanQuery(OTHER, ">=2"), ValueError("bad"), 4)

    document = json.loads(format_json(_sample(), [failure], ScanProgress(queries=2, pages=3)))

    assert document["results"][0]["total"]["invocations"] == 3
    assert document["results"][0]["by_source"]["simulation-conversation"]["max_ms"] == 80
    assert document["errors"] == [
        {
            "tool_id": OTHER,
            "version": ">=2",
            "error": "ValueError",
            "message": "bad",
            "invocations_before_error": 4,
        }
    ]
    assert document["scan"]["pages"] == 3


# -- --since --------------------------------------------------------------------------------

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW - timedelta(days=7)),
        ("12h", NOW - timedelta(hours=12)),
        ("90m", NOW - timedelta(minutes=90)),
        ("P1DT6H", NOW - timedelta(days=1, hours=6)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
    ],
)
def test_since_reads_dates_and_durations(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "P", "7x", "2024-13-01"])
def test_since_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="--since"):
        parse_since(text, now=NOW)
