"""The one request path against the strict fake server: pacing, 429s, retries, transport."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aioresponses import aioresponses

from amigo_async import AmigoClient, RateLimit, RetryPolicy, Timeouts, errors
from amigo_async.testing import FakeAmigoServer, Fault

FAST = RetryPolicy(backoff_base=0.01, backoff_max=0.05)


async def test_paced_client_is_never_throttled_by_a_sliding_window() -> None:
    limit = RateLimit(5, per_seconds=0.5)
    async with FakeAmigoServer(rate_limits={"get-models": limit}) as fake:
        async with fake.client(rate_limits={"get-models": limit}) as client:
            started = time.monotonic()
            await asyncio.gather(*(client.admin.get_models() for _ in range(20)))
            elapsed = time.monotonic() - started
        assert fake.rate_limited["get-models"] == 0
        assert fake.max_in_window("get-models") == 5
        assert client.stats.rate_limited == 0
        assert elapsed >= (20 - 5) / 5 * 0.5  # paced, not failed
        assert elapsed < (20 - 5) / 5 * 0.5 + 0.5


async def test_unpaced_client_is_throttled_then_recovers_with_retry_after() -> None:
    limit = RateLimit(3, per_seconds=0.4)
    async with FakeAmigoServer(rate_limits={"get-models": limit}) as fake:
        async with fake.client(rate_limiting=False, retry=FAST) as client:
            results = await asyncio.gather(*(client.admin.get_models() for _ in range(5)))
        assert len(results) == 5
        assert fake.rate_limited["get-models"] >= 1
        assert client.stats.rate_limited == fake.rate_limited["get-models"]
        assert fake.max_in_window("get-models") <= 3


async def test_429_pause_applies_to_every_caller_of_the_operation() -> None:
    """After one 429, no caller of the operation sends until Retry-After has passed."""
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.status_code(429, retry_after=1), times=1)
        async with fake.client() as client:
            first = asyncio.create_task(client.admin.get_models())
            await asyncio.sleep(0.2)
            others = [asyncio.create_task(client.admin.get_models()) for _ in range(3)]
            await asyncio.gather(first, *others)
        arrivals = sorted(r.at for r in fake.requests if r.status == 200)
        refused = next(r.at for r in fake.requests if r.status == 429)
        assert all(at >= refused + 0.95 for at in arrivals)


async def test_429_without_retry_after_still_backs_off() -> None:
    async with FakeAmigoServer(rate_limit_headers=False) as fake:
        fake.inject("get-models", Fault.status_code(429), times=2)
        async with fake.client(rate_limits={"get-models": RateLimit(10, per_seconds=1)}) as client:
            await client.admin.get_models()
        assert [r.status for r in fake.requests] == [429, 429, 200]
        assert fake.requests[2].at - fake.requests[0].at >= 0.1 + 0.2  # 1 interval, then 2


async def test_too_many_429s_raise_rate_limit_error() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.status_code(429, retry_after=0.01), times=10)
        retry = RetryPolicy(max_rate_limited=3, backoff_base=0.01, backoff_max=0.05)
        async with fake.client(retry=retry) as client:
            with pytest.raises(errors.RateLimitError) as caught:
                await client.admin.get_models()
        assert caught.value.status == 429
        assert fake.count("get-models") == 3


async def test_post_is_retried_after_429() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("submit-sql-query", Fault.status_code(429, retry_after=0.01), times=1)
        async with fake.client(retry=FAST) as client:
            result = await client.admin.sql_query("select 1")
        assert result.result == [[1]]
        assert [r.status for r in fake.requests] == [429, 200]


async def test_503_on_a_read_is_retried_with_backoff() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.status_code(503), times=2)
        async with fake.client(retry=FAST) as client:
            models = await client.admin.get_models()
        assert models
        assert [r.status for r in fake.requests] == [503, 503, 200]
        assert client.stats.retries == 2


async def test_503_retries_are_bounded() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.status_code(503), times=10)
        async with fake.client(retry=RetryPolicy(max_attempts=3, backoff_base=0.01)) as client:
            with pytest.raises(errors.ServiceUnavailableError):
                await client.admin.get_models()
        assert fake.count("get-models") == 3


async def test_503_on_a_post_is_not_retried() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("submit-sql-query", Fault.status_code(503), times=1)
        async with fake.client(retry=FAST) as client:
            with pytest.raises(errors.ServiceUnavailableError):
                await client.admin.sql_query("select 1")
        assert fake.count("submit-sql-query") == 1


async def test_read_reset_mid_body_is_retried() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.reset(at_byte=20), times=1)
        async with fake.client(retry=FAST) as client:
            assert await client.admin.get_models()
        assert fake.count("get-models") == 2


async def test_post_reset_after_it_arrived_is_not_retried() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("submit-sql-query", Fault.reset(at_byte=5), times=1)
        async with fake.client(retry=FAST) as client:
            with pytest.raises(errors.TransportError):
                await client.admin.sql_query("select 1")
        assert fake.count("submit-sql-query") == 1


async def test_truncated_json_is_an_invalid_response() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.truncate(at_byte=10), times=1)
        async with fake.client() as client:
            with pytest.raises(errors.InvalidResponseError) as caught:
                await client.admin.get_models()
        assert caught.value.operation_id == "get-models"


async def test_post_is_retried_when_the_connection_was_refused() -> None:
    """A refused connection surely never reached the server: safe to retry a POST."""
    url = "https://api.amigo.ai/v1/acme/admin/sql_query"
    body = {"execution_time_ms": 1, "result": [[1]], "truncated": False, "columns": []}
    with aioresponses() as mocked:
        mocked.post(url, exception=aiohttp.ClientConnectorError(None, OSError(111, "refused")))  # type: ignore[arg-type]
        mocked.post(url, payload=body)
        async with AmigoClient("acme", token="t", retry=FAST) as client:
            result = await client.admin.sql_query("select 1")
    assert result.result == [[1]]


async def test_connection_refused_everywhere_is_a_transport_error() -> None:
    async with FakeAmigoServer() as fake:
        url = fake.url
    async with AmigoClient(
        "acme", token="t", base_url=url, retry=RetryPolicy(max_attempts=2, backoff_base=0.01)
    ) as client:
        with pytest.raises(errors.TransportError) as caught:
            await client.admin.get_models()
    assert caught.value.operation_id == "get-models"
    assert client.stats.requests_sent == 2


async def test_a_silent_server_times_out() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.slow(delay=1.0), times=3)
        client = fake.client(timeouts=Timeouts(total=0.2), retry=RetryPolicy(max_attempts=1))
        async with client:
            started = time.monotonic()
            with pytest.raises(errors.TransportError):
                await client.admin.get_models()
            assert time.monotonic() - started < 1.5


async def test_operations_without_a_limit_are_not_paced(fake: FakeAmigoServer) -> None:
    async with fake.client(rate_limits={"get-models": None}) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.admin.get_models() for _ in range(20)))
        assert time.monotonic() - started < 1.0
        assert client.stats.throttled_seconds == 0


async def test_rate_limit_headers_lower_our_limit() -> None:
    """A server announcing X-RateLimit-Limit below ours is believed."""
    async with FakeAmigoServer(rate_limits={"get-models": RateLimit(2, per_seconds=0.3)}) as fake:
        async with fake.client(
            rate_limits={"get-models": RateLimit(10, per_seconds=0.3)}
        ) as client:
            await client.admin.get_models()
            await asyncio.gather(*(client.admin.get_models() for _ in range(4)))
        assert fake.rate_limited["get-models"] == 0


async def test_cancelled_request_releases_its_connection_and_token() -> None:
    async with FakeAmigoServer() as fake:
        fake.inject("get-models", Fault.slow(delay=1.0), times=1)
        limit = {"get-models": RateLimit(1, per_seconds=0.2)}
        async with fake.client(rate_limits=limit) as client:
            task = asyncio.create_task(client.admin.get_models())
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.wait_for(client.admin.get_models(), 2.0)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    from email.utils import formatdate

    from amigo_async._hints import retry_after_seconds as _retry_after_seconds

    assert _retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert _retry_after_seconds({"Retry-After": "0.5"}) == 0.5
    in_ten = formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= (_retry_after_seconds({"Retry-After": in_ten}) or 0) <= 10.0
    assert _retry_after_seconds({"Retry-After": "soon"}) is None
    assert _retry_after_seconds({"X-RateLimit-Reset": "3"}) == 3.0
    epoch = str(int(time.time()) + 5)
    assert 3.0 <= (_retry_after_seconds({"X-RateLimit-Reset": epoch}) or 0) <= 5.0
    assert _retry_after_seconds({"X-RateLimit-Reset": "3"}, or_reset=False) is None


async def test_remaining_header_holds_tokens_someone_else_spent() -> None:
    """Two credentials of one user share the server's window; X-RateLimit-Remaining says so."""
    limit = RateLimit(5, per_seconds=1.0)
    async with FakeAmigoServer(rate_limits={"get-models": limit}) as fake:
        other = fake.client(api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id)
        async with other, fake.client(rate_limits={"get-models": limit}) as client:
            for _ in range(3):
                await other.admin.get_models()  # spends 3 of the user's 5
            await client.admin.get_models()  # the answer says: 1 remaining
            await asyncio.gather(*(client.admin.get_models() for _ in range(4)))
        assert fake.rate_limited["get-models"] == 0
        assert fake.max_in_window("get-models") <= 5
