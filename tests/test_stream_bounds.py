"""A server that keeps a streamed body alive without ever finishing it: a zip
dripped a few bytes at a time, a conversation turn that never ends. The
`Timeouts` low-speed and turn bounds end both with `StreamTimeoutError`."""

from __future__ import annotations

import asyncio
import io
import json
import time
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from hostile import serve

from amigo_async import AmigoClient, Timeouts, errors
from amigo_async.jobs.export import export_prompt_logs

SERVICE = "5eed0000000000000000c4a7"
CREATED = {"type": "conversation-created", "conversation_id": "b1c3e7c25d1870577704ddaa"}
MESSAGE = {
    "type": "new-message",
    "message": "Hi",
    "transcript_alignment": None,
    "stop": False,
    "sequence_number": 0,
    "message_id": "bfa93efdfb5701f7310df5aa",
}
COMPLETE = {
    "type": "interaction-complete",
    "message_id": "bfa93efdfb5701f7310df5aa",
    "interaction_id": "17744dd39f5262049d7af57d",
    "full_message": "Hi",
    "conversation_completed": False,
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("conversation-42/k-system.txt", "x" * 50_000)
    return buffer.getvalue()


async def _drip(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/zip"})
    await response.prepare(request)
    for offset in range(0, 50_000, 5):  # 5 bytes every 20 ms: never silent, never done
        await response.write(_zip()[offset : offset + 5])
        await asyncio.sleep(0.02)
    return response


def _client(url: str, **timeouts: float) -> AmigoClient:
    return AmigoClient("acme", base_url=url, token="tok-bounds", timeouts=Timeouts(**timeouts))


async def test_a_dripped_zip_fails_at_the_low_speed_bound() -> None:
    async with (
        serve(_drip) as api,
        _client(api.url, stream_idle=5, low_speed_bytes=4096, low_speed_window=0.4) as client,
    ):
        started = time.monotonic()
        with pytest.raises(errors.StreamTimeoutError) as caught:
            async for _ in client.admin.stream_prompt_logs("conversation-42"):
                pass
    assert time.monotonic() - started < 5
    assert caught.value.bound == "low_speed"
    assert "Timeouts.low_speed_bytes" in str(caught.value)


async def test_the_export_records_a_dripped_prefix_as_failed(tmp_path: Path) -> None:
    async with (
        serve(_drip) as api,
        _client(api.url, low_speed_bytes=4096, low_speed_window=0.4) as client,
    ):
        summary = await export_prompt_logs(
            client, ["conversation-42"], tmp_path, format="jsonl", max_attempts=1
        )
    (result,) = summary.results
    assert result.status == "failed"
    assert "low_speed" in (result.error or "")


async def _endless_turn(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    await response.write(json.dumps(CREATED).encode() + b"\n")
    while True:  # a fast, honest-looking stream that never says interaction-complete
        await response.write((json.dumps(MESSAGE).encode() + b"\n") * 50)
        await asyncio.sleep(0.005)


async def test_a_turn_that_never_ends_fails_at_the_turn_bound() -> None:
    async with serve(_endless_turn) as api, _client(api.url, turn_total=0.5) as client:
        started = time.monotonic()
        events = 0
        with pytest.raises(errors.StreamTimeoutError) as caught:
            async for _ in client.conversations.create(SERVICE):
                events += 1
    assert time.monotonic() - started < 5
    assert caught.value.bound == "turn_total"
    assert caught.value.entries_delivered == events > 0


async def _short_turn(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
    await response.prepare(request)
    for event in (CREATED, MESSAGE, COMPLETE):
        await response.write(json.dumps(event).encode() + b"\n")
    return response


async def test_a_slow_consumer_is_not_taken_for_a_slow_server() -> None:
    async with (
        serve(_short_turn) as api,
        _client(api.url, low_speed_bytes=100_000, low_speed_window=0.1) as client,
    ):
        kinds = []
        async for event in client.conversations.create(SERVICE):
            kinds.append(event.type)
            await asyncio.sleep(0.2)  # the consumer's own time is not the server's
    assert kinds[-1] == "interaction-complete"


def test_the_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="low_speed_bytes"):
        Timeouts(low_speed_bytes=-1)
    with pytest.raises(TypeError, match="low_speed_bytes"):
        Timeouts(low_speed_bytes=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="turn_total"):
        Timeouts(turn_total=0)
    assert Timeouts().low_speed_bytes == 1024 and Timeouts().turn_total == 900.0
