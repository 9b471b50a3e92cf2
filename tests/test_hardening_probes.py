"""An outside look at issue 19's fixes: hostile variations the first tests did not try.

Each test reproduces a probe that failed: a credential echoed upper-cased or
JSON-escaped, a webhook body aiohttp cannot decode, tolerances and clocks that
are not numbers a comparison can use.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from hostile import everything_said, serve

from amigo_async import AmigoClient, cli, errors
from amigo_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookPayloadError,
    parse_event,
    verify_delivery,
    webhook_handler,
)

TOKEN = "tok-probe-secret-AbC123xyz"
SECRET = "whsec-probe"
BODY = json.dumps({"type": "x.unknown"}).encode()


def _json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


@pytest.mark.parametrize(
    "echo",
    [
        pytest.param(lambda token: token.upper(), id="upper-cased"),
        pytest.param(lambda token: token.lower(), id="lower-cased"),
        pytest.param(_json_escaped, id="json-escaped"),
    ],
)
async def test_a_credential_echoed_in_another_form_is_redacted(echo) -> None:
    async def handler(request: web.Request) -> web.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        body = '{"detail": "' + echo(token) + '"}'
        return web.Response(text=body, status=400, content_type="application/json")

    async with (
        serve(handler) as server,
        AmigoClient(organization="acme", base_url=server.url, token=TOKEN) as client,
    ):
        with pytest.raises(errors.BadRequestError) as caught:
            await client.admin.get_models()
    said = everything_said(caught.value)
    assert "[redacted]" in said
    for form in (TOKEN, TOKEN.upper(), TOKEN.lower(), _json_escaped(TOKEN)):
        assert form not in said


def _headers(body: bytes, timestamp: str) -> dict[str, str]:
    message = b"v1:" + timestamp.encode() + b":" + body
    signature = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: timestamp}


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_webhook_body_that_cannot_be_decoded_is_a_400_not_a_500(encoding: str) -> None:
    headers = {**_headers(BODY, str(int(time.time() * 1000))), "Content-Encoding": encoding}
    handler = webhook_handler(SECRET, lambda delivery: None)
    async with serve(handler) as server, aiohttp.ClientSession() as session:
        sent = session.post(server.url + "/hook", data=b"not compressed", headers=headers)
        async with sent as answer:
            assert answer.status == 400  # a 500 makes the sender retry for ever
            assert answer.headers.get("Connection") == "close"  # aiohttp drops it after


def test_a_tolerance_too_large_for_a_float_is_a_value_error() -> None:
    headers = _headers(BODY, str(int(time.time() * 1000)))
    with pytest.raises(ValueError, match="tolerance"):
        verify_delivery(BODY, headers, SECRET, tolerance=10**400)
    with pytest.raises(ValueError, match="tolerance"):
        webhook_handler(SECRET, lambda delivery: None, tolerance=10**400)


def test_a_clock_that_is_not_a_number_never_lets_a_stale_delivery_through() -> None:
    headers = _headers(BODY, "1000")  # signed in 1970
    with pytest.raises(ValueError, match="now"):
        verify_delivery(BODY, headers, SECRET, now=float("nan"))


# -- conversation event streams ---------------------------------------------------------


def _event_stream(*parts: bytes, encoding: str | None = None):
    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "application/x-ndjson"}
        if encoding:
            headers["Content-Encoding"] = encoding
        answer = web.StreamResponse(headers=headers)
        await answer.prepare(request)
        for part in parts:
            await answer.write(part)
        return answer

    return handler


async def test_a_conversation_id_from_the_server_is_scrubbed_and_cut_in_errors() -> None:
    created = {"type": "conversation-created", "conversation_id": TOKEN + "x" * 100_000}
    handler = _event_stream(json.dumps(created).encode() + b"\n")  # then the stream ends
    async with (
        serve(handler) as server,
        AmigoClient(organization="acme", base_url=server.url, token=TOKEN) as client,
    ):
        with pytest.raises(errors.TruncatedStreamError) as caught:
            async for _ in client.conversations.create("a" * 24, initial_message="hi"):
                pass
    said = everything_said(caught.value)
    assert TOKEN not in said
    assert len(str(caught.value)) < 1000


async def test_an_unreadable_event_line_does_not_carry_the_line_in_its_context() -> None:
    line = b'{"type": "new-message", "message": "' + TOKEN.encode() + b'"\n'
    async with (
        serve(_event_stream(line)) as server,
        AmigoClient(organization="acme", base_url=server.url, token=TOKEN) as client,
    ):
        with pytest.raises(errors.InvalidResponseError) as caught:
            async for _ in client.conversations.interact("b" * 24, text="hi"):
                pass
    assert TOKEN not in everything_said(caught.value)  # json's error keeps the line as `doc`


async def test_a_gzip_of_blank_lines_is_read_in_bounded_time() -> None:
    bomb = gzip.compress(b"\n" * (48 * 2**20), 1)  # 200 KB inflating to 48 MB
    async with (
        serve(_event_stream(bomb, encoding="gzip")) as server,
        AmigoClient(organization="acme", base_url=server.url, token=TOKEN) as client,
    ):
        # Line by line, the blank lines took ~10 s; as runs of whitespace, well under 1 s.
        async with asyncio.timeout(5):
            with pytest.raises(errors.TruncatedStreamError):
                async for _ in client.conversations.interact("b" * 24, text="hi"):
                    pass


# -- the command line's --out ------------------------------------------------------------


def _export(out: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["prompt-logs", "export", "--fake", "--prefix", "demo", "--out", out])
    return status, capsys.readouterr().err


def test_an_out_that_is_a_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    status, err = _export(str(a_file), capsys)
    assert status == 1
    assert "error:" in err and "Traceback" not in err


def test_an_out_under_a_file_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    status, err = _export(str(tmp_path / "file" / "out"), capsys)
    assert status == 1
    assert "error:" in err and "Traceback" not in err


@pytest.mark.parametrize("out", ["", "  "])
def test_an_empty_out_is_refused(
    out: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    status, err = _export(out, capsys)
    assert status == 1
    assert "--out is empty" in err
    assert list(tmp_path.iterdir()) == []  # nothing exported into the current directory


@pytest.mark.parametrize("body", [b'{"type": "\\ud800"}', '{"type": "x", "a": "\\udc80"}'])
def test_a_webhook_body_with_an_unpaired_surrogate_is_a_payload_error(body: bytes | str) -> None:
    with pytest.raises(WebhookPayloadError):  # else a UnicodeError when the receiver prints it
        parse_event(body)


def test_a_webhook_body_with_an_escaped_surrogate_pair_is_read() -> None:
    assert parse_event(b'{"type": "\\ud83d\\ude00"}').type == "\N{GRINNING FACE}"


@pytest.mark.parametrize("escape", [rb"\ud800", rb"\udfff", rb"\ud83d tail"])
def test_an_event_with_an_unpaired_surrogate_is_an_invalid_response(escape: bytes) -> None:
    """Issue 19 item 7: a str no encoder takes must not reach the user's code."""
    from amigo_async.conversations import parse_events

    line = b'{"type": "new-message", "message": "' + escape + b'"}\n'

    async def chunks() -> AsyncIterator[bytes]:
        yield line

    async def read() -> None:
        async for _event in parse_events(chunks()):
            pass

    with pytest.raises(errors.InvalidResponseError):
        asyncio.run(read())


def test_an_event_with_an_escaped_surrogate_pair_is_read() -> None:
    from amigo_async._json import loads_untrusted

    assert loads_untrusted(b'{"m": "\\ud83d\\ude00"}') == {"m": "\U0001f600"}
