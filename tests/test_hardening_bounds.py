"""Issue 19, bounds: nothing a server or a webhook sender controls costs unbounded work,
and a cancelled call leaves nothing open.

A gzip bomb posing as the tool scaffold is refused at a ratio cap; JSON nested
100,000 deep is a library error wherever it arrives; every `RequestStarted` gets
its `RequestFinished`, so the OpenTelemetry hook holds no span after 50
cancelled calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import struct
import time
import zlib
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hostile import json_response, serve
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from amigo_async import AmigoClient, errors
from amigo_async.events import Event, RequestFinished, RequestStarted
from amigo_async.telemetry import OpenTelemetryHook
from amigo_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPayloadError,
    parse_event,
    verify_delivery,
    webhook_handler,
)

TOKEN = "tok-bounds-secret"
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"type": "x", "data": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001
SECRET = "whsec-bounds"


# -- item 6: the scaffold's gzip check -------------------------------------------------------


def _gzip_bomb(mebibytes: int) -> bytes:
    """A gzip of `mebibytes` MiB of zeros, built without compressing them all (once the
    window holds only zeros, each further MiB compresses to the same bytes). Its CRC is
    left zero: a bounded check refuses the body long before the trailer."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(1024 * 1024)
    first = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    deflated = first + repeated * (mebibytes - 1) + compressor.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + deflated + struct.pack("<II", 0, (mebibytes << 20) & 0xFFFFFFFF)


async def test_a_gzip_bomb_posing_as_the_scaffold_is_refused_at_the_ratio_cap() -> None:
    bomb = _gzip_bomb(256)  # ~260 KB that inflate to 256 MiB

    async def scaffold(request: web.Request) -> web.Response:
        return web.Response(body=bomb, content_type="application/gzip")

    received = 0
    async with serve(scaffold) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        started = time.monotonic()
        with pytest.raises(errors.InvalidResponseError, match="100 to 1") as caught:
            async for chunk in c.tools.stream_scaffold():
                received += len(chunk)
        elapsed = time.monotonic() - started
    assert caught.value.operation_id == "get-tool-scaffold-release"
    assert received < len(bomb)  # refused before the whole body went by
    assert elapsed < 5  # generous: a bounded check stops after ~17 MiB of inflation


async def test_a_genuine_scaffold_still_passes_the_check() -> None:
    archive = zlib.compress(b"scaffold source " * 200_000, wbits=31)

    async def scaffold(request: web.Request) -> web.Response:
        return web.Response(body=archive, content_type="application/gzip")

    async with serve(scaffold) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        got = b"".join([chunk async for chunk in c.tools.stream_scaffold()])
    assert got == archive


# -- item 7: JSON nested 100,000 deep ----------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_parse_event_refuses_deep_json_as_a_payload_error(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(body)
    with pytest.raises(WebhookPayloadError):
        parse_event(body.decode())


def _signed(body: bytes, timestamp_ms: int) -> dict[str, str]:
    message = b"v1:" + str(timestamp_ms).encode() + b":" + body
    signature = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(timestamp_ms)}


def test_verify_delivery_refuses_a_signed_deep_body_as_a_payload_error() -> None:
    headers = _signed(DEEP_OBJECT, 1_000_000)
    with pytest.raises(WebhookPayloadError):
        verify_delivery(DEEP_OBJECT, headers, SECRET, now=1_000.0)


@pytest.mark.parametrize(
    "body", [DEEP, DEEP_OBJECT, b'{"type": "\xff\xfe"}'], ids=["array", "object", "not-utf8"]
)
async def test_webhook_handler_answers_400_to_a_body_it_cannot_parse(body: bytes) -> None:
    delivered: list[Any] = []
    handler = webhook_handler(SECRET, delivered.append, max_body_bytes=len(body) + 1)
    async with serve(handler) as receiver, aiohttp.ClientSession() as session:
        headers = _signed(body, int(time.time() * 1000))
        async with session.post(receiver.url + "/hook", data=body, headers=headers) as answer:
            status = answer.status
    assert status == 400
    assert delivered == []


def _answering(body: bytes, content_type: str) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=content_type)

    return handler


@pytest.mark.parametrize(
    "line", [DEEP, DEEP_OBJECT, b'{"type": "new-message\xff"}'], ids=["array", "object", "not-utf8"]
)
async def test_an_event_line_the_parser_cannot_take_is_an_invalid_response(line: bytes) -> None:
    stream = b'{"type": "conversation-created", "conversation_id": "' + b"c" * 24 + b'"}\n'
    async with (
        serve(_answering(stream + line + b"\n", "application/x-ndjson")) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.InvalidResponseError) as caught:
            await client.conversations.create("a" * 24).collect()
    assert caught.value.operation_id == "create-conversation"


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
async def test_a_deep_json_answer_is_an_invalid_response(body: bytes) -> None:
    async with (
        serve(_answering(body, "application/json")) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.InvalidResponseError):
            await client.admin.get_models()


# -- item 8: every attempt finishes, however it ends ----------------------------------------------


async def test_fifty_cancelled_calls_each_emit_a_cancelled_finish_and_leave_no_span_open() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    hook = OpenTelemetryHook(tracer_provider=provider)
    seen: list[Event] = []
    never = asyncio.Event()
    arrived: list[int] = []
    all_arrived = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        arrived.append(1)
        if len(arrived) == 50:
            all_arrived.set()
        await never.wait()
        return json_response({"models": []})

    async with serve(silent) as api:
        client = AmigoClient(
            "acme",
            token=TOKEN,
            base_url=api.url,
            rate_limiting=False,
            event_hooks=[hook, seen.append],
        )
        async with client:
            calls = [asyncio.create_task(client.admin.get_models()) for _ in range(50)]
            await asyncio.wait_for(all_arrived.wait(), timeout=30)
            for call in calls:
                call.cancel()
            await asyncio.gather(*calls, return_exceptions=True)
            never.set()
    finished = [e for e in seen if isinstance(e, RequestFinished)]
    assert len(finished) == 50
    assert {e.error for e in finished} == {"cancelled"}
    assert {e.key for e in finished} == {e.key for e in seen if isinstance(e, RequestStarted)}
    spans = exporter.get_finished_spans()
    assert len(spans) == 100  # each call's span and its one attempt's span
    assert all(span.status.status_code is StatusCode.ERROR for span in spans)
    assert vars(hook)["_calls"] == {} and vars(hook)["_attempts"] == {}
