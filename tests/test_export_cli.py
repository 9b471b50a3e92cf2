"""`amigo-async prompt-logs export`: the command, its exit status and its output."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from amigo_async import cli


def run(*argv: str) -> int:
    return cli.main(["prompt-logs", "export", *argv])


def test_fake_export_shows_an_error_entry_and_a_retry_that_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run("--fake", "--out", str(tmp_path))

    out, err = capsys.readouterr()
    assert status == 0
    assert "5 prefixes exported, 0 empty, 0 skipped (already done), 0 failed" in out
    assert "1 error" in out and "2 attempts" in out
    assert "retrying (1/3)" in err
    records = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert len(records) == 5
    assert sum(len(list((tmp_path / r["path"]).iterdir())) for r in records) == sum(
        r["entries"] for r in records
    )


def test_the_readme_command_exports_every_seeded_log_under_one_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run("--fake", "--prefix", "demo", "--out", str(tmp_path))

    out, _ = capsys.readouterr()
    assert status == 0
    assert "completed  demo: 137 entries (1 error, 68 history, 68 system)" in out
    assert "2 attempts" in out


def test_resume_skips_what_is_done_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--fake", "--out", str(tmp_path)) == 0
    capsys.readouterr()

    status = run("--fake", "--out", str(tmp_path), "--resume")

    out, _ = capsys.readouterr()
    assert status == 0
    assert "0 prefixes exported, 0 empty, 5 skipped (already done), 0 failed" in out


def test_a_prefix_without_logs_is_reported_empty_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run("--fake", "--out", str(tmp_path), "--prefix", "no-such-prefix")

    out, _ = capsys.readouterr()
    assert status == 0
    assert "0 prefixes exported, 1 empty" in out and "empty      no-such-prefix" in out


def test_prefix_is_required_against_a_real_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run("--out", str(tmp_path), "--organization", "acme")

    assert status == 1
    assert "--prefix" in capsys.readouterr().err


def test_out_is_required() -> None:
    with pytest.raises(SystemExit) as exited:
        run("--fake")

    assert exited.value.code == 2


def test_the_installed_command_runs_the_demo_in_a_few_seconds(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("amigo-async")
    if not command.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    started = time.monotonic()

    result = subprocess.run(
        [str(command), "prompt-logs", "export", "--fake", "--out", str(tmp_path / "logs")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 10
    assert "started" in result.stderr  # plain log lines: stderr is not a terminal here
