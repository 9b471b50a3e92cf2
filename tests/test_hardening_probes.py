"""An outside look at issue 19's fixes: hostile variations the first tests did not try.

Each test reproduces a probe that failed: a credential echoed upper-cased or
JSON-escaped, a webhook body aiohttp cannot decode, tolerances and clocks that
are not numbers a comparison can use.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import aiohttp
import pytest
from aiohttp import web
from hostile import everything_said, serve

from amigo_async import AmigoClient, errors
from amigo_async.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
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
