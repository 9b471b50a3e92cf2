"""Issue 19, every failure an `AmigoError`: no false truncation under Content-Encoding,
no bare `TimeoutError`, no hint that costs a good answer, no aiohttp error at close.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import threading
import time
import zipfile
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from hostile import SIGN_IN_PATH, json_response, serve

from amigo_async import (
    AmigoClient,
    InProcessBackend,
    RateLimit,
    RetryPolicy,
    Timeouts,
    _hints,
    errors,
)
from amigo_async.events import Event, RateLimited, Retrying
from amigo_async.sync import AmigoClient as SyncAmigoClient
from amigo_async.testing import FakeAmigoServer

TOKEN = "tok-failures-secret"
MODELS = {"models": [{"name": "m1"}]}
SIGNED_IN = {
    "id_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.c2ln",
    "expires_at": "2099-01-01T00:00:00Z",
}


# -- item 9: Content-Encoding with Content-Length ------------------------------------------


def _encode(data: bytes, encoding: str) -> bytes:
    return gzip.compress(data) if encoding == "gzip" else zlib.compress(data)


def _encoded_server(data: bytes, encoding: str, content_type: str) -> Any:
    """Answers every request with `data` compressed, its compressed length announced."""
    encoded = _encode(data, encoding)

    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=encoded, headers={"Content-Encoding": encoding, "Content-Type": content_type}
        )

    return handler


def _zip_of(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


async def _repo_file(client: AmigoClient) -> bytes:
    return b"".join([chunk async for chunk in client.tools.repo.stream_file("src/main.py")])


async def _scaffold(client: AmigoClient) -> bytes:
    return b"".join([chunk async for chunk in client.tools.stream_scaffold()])


async def _raw_prompt_logs(client: AmigoClient) -> bytes:
    return b"".join([chunk async for chunk in client.admin.download_prompt_logs("k")])


async def _prompt_log_entries(client: AmigoClient) -> bytes:
    entries = [entry async for entry in client.admin.stream_prompt_logs("k")]
    return b"|".join(entry.data for entry in entries)


async def _conversation(client: AmigoClient) -> bytes:
    interaction = await client.conversations.create("a" * 24).collect()
    return interaction.full_message.encode()


_SOURCE = b"def main():\n    return 'hello'\n" * 400
_LOGS = [("k1-system", b"You are a support agent.\n" * 200), ("k2-error", b"permission denied")]
_EVENTS = b"".join(
    json.dumps(event).encode() + b"\n"
    for event in (
        {"type": "conversation-created", "conversation_id": "c" * 24},
        {
            "type": "interaction-complete",
            "message_id": "m" * 24,
            "interaction_id": "i" * 24,
            "full_message": "",
            "conversation_completed": False,
        },
    )
)

# Each built once: a zip entry and a gzip header hold the time they were made, so two
# builds a second boundary apart differ.
_LOGS_ZIP = _zip_of(_LOGS)
_SOURCE_GZIP = gzip.compress(_SOURCE)

DOWNLOADS: dict[str, tuple[Callable[[AmigoClient], Awaitable[bytes]], bytes, str, bytes]] = {
    "repo-file": (_repo_file, _SOURCE, "text/plain", _SOURCE),
    "scaffold": (_scaffold, _SOURCE_GZIP, "application/gzip", _SOURCE_GZIP),
    "prompt-logs-raw": (_raw_prompt_logs, _LOGS_ZIP, "application/zip", _LOGS_ZIP),
    "prompt-log-entries": (
        _prompt_log_entries,
        _LOGS_ZIP,
        "application/zip",
        b"|".join(data for _, data in _LOGS),
    ),
    "conversation-ndjson": (_conversation, _EVENTS, "application/x-ndjson", b""),
}


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("download", sorted(DOWNLOADS))
async def test_every_streamed_download_reads_a_whole_encoded_body(
    download: str, encoding: str
) -> None:
    read, body, content_type, expected = DOWNLOADS[download]
    handler = _encoded_server(body, encoding, content_type)
    async with serve(handler) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as client:
        assert await read(client) == expected


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_an_encoded_body_cut_short_is_still_a_truncation(encoding: str) -> None:
    encoded = _encode(_SOURCE, encoding)

    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Encoding": encoding, "Content-Length": str(len(encoded))}
        )
        await response.prepare(request)
        await response.write(encoded[: len(encoded) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    async with serve(cut) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as client:
        with pytest.raises(errors.TruncatedStreamError):
            await _repo_file(client)


# -- item 10: out of time while paced, paused or signing in ------------------------------------


async def test_the_sixth_process_on_an_exhausted_sign_in_limit_gets_its_answer() -> None:
    """Five sign-ins per (scaled) minute: the sixth new client waits for the limit
    instead of dying with a bare TimeoutError; its call's own `total` is not charged."""
    async with FakeAmigoServer(time_scale=60) as fake:
        outcomes: list[object] = []
        for _ in range(6):
            client = fake.client(
                api_key=fake.api_key,
                api_key_id=fake.api_key_id,
                user_id=fake.user_id,
                timeouts=Timeouts(total=0.3),
                rate_limits={"sign-in-with-api-key": RateLimit(5, per_seconds=1.0)},
            )
            async with client:
                try:
                    outcomes.append(len(await client.admin.get_models()))
                except errors.AmigoError as error:
                    outcomes.append(error)
    assert fake.count("sign-in-with-api-key") >= 6
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes


