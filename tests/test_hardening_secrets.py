"""Issue 19, secrets: server-controlled text never carries a credential, and is cut.

A hostile proxy echoes the request's credentials into the reason phrase, the
request id, the error event's description; none of them may reach an error,
a log record or the command line's output. Webhook tolerances that would
disable replay protection are refused.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hostile import SIGN_IN_PATH, everything_said, json_response, serve

from amigo_async import AmigoClient, errors
from amigo_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookVerificationError,
    verify_delivery,
    webhook_handler,
)

TOKEN = "tok-round3-secret-bearer"
API_KEY = "key-round3-very-secret"
KEY_ID = "kid-1"
USER = "user-1"
SIGNED_IN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmVkLWluLXRva2Vu"
SERVICE = "a" * 24


def _credentials_of(request: web.Request) -> str:
    """Every credential the request carried, as a proxy that echoes them would show it."""
    return " ".join(
        request.headers.get(name, "") for name in ("Authorization", "x-api-key", "x-api-key-id")
    )


def _assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text


# -- item 1: reason phrase, request id -------------------------------------------------


async def _echoing_error(request: web.Request) -> web.Response:
    if request.path == SIGN_IN_PATH:
        return json_response({"id_token": SIGNED_IN, "expires_at": "2099-01-01T00:00:00Z"})
    echoed = _credentials_of(request)
    return web.Response(
        status=418,
        reason=f"Teapot {echoed} " + "x" * 5000,
        headers={"X-Request-Id": f"req-{echoed}-" + "y" * 5000},
        text="{}",
    )


@pytest.mark.parametrize("scheme", ["bearer", "basic"])
async def test_a_reason_phrase_and_request_id_echoing_the_token_are_scrubbed_and_cut(
    scheme: str,
) -> None:
    async with serve(_echoing_error) as api:
        client = AmigoClient(
            "acme", token=TOKEN, auth_scheme=scheme, user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.APIStatusError) as caught:
                await client.admin.get_models()
    basic = base64.b64encode(f"acme_{USER}:{TOKEN}".encode()).decode()
    _assert_clean(everything_said(caught.value), TOKEN, basic)
    assert caught.value.message.startswith("Teapot")
    assert len(caught.value.message) <= 101
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req-")
    assert len(caught.value.request_id) <= 101


async def test_an_api_key_echoed_in_the_reason_and_request_id_is_scrubbed() -> None:
    async with serve(_echoing_error) as api:
        client = AmigoClient(
            "acme", api_key=API_KEY, api_key_id=KEY_ID, user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.APIStatusError) as caught:
                await client.admin.get_models()
    _assert_clean(everything_said(caught.value), API_KEY, SIGNED_IN)


async def test_a_refused_sign_in_echoing_the_key_in_its_reason_shows_no_key() -> None:
    async def refuse(request: web.Request) -> web.Response:
        echoed = _credentials_of(request)
        return web.Response(status=400, reason=f"bad {echoed}", headers={"X-Request-Id": echoed})

    async with serve(refuse) as api:
        client = AmigoClient(
            "acme", api_key=API_KEY, api_key_id=KEY_ID, user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.BadRequestError) as caught:
                await client.admin.get_models()
    _assert_clean(everything_said(caught.value), API_KEY)


async def test_a_streamed_answer_request_id_is_scrubbed_in_its_errors(tmp_path: Path) -> None:
    """A stream's context (used by every error its parser raises) holds a scrubbed id."""

    async def cut_stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"X-Request-Id": f"id {_credentials_of(request)}", "Content-Length": "100"}
        )
        await response.prepare(request)
        await response.write(gzip.compress(b"x" * 1000)[:10])
        assert request.transport is not None
        request.transport.close()
        return response

    async with serve(cut_stream) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        with pytest.raises(errors.TruncatedStreamError) as caught:
            await c.tools.download_scaffold(tmp_path / "scaffold.tar.gz")
    assert caught.value.request_id is not None
    _assert_clean(everything_said(caught.value), TOKEN)


# -- item 3: error events ------------------------------------------------------------------


def _ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(event).encode() + b"\n" for event in events)


def _stream_with_error_event(after_complete: bool) -> Any:
    async def handler(request: web.Request) -> web.Response:
        description = f"failed for {_credentials_of(request)} " + "z" * 2_000_000
        error = {"type": "error", "http_error_code": 500, "error_description": description}
        created = {"type": "conversation-created", "conversation_id": "c" * 24}
        complete = {
            "type": "interaction-complete",
            "message_id": "m" * 24,
            "interaction_id": "i" * 24,
            "full_message": "",
            "conversation_completed": False,
        }
        events = [created, complete, error] if after_complete else [created, error]
        return web.Response(body=_ndjson(*events), content_type="application/x-ndjson")

    return handler


