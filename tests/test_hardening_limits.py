"""Issue 13, resource limits: what a server's headers and bodies may cost the client.

A Retry-After hint is bounded and a wild one never pauses anyone; a JSON body
(also a gzip bomb) is read up to a cap; an error excerpt looks at a bounded prefix;
`Timeouts.total` bounds a whole call; a closed client refuses calls.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import math
import time
import tracemalloc
import warnings
from typing import Any

import pytest
from aiohttp import web
from hostile import json_response, serve

from amigo_async import AmigoClient, RetryPolicy, Timeouts, errors
from amigo_async.errors import sanitize
from amigo_async.events import RateLimited
from amigo_async.testing import FakeAmigoServer, Fault

TOKEN = "tok-limits-secret"
MODELS = {"models": [{"name": "m1"}]}
WILD_HINTS = ["999999999", "inf", "1e308", "nan", "1e400", "Fri, 31 Dec 9999 23:59:59 GMT"]


def _limited_once(retry_after: str) -> Any:
    """get-models answers 429 with `retry_after` once, then 200."""
    answered: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        answered.append(1)
        if len(answered) == 1:
            return json_response({"detail": "slow down"}, 429, **{"Retry-After": retry_after})
        return json_response(MODELS)

    return handler


@pytest.mark.parametrize("hint", WILD_HINTS)
async def test_a_wild_retry_after_ends_the_call_and_pauses_nobody(hint: str) -> None:
    seen: list[object] = []
    async with serve(_limited_once(hint)) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, event_hooks=[seen.append])
        async with client:
            with pytest.raises(errors.RateLimitError) as caught:
                await client.admin.get_models()
            # No pause was recorded: the next call goes out at once (bounded, not timed).
            models = await asyncio.wait_for(client.admin.get_models(), timeout=10)
    assert [m.name for m in models] == ["m1"]
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 120 or math.isinf(caught.value.retry_after)
    assert "max_server_pause" in str(caught.value)
    assert not [event for event in seen if isinstance(event, RateLimited)]


async def test_a_retry_after_within_the_cap_is_honoured() -> None:
    seen: list[object] = []
    async with serve(_limited_once("0.2")) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, event_hooks=[seen.append])
        async with client:
            models = await client.admin.get_models()
    assert [m.name for m in models] == ["m1"]
    assert len(api.requests) == 2
    assert [e.pause_seconds for e in seen if isinstance(e, RateLimited)] == [pytest.approx(0.2)]


async def test_max_server_pause_is_configurable() -> None:
    async with serve(_limited_once("5")) as api:
        retry = RetryPolicy(max_server_pause=1.0)
        async with AmigoClient("acme", token=TOKEN, base_url=api.url, retry=retry) as client:
            with pytest.raises(errors.RateLimitError) as caught:
                await client.admin.get_models()
    assert caught.value.retry_after == 5.0
    assert len(api.requests) == 1


@pytest.mark.parametrize("bad", [0, -1, math.inf, math.nan])
def test_max_server_pause_must_be_a_positive_finite_number(bad: float) -> None:
    with pytest.raises(ValueError, match="max_server_pause"):
        RetryPolicy(max_server_pause=bad)


async def test_a_wild_retry_after_writes_no_pause_into_redis() -> None:
    from _redis_server import RedisServer, RedisServerUnavailable

    from amigo_async._redis import RedisBackend

    server = RedisServer()
    try:
        server.start()
    except RedisServerUnavailable as exc:
        pytest.skip(f"needs a redis-server on 127.0.0.1: {exc}")
    try:
        async with serve(_limited_once("inf")) as api, RedisBackend(server.url) as backend:
            client = AmigoClient("acme", token=TOKEN, base_url=api.url, rate_limit_backend=backend)
            async with client:
                with pytest.raises(errors.RateLimitError):
                    await client.admin.get_models()
                models = await asyncio.wait_for(client.admin.get_models(), timeout=10)
        assert [m.name for m in models] == ["m1"]
    finally:
        server.close()


# -- body caps --------------------------------------------------------------------------


def _chunked_body(size: int) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b'{"models": [], "pad": "')
        block = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                await response.write(block)
                sent += len(block)
            await response.write(b'"}')
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    return handler


async def test_a_json_body_past_max_body_bytes_is_an_invalid_response() -> None:
    async with serve(_chunked_body(10 * 65536)) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, max_body_bytes=100_000)
        async with client:
            with pytest.raises(errors.InvalidResponseError, match="max_body_bytes=100000"):
                await client.admin.get_models()
    assert len(api.requests) == 1  # not retried


async def test_a_json_body_past_the_default_cap_is_an_invalid_response() -> None:
    async with (
        serve(_chunked_body(40 * 1024 * 1024)) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.InvalidResponseError, match="max_body_bytes"):
            await client.admin.get_models()


async def test_an_announced_length_past_the_cap_is_refused_before_reading() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=b" " * 5000, content_type="application/json")

    async with serve(handler) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, max_body_bytes=4096)
        async with client:
            with pytest.raises(errors.InvalidResponseError, match="max_body_bytes"):
                await client.admin.get_models()


async def test_a_gzip_bomb_is_refused_with_bounded_memory() -> None:
    inflated = 256 * 1024 * 1024
    bomb = gzip.compress(b'{"models": [], "pad": "' + b"0" * inflated, compresslevel=9)
    assert len(bomb) < 1024 * 1024

    async def handler(request: web.Request) -> web.Response:
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
        return web.Response(body=bomb, headers=headers)

    async with serve(handler) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, max_body_bytes=1024 * 1024)
        async with client:
            tracemalloc.start()
            try:
                with pytest.raises(errors.InvalidResponseError, match="max_body_bytes"):
                    await client.admin.get_models()
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert peak < 64 * 1024 * 1024  # far below the 256 MiB it would inflate to


# -- error excerpts ------------------------------------------------------------------------


async def test_a_64_mb_non_json_body_gives_a_short_excerpt() -> None:
    body = b"<html>" + b"A" * (64 * 1024 * 1024)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html")

    async with serve(handler) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url, max_body_bytes=2**27)
        async with client:
            with pytest.raises(errors.InvalidResponseError, match="not valid JSON") as caught:
                await client.admin.get_models()
    excerpt = caught.value.body_excerpt
    assert excerpt is not None
    assert excerpt.startswith("<html>")
    assert len(excerpt) <= 301


def test_sanitize_reads_only_a_bounded_prefix() -> None:
    """What lies past the excerpt window cannot change the excerpt: it is never scanned."""
    head = "error: " + "a" * 400
    tail_with_secret = " token=" + "s" * 100 + " eyJx.eyJy.zzz"
    huge = head + "b" * (64 * 1024 * 1024) + tail_with_secret
    excerpt = sanitize(huge, ["never-present"])
    assert excerpt == sanitize(head + "b" * 2000, ["never-present"])
    assert len(excerpt) == 301
    assert excerpt.endswith("…")


# -- the whole call's time -------------------------------------------------------------------


async def test_timeouts_total_bounds_the_whole_call_retries_included() -> None:
    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return json_response(MODELS)

    async with serve(silent) as api:
        timeouts = Timeouts(total=2)
        async with AmigoClient("acme", token=TOKEN, base_url=api.url, timeouts=timeouts) as c:
            started = time.monotonic()
            with pytest.raises(errors.TransportError) as caught:
                await c.admin.get_models()
            elapsed = time.monotonic() - started
    assert elapsed < 4.0  # a bound (2 x total), not a benchmark
    assert "Timeouts.total" in str(caught.value)


# -- after close -----------------------------------------------------------------------------


async def test_a_closed_client_refuses_calls_and_opens_no_session(fake: FakeAmigoServer) -> None:
    client = fake.client()
    async with client:
        await client.admin.get_models()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="closed"):
            await client.admin.get_models()
        with pytest.raises(RuntimeError, match="closed"):
            async with client:
                pass
        gc.collect()
    assert client.closed
    assert not [w for w in caught if "Unclosed" in str(w.message)]
    assert fake.count("get-models") == 1


async def test_a_client_closed_before_use_refuses_calls(fake: FakeAmigoServer) -> None:
    client = fake.client()
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.organization.get()
    assert fake.requests == []


# -- retry budgets ---------------------------------------------------------------------------


async def test_a_get_after_three_429s_is_still_retried_after_a_connection_error(
    fake: FakeAmigoServer,
) -> None:
    fake.inject("get-models", Fault.status_code(429, retry_after=0.05), times=3)
    fake.inject("get-models", Fault.reset(at_byte=0))
    fast = RetryPolicy(backoff_base=0.01, backoff_max=0.02)
    async with fake.client(rate_limiting=False, retry=fast) as client:
        models = await client.admin.get_models()
    assert models
    assert [r.status for r in fake.requests if r.operation_id == "get-models"][-1] == 200
    assert fake.count("get-models") == 5


async def test_an_undocumented_4xx_is_an_unexpected_status_not_a_server_error(
    fake: FakeAmigoServer,
) -> None:
    fake.inject("get-models", Fault.status_code(418))
    async with fake.client() as client:
        with pytest.raises(errors.UnexpectedStatusError) as caught:
            await client.admin.get_models()
    assert not isinstance(caught.value, errors.ServerError)
    assert caught.value.status == 418
    assert fake.count("get-models") == 1
