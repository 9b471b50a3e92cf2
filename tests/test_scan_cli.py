"""``amigo-async tools scan`` with --fake: output formats, progress, exit status."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from amigo_async import cli
from amigo_async.cli import _fake
from amigo_async.cli import scan as scan_cli
from amigo_async.jobs.scan import ScanQuery
from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._faults import Fault
from amigo_async.testing._state import FakeState


def _run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = cli.main(["tools", "scan", "--fake", *arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_demo_prints_a_table_and_succeeds(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys)

    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["TOOL", "VERSION", "SOURCE"]
    assert "Top exceptions" in out
    assert "6/6 queries" in err and "2,400 invocations" in err


def test_json_goes_to_stdout_alone(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "--format", "json")

    document = json.loads(out)
    assert status == 0
    assert sum(r["total"]["invocations"] for r in document["results"]) == 2400
    assert sum(r["total"]["failures"] for r in document["results"]) > 0
    assert document["errors"] == []
    assert "finished" in err


def test_csv_is_readable_by_a_csv_reader(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0
    assert sum(int(row["invocations"]) for row in rows if row["source_type"] == "all") == 2400


def test_failed_only_fetches_failures_only(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--format", "json", "--failed-only")

    results = json.loads(out)["results"]
    assert results
    assert all(r["total"]["failure_rate"] == 1.0 for r in results)


def test_since_keeps_the_recent_invocations(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = _run(capsys, "--format", "json", "--since", "3d")

    total = sum(r["total"]["invocations"] for r in json.loads(out)["results"])
    assert 0 < total < 2400
    assert "6 pages" in err  # one page per tool: each query stopped at the cut-off


def test_explicit_tool_ids_are_scanned(capsys: pytest.CaptureFixture[str]) -> None:
    demo = FakeState.seeded(0, "acme").tools  # the embedded server's seed: the same ids
    chosen = demo.add_tools_with_invocations(6, invocations_per_tool=400)[2]

    status, out, _ = _run(capsys, "--tool-id", chosen, "--format", "json")

    results = json.loads(out)["results"]
    assert status == 0
    assert {r["tool_id"] for r in results} == {chosen}
    assert sum(r["total"]["invocations"] for r in results) == 400


def test_a_failed_query_exits_1_after_printing_the_rest(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = _fake.seed_scan_demo

    def seed_and_break(fake: FakeAmigoServer, **options: Any) -> list[str]:
        fake.inject("get-tool-invocations", Fault.status_code(403))
        return original(fake, **options)

    monkeypatch.setattr(_fake, "seed_scan_demo", seed_and_break)

    status, out, err = _run(capsys, "--format", "json")

    document = json.loads(out)
    assert status == 1
    assert len(document["errors"]) == 1
    assert document["errors"][0]["error"] == "PermissionDeniedError"
    assert 0 < sum(r["total"]["invocations"] for r in document["results"]) < 2400
    assert "error: query" in err and "PermissionDeniedError" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tool-id", "nope"], "tool_ids[0]"),
        (["--tool-id", "a" * 24, "--tool-version", ">=1", "<2"], "one constraint per tool id"),
        (["--concurrency", "0"], "concurrency"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    status, out, err = _run(capsys, *arguments)

    assert status == 1
    assert out == ""
    assert message in err


def test_a_bad_since_is_a_usage_error_as_in_the_export(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        _run(capsys, "--since", "yesterday")
    assert exited.value.code == 2
    assert "--since" in capsys.readouterr().err


def test_tool_ids_are_required_without_fake(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(
        ["tools", "scan", "--organization", "acme", "--base-url", "http://127.0.0.1:9"]
    )

    assert status == 1
    assert "--tool-id" in capsys.readouterr().err


def test_the_terminal_display_redraws_one_line_with_pages_and_invocations() -> None:
    stream = io.StringIO()
    display = scan_cli._ScanDisplay(stream=stream, interactive=True, total=1)
    query = ScanQuery("a" * 24)

    display.started(query)
    display.advanced(query, 100)
    display.finished(query, ok=True)
    display.close()

    text = stream.getvalue()
    assert "\r\x1b[K" in text
    assert "1/1 queries | 1 pages | 100 invocations" in text
    assert f"done {query}: 1 page(s), 100 invocation(s)" in text