async def test_an_error_event_echoing_the_token_is_scrubbed_and_cut_in_the_exception() -> None:
    async with (
        serve(_stream_with_error_event(False)) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.ConversationEventError) as caught:
            await client.conversations.create(SERVICE).collect()
    said = everything_said(caught.value)
    _assert_clean(said, TOKEN)
    assert "failed for" in str(caught.value)
    assert len(str(caught.value)) < 1000


async def test_an_error_event_after_completion_logs_a_scrubbed_and_cut_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with (
        serve(_stream_with_error_event(True)) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with caplog.at_level(logging.WARNING, logger="amigo_async"):
            interaction = await client.conversations.create(SERVICE).collect()
    assert interaction.post_processing_error is not None
    warnings = [r.getMessage() for r in caplog.records if "post-processing" in r.getMessage()]
    assert len(warnings) == 1
    _assert_clean(warnings[0], TOKEN)
    assert len(warnings[0]) < 1000


# -- item 2: the command line's verbose output -------------------------------------------


def test_verbose_cli_logs_header_names_never_credential_values() -> None:
    """`amigo-async -v demo` against a server that echoes the credentials everywhere."""
    script = f"""
import asyncio, sys
sys.path.insert(0, {os.path.dirname(__file__)!r})
from hostile import serve
from test_hardening_secrets import _echoing_error
from amigo_async.cli import _app

async def main():
    async with serve(_echoing_error) as api:
        import os
        os.environ["AMIGO_BASE_URL"] = api.url
        return await asyncio.to_thread(_app.run, ["-v", "demo"])

sys.exit(asyncio.run(main()))
"""
    environment = {
        **os.environ,
        "AMIGO_API_KEY": API_KEY,
        "AMIGO_API_KEY_ID": KEY_ID,
        "AMIGO_USER_ID": USER,
        "AMIGO_ORGANIZATION_ID": "acme",
    }
    environment.pop("AMIGO_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "signin_with_api_key -> 200" in output
    assert "headers sent:" in output and "x-api-key" in output and "Authorization" in output
    assert "error: Teapot" in output
    _assert_clean(output, API_KEY, SIGNED_IN)


# -- item 5: webhook tolerance and timestamps -----------------------------------------------

SECRET = "whsec-round3"
BODY = b'{"type": "api-key-expiration-soon"}'


def _signed(timestamp_ms: int) -> dict[str, str]:
    import hashlib
    import hmac

    message = b"v1:" + str(timestamp_ms).encode() + b":" + BODY
    signature = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    return {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(timestamp_ms)}


@pytest.mark.parametrize(
    "tolerance", [math.nan, math.inf, -math.inf, -1.0, timedelta(seconds=-1)], ids=repr
)
def test_a_tolerance_that_disables_replay_protection_is_refused(tolerance: Any) -> None:
    now = 2_000_000_000.0
    ten_years_ago = int((now - 10 * 365 * 86400) * 1000)
    with pytest.raises(ValueError, match="tolerance"):
        verify_delivery(BODY, _signed(ten_years_ago), SECRET, tolerance=tolerance, now=now)
    with pytest.raises(ValueError, match="tolerance"):
        webhook_handler(SECRET, lambda delivery: None, tolerance=tolerance)


@pytest.mark.parametrize("timestamp_ms", [10**15 * 9, 9_999_999_999_999_999])
def test_a_timestamp_no_calendar_holds_is_a_verification_error(timestamp_ms: int) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(
            BODY, _signed(timestamp_ms), SECRET, tolerance=timedelta.max, now=timestamp_ms / 1000
        )
    assert caught.value.reason == "malformed-header"


def test_a_str_body_with_a_lone_surrogate_is_a_webhook_error() -> None:
    from amigo_async.webhooks import WebhookError

    with pytest.raises(WebhookError):
        verify_delivery("\ud800", _signed(1000), SECRET, now=1.0)


def test_server_text_that_was_not_utf8_becomes_writable_text() -> None:
    from amigo_async._request import server_text

    text = server_text("req-\udcff\ud800-Bearer abc", ["abc"])
    assert text is not None
    text.encode("utf-8")  # no lone surrogate left to fail a log handler or a file
    assert text.startswith("req-") and "abc" not in text
