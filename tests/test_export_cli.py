"""`amigo-async prompt-logs export`: the command, its exit status and its output."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from aiohttp import web

from amigo_async import cli
from amigo_async.cli._progress import TerminalProgress, ticking
from amigo_async.cli.export import _ExportDisplay
from amigo_async.jobs.export import EMPTY_DETAIL, MANIFEST_NAME


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
    records = [json.loads(line) for line in (tmp_path / MANIFEST_NAME).read_text().splitlines()]
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
    skipped = [line for line in out.splitlines() if line.lstrip().startswith("skipped")]
    assert len(skipped) == 5 and all(line.endswith("(--resume)") for line in skipped), out


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


# -- days, formats, --out ------------------------------------------------------------


def days_ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


def test_a_week_to_parquet_against_the_fake_reports_its_empty_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run("--fake", "--since", days_ago(6), "--format", "parquet", "--out", str(tmp_path))

    out, _ = capsys.readouterr()
    assert status == 0, out
    assert "5 prefixes exported, 2 empty, 0 skipped (already done), 0 failed" in out
    assert f"empty      {days_ago(4)}" in out
    statuses = sorted(
        json.loads(line)["status"] for line in (tmp_path / MANIFEST_NAME).read_text().splitlines()
    )
    assert statuses == ["completed"] * 5 + ["empty"] * 2
    table = pq.read_table(tmp_path)  # every day's file, as an analyst would read them
    assert table.num_rows == 5 * 4 * (1 + 4)  # 4 logs a day: a system file and 4 messages
    assert set(table.column("role").to_pylist()) == {None, "user", "assistant"}


def test_dates_go_after_each_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = run(
        "--fake", "--prefix", "a/", "--prefix", "b/", "--date", days_ago(1), "--date", days_ago(0),
        "--format", "jsonl", "--out", str(tmp_path),
    )  # fmt: skip

    out, _ = capsys.readouterr()
    assert status == 0
    assert [f"a/{days_ago(1)}", f"a/{days_ago(0)}", f"b/{days_ago(1)}", f"b/{days_ago(0)}"] == [
        line.split()[1].rstrip(":") for line in out.splitlines()[1:5]
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "2000-01-01"], "more than 30 days ago"),
        (["--until", "2026-12-01"], "--until needs --since"),
        (["--since", days_ago(1), "--until", days_ago(2)], "before since"),
    ],
)
def test_a_range_outside_the_window_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status = run("--fake", *argv, "--out", str(tmp_path))

    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_an_empty_out_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    status = run("--fake", "--out", "")

    err = capsys.readouterr().err
    assert (status, err) == (1, "error: --out is empty: give the directory to export into\n")


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_an_out_that_is_not_a_directory_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    existing = tmp_path / "file"
    existing.write_text("not a directory")
    out = existing if where == "a file" else existing / "logs"

    status = run("--fake", "--out", str(out))

    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith(f"error: cannot write to --out {out}: ") and err.count("\n") == 1
    assert "Traceback" not in err and existing.read_text() == "not a directory"


def test_parquet_without_pyarrow_is_one_error_line_naming_the_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow._parquet", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)

    status = run("--fake", "--format", "parquet", "--out", str(tmp_path))

    err = capsys.readouterr().err
    assert status == 1
    assert err == "error: the parquet format needs pyarrow: pip install 'amigo_async[parquet]'\n"


def test_a_failed_prefix_gives_a_nonzero_status_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def forbidden(request: web.Request) -> web.Response:
        return web.Response(status=403)

    async def serve_and_export() -> int:
        app = web.Application()
        app.router.add_get("/v1/acme/admin/get_prompt_logs/", forbidden)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            argv = ["--base-url", base_url, "--organization", "acme", "--prefix", "x"]
            return await asyncio.to_thread(run, *argv, "--out", str(tmp_path))
        finally:
            await runner.cleanup()

    monkeypatch.setenv("AMIGO_TOKEN", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln")
    status = asyncio.run(serve_and_export())

    out, _ = capsys.readouterr()
    assert status == 1
    assert "1 failed" in out and "FAILED     x: after 1 attempt(s)" in out and "--resume" in out


# -- progress on a pipe ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_pipe_gets_a_line_every_few_seconds_with_done_empty_and_failed() -> None:
    stream, clock = io.StringIO(), Clock()
    display = _ExportDisplay(total=3, stream=stream, clock=clock)

    display.started("a")
    display.advanced("a", 10, 50_000)
    display.finished("b", ok=True, detail=EMPTY_DETAIL)
    display.finished("c", ok=False, detail="gave up")
    display.tick()  # nothing new is due yet
    clock.now += 5
    display.tick()  # no event for 5 seconds: the heartbeat comes anyway

    heartbeat = stream.getvalue().splitlines()[-1]
    assert "2/3 prefixes | 10 entries | 50.0 KB (10.0 KB/s) | 1 empty | 1 failed" in heartbeat
    assert len(stream.getvalue().splitlines()) == 4


async def test_ticking_calls_the_display_while_the_block_runs() -> None:
    ticks = 0

    class Counting(TerminalProgress):
        def tick(self) -> None:
            nonlocal ticks
            ticks += 1

    async with ticking(Counting(stream=io.StringIO()), every=0.01):
        await asyncio.sleep(0.1)
    seen = ticks
    await asyncio.sleep(0.05)

    assert seen >= 3 and ticks == seen


def test_since_takes_a_time_back_from_now_as_tools_scan_does() -> None:
    from amigo_async.cli.export import _day

    today = datetime.now(UTC).date()
    assert _day("6d") == today - timedelta(days=6)
    assert _day("P1W") == today - timedelta(days=7)
    assert _day("2026-11-30").isoformat() == "2026-11-30"
    with pytest.raises(Exception, match="YYYY-MM-DD or a time back from now"):
        _day("last tuesday")