async def test_a_call_out_of_time_before_its_next_attempt_is_a_transport_error() -> None:
    answered: list[int] = []

    async def unavailable_once(request: web.Request) -> web.Response:
        answered.append(1)
        return (
            json_response({"detail": "busy"}, 503) if len(answered) == 1 else json_response(MODELS)
        )

    def slow_observer(event: Event) -> None:
        if isinstance(event, Retrying):
            time.sleep(0.3)  # the budget runs out while the call is between attempts

    async with serve(unavailable_once) as api:
        client = AmigoClient(
            "acme",
            token=TOKEN,
            base_url=api.url,
            timeouts=Timeouts(total=0.2),
            retry=RetryPolicy(backoff_base=0.01, backoff_max=0.02),
            event_hooks=[slow_observer],
        )
        async with client:
            with pytest.raises(errors.TransportError) as caught:
                await client.admin.get_models()
    assert caught.value.operation_id == "get-models"
    assert "Timeouts.total" in str(caught.value)
    assert len(answered) == 1


# -- item 11: headers read as ASCII digits only ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("7", 7.0), ("0.5", 0.5), ("1_0", None), ("٣", None), ("²", None), (" 7", None), ("-3", None)],
)
def test_retry_after_is_read_as_ascii_digits(value: str, seconds: float | None) -> None:
    assert _hints.retry_after_seconds({"Retry-After": value}) == seconds


@pytest.mark.parametrize(("value", "number"), [("12", 12), ("²", None), ("٣", None), ("1_0", None)])
def test_a_count_header_is_read_as_ascii_digits(value: str, number: int | None) -> None:
    assert _hints.count(value) == number


@pytest.mark.parametrize("value", ["²", "٣", "1_0", "\uff11\uff12"])
async def test_a_bad_rate_limit_header_never_costs_a_sign_in_answer(value: str) -> None:
    """The sign-in is a POST: losing its answer would make the caller send it again."""

    async def handler(request: web.Request) -> web.Response:
        headers = {"X-RateLimit-Limit": value, "X-RateLimit-Remaining": value}
        if request.path == SIGN_IN_PATH:
            return json_response(SIGNED_IN, **headers)
        return json_response(MODELS, **headers)

    async with serve(handler) as api:
        client = AmigoClient(
            "acme", api_key="key-1", api_key_id="kid", user_id="u", base_url=api.url
        )
        async with client:
            models = await client.admin.get_models()
    assert [m.name for m in models] == ["m1"]
    assert api.count(SIGN_IN_PATH) == 1


