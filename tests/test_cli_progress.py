"""The progress display: a redrawn bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from amigo_async import ClientStats
from amigo_async.cli._progress import TerminalProgress as Progress
from amigo_async.cli._progress import format_bytes


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_terminal_gets_one_redrawn_line_with_counts_and_throttling() -> None:
    stream = io.StringIO()
    stats = ClientStats(throttled_seconds=2.5, rate_limited=1)
    progress = Progress(total=4, items="prefixes", records="entries", stream=stream,
                        stats=stats, interactive=True, width=200)  # fmt: skip

    progress.started("abc")
    progress.advanced("abc", 3, 2048)
    progress.close()

    text = stream.getvalue()
    assert "\r\x1b[K" in text and text.endswith("\n")
    last = text.rsplit("\r\x1b[K", 1)[1]
    assert "[-----" in last and "0/4 prefixes" in last and "3 entries" in last
    assert "rate-limit waits 2.5s" in last and "1 x 429" in last
    assert "now abc" in last


def test_terminal_redraws_at_most_every_refresh_interval() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(total=1, stream=stream, interactive=True, clock=clock)
    progress.started("x")
    drawn = stream.getvalue().count("\r")

    for _ in range(100):
        progress.advanced("x", 1)
    clock.now += 1
    progress.advanced("x", 1)

    assert stream.getvalue().count("\r") == drawn + 1


def test_notes_appear_above_the_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(total=2, stream=stream, interactive=True)
    progress.started("p")

    progress.note("p: retrying (1/3)")
    progress.finished("p", ok=False, detail="gave up")

    lines = stream.getvalue().split("\n")
    assert any(line.endswith("p: retrying (1/3)") for line in lines)
    assert any("FAILED p: gave up" in line for line in lines)


def test_a_pipe_gets_plain_timestamped_lines_and_a_heartbeat() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(total=2, items="prefixes", stream=stream, clock=clock,
                        heartbeat_seconds=10)  # fmt: skip

    progress.started("a")
    progress.advanced("a", 5, 100)
    clock.now += 11
    progress.advanced("a", 1, 100)
    progress.finished("a", ok=True, detail="6 entries")
    progress.close()

    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].endswith("started a")
    assert "6 records" in lines[1]
    assert lines[2].endswith("done a: 6 entries")
    assert "finished: 1/2 prefixes" in lines[3]


def test_a_stream_that_is_not_a_terminal_is_detected() -> None:
    assert Progress(stream=io.StringIO()).interactive is False


def test_format_bytes_uses_decimal_units() -> None:
    assert [format_bytes(n) for n in (999, 1500, 2_500_000, 3e9)] == [
        "999 B",
        "1.5 KB",
        "2.5 MB",
        "3.0 GB",
    ]


def test_terminal_line_is_cut_to_the_width() -> None:
    stream = io.StringIO()
    progress = Progress(total=1, stream=stream, interactive=True, width=40)

    progress.started("a-very-long-prefix-name-" * 5)

    assert all(len(line) <= 40 for line in stream.getvalue().split("\r\x1b[K"))
