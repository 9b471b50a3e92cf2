"""The fake server is at least as strict as the documents: auth, sliding windows, faults."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import aiohttp
import pytest

from amigo_async import RateLimit
from amigo_async.testing import FakeAmigoServer, Fault
from amigo_async.testing._window import SlidingWindow


def test_window_refuses_the_request_that_would_overfill_it() -> None:
    window = SlidingWindow(3, 1.0)
    assert [window.arrive(t).allowed for t in (0.0, 0.1, 0.2, 0.3)] == [True, True, True, False]


def test_window_includes_its_lower_bound() -> None:
    """Exactly one window after a send is still inside: stricter than a half-open window."""
    window = SlidingWindow(1, 1.0)
    assert window.arrive(10.0).allowed
    assert not window.arrive(11.0).allowed
    assert window.arrive(11.0001).allowed


def test_window_slides_rather_than_resetting_on_a_boundary() -> None:
    window = SlidingWindow(2, 1.0)
    assert window.arrive(0.9).allowed and window.arrive(0.95).allowed
    assert not window.arrive(1.5).allowed  # a fixed window would have reset at 1.0
    verdict = window.arrive(1.6)
    assert not verdict.allowed
    assert verdict.retry_after == pytest.approx(0.3)


def test_refused_arrivals_count_only_when_asked() -> None:
    lenient, strict = SlidingWindow(1, 1.0), SlidingWindow(1, 1.0, count_refused=True)
    for window in (lenient, strict):
        window.arrive(0.0)
        window.arrive(0.9)
    assert lenient.arrive(1.05).allowed
    assert not strict.arrive(1.05).allowed


def test_retry_after_header_is_whole_seconds_rounded_up() -> None:
    assert SlidingWindow.header_seconds(0.01) == "1"
    assert SlidingWindow.header_seconds(1.2) == "2"


async def _get(
    url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def test_429_comes_with_retry_after_and_rate_limit_headers() -> None:
    async with FakeAmigoServer(rate_limits={"get-models": RateLimit(2, per_seconds=5)}) as fake:
        url = f"{fake.url}/v1/acme/admin/get_models/"
        auth = {"Authorization": f"Bearer {fake.token}"}
        statuses = [(await _get(url, auth))[0] for _ in range(3)]
        status, headers, body = await _get(url, auth)
    assert statuses == [200, 200, 429]
    assert status == 429
    assert 4 <= int(headers["Retry-After"]) <= 5
    assert headers["X-RateLimit-Limit"] == "2" and headers["X-RateLimit-Remaining"] == "0"
    assert "rate limit of 2 requests" in json.loads(body)["detail"]


async def test_documented_limits_apply_by_default_and_time_scale_shortens_them() -> None:
    async with FakeAmigoServer(time_scale=60.0) as fake:  # a documented minute lasts a second
        url = f"{fake.url}/v1/acme/tool/test"
        auth = {"Authorization": f"Bearer {fake.token}"}
        async with aiohttp.ClientSession() as session:
            first = await session.post(url, headers=auth, json={})
            second = await session.post(url, headers=auth, json={})
            await asyncio.sleep(1.05)
            third = await session.post(url, headers=auth, json={})
    assert second.status == 429  # test-tool: 1 request per minute
    assert first.status != 429 and third.status != 429


async def test_requests_without_valid_credentials_are_401_and_not_counted(
    fake: FakeAmigoServer,
) -> None:
    url = f"{fake.url}/v1/acme/admin/get_models/"
    for headers in (None, {"Authorization": "Bearer nope"}, {"Authorization": "Token x"}):
        assert (await _get(url, headers))[0] == 401
    assert fake.max_in_window("get-models") == 0


async def test_unknown_organization_is_404(fake: FakeAmigoServer) -> None:
    status, _, _ = await _get(
        f"{fake.url}/v1/other/admin/get_models/", {"Authorization": f"Bearer {fake.token}"}
    )
    assert status == 404


async def test_unknown_paths_and_methods_are_refused(fake: FakeAmigoServer) -> None:
    auth = {"Authorization": f"Bearer {fake.token}"}
    assert (await _get(f"{fake.url}/v1/acme/admin/nothing", auth))[0] == 404
    async with aiohttp.ClientSession() as session:
        response = await session.delete(f"{fake.url}/v1/acme/admin/get_models/", headers=auth)
    assert response.status == 405


async def test_truncate_fault_ends_the_http_body_cleanly(fake: FakeAmigoServer) -> None:
    fake.inject("get-models", Fault.truncate(at_byte=7))
    status, _, body = await _get(
        f"{fake.url}/v1/acme/admin/get_models/", {"Authorization": f"Bearer {fake.token}"}
    )
    assert status == 200 and len(body) == 7  # no transport error: only the bytes are short


async def test_reset_fault_breaks_the_connection_mid_body(fake: FakeAmigoServer) -> None:
    fake.inject("get-models", Fault.reset(at_byte=7))
    with pytest.raises(aiohttp.ClientPayloadError):
        await _get(
            f"{fake.url}/v1/acme/admin/get_models/", {"Authorization": f"Bearer {fake.token}"}
        )


async def test_status_fault_applies_to_the_next_k_calls_only(fake: FakeAmigoServer) -> None:
    fake.inject("get-models", Fault.status_code(503), times=2)
    auth = {"Authorization": f"Bearer {fake.token}"}
    url = f"{fake.url}/v1/acme/admin/get_models/"
    assert [(await _get(url, auth))[0] for _ in range(3)] == [503, 503, 200]


async def test_slow_fault_delays_the_body(fake: FakeAmigoServer) -> None:
    fake.inject("get-models", Fault.slow(delay=0.3))
    started = time.monotonic()
    await _get(f"{fake.url}/v1/acme/admin/get_models/", {"Authorization": f"Bearer {fake.token}"})
    assert time.monotonic() - started >= 0.3


async def test_same_seed_same_data() -> None:
    async with FakeAmigoServer(seed=3) as a, FakeAmigoServer(seed=3) as b:
        assert a.token != b.token or a.url != b.url
        assert a.user_id == b.user_id and a.api_key_id == b.api_key_id
        assert a.state.admin == b.state.admin


def test_unknown_operation_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        FakeAmigoServer(rate_limits={"nope": RateLimit(1)})
    with pytest.raises(ValueError):
        FakeAmigoServer().inject("nope", Fault.truncate(1))


def test_command_line_server_starts_and_answers() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "amigo_async.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = first.split(" on ", 1)[1].split()[0]
        token = next(
            line.split("=", 1)[1].strip()
            for line in iter(process.stdout.readline, "")
            if "AMIGO_TOKEN=" in line
        )
        status, _, body = asyncio.run(
            _get(f"{url}/v1/acme/admin/get_models/", {"Authorization": f"Bearer {token}"})
        )
        assert status == 200 and json.loads(body)["models"]
    finally:
        process.terminate()
        process.wait(timeout=10)
