"""Issue 20: no silent minute-long waits.

A server that says no request remains and when its window resets is believed up to
the window: the held tokens come back at the reset, not a full window later, and a
hint that is no number of seconds within the window falls back to the window. A
long wait is said once (an INFO record and a `LimiterWaiting` event), and the
command line prints it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from hostile import json_response, serve

from amigo_async import AmigoClient, RateLimit, TokenBucket
from amigo_async.cli._logging import show_long_waits
from amigo_async.events import Event, LimiterWaited, LimiterWaiting, RateLimited

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "tok-waits-secret"
MODELS = {"models": [{"name": "m1"}]}
A_MINUTE = RateLimit(5, per_seconds=60.0)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _spent_elsewhere(hint: dict[str, str]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """get-models: the first answer says nothing remains (another process spent it all)."""
    answered: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        answered.append(1)
        if len(answered) == 1:
            return json_response(MODELS, **{"X-RateLimit-Remaining": "0", **hint})
        return json_response(MODELS, **{"X-RateLimit-Remaining": "3"})

    return handler


def _client(url: str, seen: list[Event], limit: RateLimit = A_MINUTE) -> AmigoClient:
    return AmigoClient(
        "acme",
        token=TOKEN,
        base_url=url,
        rate_limits={"get-models": limit},
        event_hooks=[seen.append],
    )


def test_held_tokens_come_back_from_the_reset_the_server_names_at_the_limits_pace() -> None:
    """A sliding window frees the other process's places one by one: no burst at the reset."""
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(3, per_seconds=60), clock=clock)
    bucket.hold_beyond(0, as_of=clock.now, reset_in=2.5)
    assert bucket.available == 0
    assert bucket.expected_wait() == pytest.approx(2.502)
    clock.now += 2.502
    assert bucket.available == 1
    clock.now += 20  # one interval of the limit later
    assert bucket.available == 2
    clock.now += 20
    assert bucket.available == 3


def test_under_a_high_limit_held_tokens_come_back_in_batches_within_the_window() -> None:
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(100_000, per_seconds=60), clock=clock)
    bucket.hold_beyond(0, as_of=clock.now, reset_in=1.0)
    clock.now += 1.002
    assert 0 < bucket.available < 100_000
    clock.now += 59
    assert bucket.available == 100_000


@pytest.mark.parametrize("hint", [math.nan, math.inf, -1.0, 60.0, 1e9])
def test_a_reset_that_is_no_time_within_the_window_holds_a_window(hint: float) -> None:
    clock = ManualClock()
    bucket = TokenBucket(RateLimit(3, per_seconds=60), clock=clock)
    bucket.hold_beyond(0, as_of=clock.now, reset_in=hint)
    assert bucket.expected_wait() == pytest.approx(60.002)


async def test_remaining_zero_with_a_reset_two_seconds_ahead_waits_two_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Event] = []
    reset = f"{time.time() + 2.5:.3f}"  # an epoch timestamp, as the real API sends
    caplog.set_level(logging.INFO, logger="amigo_async")
    limit = RateLimit(40, per_seconds=4.0)  # held tokens come back 0.1 s apart
    async with (
        serve(_spent_elsewhere({"X-RateLimit-Reset": reset})) as api,
        _client(api.url, seen, limit) as client,
    ):
        await client.admin.get_models()
        started = time.monotonic()
        await asyncio.wait_for(
            asyncio.gather(*(client.admin.get_models() for _ in range(3))), timeout=10
        )
        waited = time.monotonic() - started
    assert 2.2 <= waited < 5.0  # not 4 s (the window), let alone 60
    announced = [e for e in seen if isinstance(e, LimiterWaiting)]
    assert [e.operation_id for e in announced] == ["get-models"]
    assert 2.0 < announced[0].seconds <= 2.6
    assert len([e for e in seen if isinstance(e, LimiterWaited)]) == 3
    said = [r for r in caplog.records if "waiting" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.INFO
    assert "get-models" in said[0].getMessage() and "2." in said[0].getMessage()
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "hint", [{"X-RateLimit-Reset": "0.6"}, {"Retry-After": "1"}], ids=["seconds", "retry-after"]
)
async def test_a_reset_in_seconds_or_a_retry_after_is_believed(hint: dict[str, str]) -> None:
    seen: list[Event] = []
    async with serve(_spent_elsewhere(hint)) as api, _client(api.url, seen) as client:
        await client.admin.get_models()
        started = time.monotonic()
        await asyncio.wait_for(client.admin.get_models(), timeout=10)
    assert 0.5 <= time.monotonic() - started < 3.0
    assert not [e for e in seen if isinstance(e, LimiterWaiting)]  # not a long wait


@pytest.mark.parametrize(
    "reset", ["99999999999999", "-5", "soon", "nan", "inf", "1e400", "1_0", ""]
)
async def test_a_hostile_reset_costs_at_most_the_window(reset: str) -> None:
    seen: list[Event] = []
    window = RateLimit(3, per_seconds=0.25)
    async with (
        serve(_spent_elsewhere({"X-RateLimit-Reset": reset})) as api,
        _client(api.url, seen, window) as client,
    ):
        await client.admin.get_models()
        started = time.monotonic()
        await asyncio.wait_for(client.admin.get_models(), timeout=10)
    assert time.monotonic() - started < 0.25 + 0.5


def test_the_command_line_prints_a_long_wait(capsys: pytest.CaptureFixture[str]) -> None:
    show_long_waits(LimiterWaited("get-prompt-logs", 41.2))  # after the fact: not printed
    show_long_waits(LimiterWaiting("get-prompt-logs", 40.2))  # never less than the wait
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "waiting 41 s for the rate limit of get-prompt-logs"


def _limited_first(
    times: int, retry_after: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """get-models: 429 with `retry_after` for the first `times` requests, then 200."""
    answered: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        answered.append(1)
        if len(answered) <= times:
            return json_response({"detail": "slow down"}, 429, **{"Retry-After": retry_after})
        return json_response(MODELS)

    return handler


async def test_callers_meeting_one_429_pause_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[Event] = []
    caplog.set_level(logging.DEBUG, logger="amigo_async")
    limit = RateLimit(10, per_seconds=60)  # a token for each call and for its retry
    async with serve(_limited_first(5, "0.3")) as api, _client(api.url, seen, limit) as client:
        await asyncio.gather(*(client.admin.get_models() for _ in range(5)))
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warned] == ["get-models: 429 from the server; pausing 0.30s"]
    assert len([e for e in seen if isinstance(e, RateLimited)]) == 5  # each 429 still counts


async def test_the_command_line_says_it_waits_for_a_429_pause() -> None:
    async with serve(_limited_first(1, "2.5")) as api:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "amigo_async.cli", "models", "list",
            "--base-url", api.url, "--organization", "acme", "--token", TOKEN,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    said = err.decode()
    assert process.returncode == 0, said
    assert out.decode().startswith("1 models:")
    assert said.count("429 from the server") == 1
    assert said.count("waiting 3 s for the rate limit of get-models") == 1
    assert TOKEN not in said