@pytest.mark.parametrize("value", ["٣", "1_0"])
async def test_a_retry_after_in_other_digits_is_an_ignored_hint(value: str) -> None:
    seen: list[Event] = []
    answered: list[int] = []

    async def limited_once(request: web.Request) -> web.Response:
        answered.append(1)
        if len(answered) == 1:
            return json_response({"detail": "slow"}, 429, **{"Retry-After": value})
        return json_response(MODELS)

    async with serve(limited_once) as api:
        client = AmigoClient(
            "acme",
            token=TOKEN,
            base_url=api.url,
            rate_limits={"get-models": RateLimit(1000, per_seconds=1.0)},
            event_hooks=[seen.append],
        )
        async with client:
            await client.admin.get_models()
    pauses = [event.pause_seconds for event in seen if isinstance(event, RateLimited)]
    assert len(pauses) == 1 and pauses[0] < 1.0  # our own backoff, not 3 s or 10 s


# -- item 13: a call in flight when the sync client closes ----------------------------------------


@pytest.fixture
def slow_server() -> Iterator[str]:
    """A hostile server in its own thread, answering after a second."""
    ready = threading.Event()
    stop = threading.Event()
    found: dict[str, str] = {}

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return json_response(MODELS)

    async def run() -> None:
        async with serve(slow) as api:
            found["url"] = api.url
            ready.set()
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    ready.wait(10)
    yield found["url"]
    stop.set()
    thread.join(10)


def test_a_call_in_flight_when_the_sync_client_closes_gets_the_closed_error(
    slow_server: str,
) -> None:
    client = SyncAmigoClient("acme", token=TOKEN, base_url=slow_server)
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.admin.get_models()
        except BaseException as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.3)
    client.close()
    caller.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], errors.ClientClosedError), repr(outcome[0])
    assert isinstance(outcome[0], errors.AmigoError | RuntimeError)
    with pytest.raises(errors.ClientClosedError):
        client.admin.get_models()


class _FailingToLearn(InProcessBackend):
    """A shared store that fails whenever it is told what the server's headers said."""

    async def learn_limit(self, key: str, limit: RateLimit, requests: int) -> None:
        raise errors.RateLimitBackendError("the store is down")

    async def learn_remaining(
        self, key: str, limit: RateLimit, remaining: int, *, as_of: float
    ) -> None:
        raise errors.RateLimitBackendError("the store is down")


async def test_a_store_failing_to_record_rate_limit_headers_never_costs_the_answer() -> None:
    async def handler(request: web.Request) -> web.Response:
        headers = {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "2"}
        if request.path == SIGN_IN_PATH:
            return json_response(SIGNED_IN, **headers)
        return json_response(MODELS, **headers)

    async with serve(handler) as api:
        client = AmigoClient(
            "acme",
            api_key="key-1",
            api_key_id="kid",
            user_id="u",
            base_url=api.url,
            rate_limit_backend=_FailingToLearn(),
        )
        async with client:
            models = await client.admin.get_models()
    assert [m.name for m in models] == ["m1"]
    assert api.count(SIGN_IN_PATH) == 1


async def test_a_call_in_flight_when_the_async_client_closes_gets_the_closed_error() -> None:
    arrived = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.sleep(2.0)
        return json_response(MODELS)

    async with serve(slow) as api:
        client = AmigoClient("acme", token=TOKEN, base_url=api.url)
        call = asyncio.create_task(client.admin.get_models())
        await asyncio.wait_for(arrived.wait(), timeout=10)
        await client.aclose()
        with pytest.raises(errors.ClientClosedError) as caught:
            await call
    assert caught.value.operation_id == "get-models"
