"""Webhook verification and parsing; signatures computed here with hmac directly."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from amigo_async.errors import AmigoError
from amigo_async.webhooks import (
    AgentFrameworkResourceUpdatedEvent,
    ApiKeyExpirationSoonEvent,
    ConversationPostProcessingCompleteEvent,
    UnknownWebhookEvent,
    WebhookDelivery,
    WebhookPayloadError,
    WebhookVerificationError,
    parse_event,
    verify_delivery,
    verify_signature,
    webhook_handler,
)

SECRET = "whsec-old-7f3a"
NEW_SECRET = "whsec-new-91bc"
NOW = 1_750_000_000.0
TS = str(int(NOW * 1000))
EVENT = {
    "type": "conversation-post-processing-complete",
    "post_processing_type": "extract-memories",
    "conversation_id": "6650f0c2a1b2c3d4e5f60718",
    "org_id": "acme",
}
BODY = json.dumps(EVENT, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"v1:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()


def headers(signature: str, timestamp: str = TS, **extra: str) -> dict[str, str]:
    return {"x-amigo-request-signature": signature, "x-amigo-request-timestamp": timestamp, **extra}


# -- signature ---------------------------------------------------------------------


def test_a_known_vector_verifies() -> None:
    # From openssl, not from Python: printf 'v1:1000:{}' | openssl dgst -sha256 -hmac key
    vector = "2b58bcb61acfec6eda47787ea7b79498cd9524d8a59fa6e7bcea5cf0b781e1da"
    assert sign("key", "1000", b"{}") == vector
    signed_at = verify_signature(b"{}", signature=vector, timestamp="1000", secrets="key", now=1.0)
    assert signed_at.timestamp() == 1.0
    with pytest.raises(WebhookVerificationError):
        verify_signature(b"{}", signature=vector, timestamp="1000", secrets="kez", now=1.0)


def test_a_valid_delivery_gives_the_typed_event() -> None:
    delivery = verify_delivery(
        BODY, headers(sign(SECRET, TS, BODY), **{"x-amigo-idempotent-key": "k1"}), SECRET, now=NOW
    )
    assert delivery.event == ConversationPostProcessingCompleteEvent(
        post_processing_type="extract-memories",
        conversation_id=EVENT["conversation_id"],
        org_id="acme",
    )
    assert delivery.event.type == "conversation-post-processing-complete"
    assert delivery.idempotency_key == "k1"
    assert delivery.timestamp.timestamp() == NOW


def test_a_text_body_is_signed_as_its_utf8_bytes() -> None:
    body = json.dumps({**EVENT, "org_id": "café"}, ensure_ascii=False)
    signature = sign(SECRET, TS, body.encode())
    delivery = verify_delivery(body, headers(signature), SECRET, now=NOW)
    assert isinstance(delivery.event, ConversationPostProcessingCompleteEvent)
    assert delivery.event.org_id == "café"


@pytest.mark.parametrize("missing", ["x-amigo-request-signature", "x-amigo-request-timestamp"])
def test_a_missing_header_is_an_error_not_a_skipped_check(missing: str) -> None:
    given = headers(sign(SECRET, TS, BODY))
    del given[missing]
    with pytest.raises(WebhookVerificationError, match=missing) as caught:
        verify_delivery(BODY, given, SECRET, now=NOW)
    assert caught.value.reason == "missing-header"


def test_header_names_are_case_insensitive() -> None:
    given = {k.upper(): v for k, v in headers(sign(SECRET, TS, BODY)).items()}
    assert verify_delivery(BODY, given, SECRET, now=NOW).event.type == EVENT["type"]


def test_a_changed_body_fails() -> None:
    tampered = BODY.replace(b"extract-memories", b"compute-metrics")
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(tampered, headers(sign(SECRET, TS, BODY)), SECRET, now=NOW)
    assert caught.value.reason == "bad-signature"


def test_a_changed_timestamp_fails() -> None:
    other = str(int(TS) + 1)
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify_delivery(BODY, headers(sign(SECRET, TS, BODY), other), SECRET, now=NOW)


def test_the_wrong_secret_fails_and_the_error_never_shows_a_secret() -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(BODY, headers(sign("attacker", TS, BODY)), [SECRET, NEW_SECRET], now=NOW)
    text = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert SECRET not in text and NEW_SECRET not in text
    assert isinstance(caught.value, AmigoError)


def test_during_rotation_either_secret_verifies() -> None:
    for signer in (SECRET, NEW_SECRET):
        signature = sign(signer, TS, BODY)
        assert verify_delivery(BODY, headers(signature), [NEW_SECRET, SECRET], now=NOW)


@pytest.mark.parametrize("separator", [",", ", ", " ", "\t"])
def test_a_dual_signed_header_verifies_with_only_one_secret_known(separator: str) -> None:
    both = separator.join([sign(SECRET, TS, BODY), sign(NEW_SECRET, TS, BODY)])
    assert verify_delivery(BODY, headers(both), NEW_SECRET, now=NOW)
    assert verify_delivery(BODY, headers(both), SECRET, now=NOW)


def test_repeated_signature_headers_are_all_considered() -> None:
    from multidict import CIMultiDict

    given = CIMultiDict(headers(sign("other", TS, BODY)))
    given.add("X-Amigo-Request-Signature", sign(SECRET, TS, BODY))
    assert verify_delivery(BODY, given, SECRET, now=NOW)


@pytest.mark.parametrize(
    "signature", ["", "not-hex", "ab" * 31, "sha256=" + "ab" * 32, ",".join(["ab" * 32] * 9)]
)
def test_a_malformed_signature_header_is_refused(signature: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(BODY, headers(signature), SECRET, now=NOW)
    assert caught.value.reason == "malformed-header"


@pytest.mark.parametrize("timestamp", ["", "12.5", "-1", "1e12", "9" * 17, " 1000"])
def test_a_malformed_timestamp_is_refused(timestamp: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(BODY, headers(sign(SECRET, timestamp, BODY), timestamp), SECRET, now=NOW)
    assert caught.value.reason == "malformed-header"


@pytest.mark.parametrize(("offset", "reason"), [(-301.0, "stale"), (301.0, "future")])
def test_timestamps_beyond_the_default_five_minutes_are_refused(offset: float, reason: str) -> None:
    ts = str(int((NOW + offset) * 1000))
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(BODY, headers(sign(SECRET, ts, BODY), ts), SECRET, now=NOW)
    assert caught.value.reason == reason


@pytest.mark.parametrize("offset", [-299.0, 299.0])
def test_timestamps_within_the_tolerance_pass(offset: float) -> None:
    ts = str(int((NOW + offset) * 1000))
    assert verify_delivery(BODY, headers(sign(SECRET, ts, BODY), ts), SECRET, now=NOW)


def test_the_tolerance_is_configurable() -> None:
    ts = str(int((NOW - 60) * 1000))
    given = headers(sign(SECRET, ts, BODY), ts)
    assert verify_delivery(BODY, given, SECRET, now=NOW, tolerance=120)
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_delivery(BODY, given, SECRET, now=NOW, tolerance=30)


def test_the_real_clock_is_used_by_default() -> None:
    ts = str(int(time.time() * 1000))
    assert verify_delivery(BODY, headers(sign(SECRET, ts, BODY), ts), SECRET)
    with pytest.raises(WebhookVerificationError) as caught:
        verify_delivery(BODY, headers(sign(SECRET, TS, BODY)), SECRET)
    assert caught.value.reason == "stale"


@pytest.mark.parametrize("secrets", ["", [], [SECRET, ""]])
def test_empty_secrets_are_refused(secrets: Any) -> None:
    with pytest.raises(ValueError, match="secrets"):
        verify_delivery(BODY, headers(sign(SECRET, TS, BODY)), secrets, now=NOW)


# -- events ------------------------------------------------------------------------


def test_an_unknown_type_is_kept_with_its_data() -> None:
    event = parse_event(b'{"type": "brand-new", "x": 1}')
    assert event == UnknownWebhookEvent(type="brand-new", data={"type": "brand-new", "x": 1})


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("api-key-expiration-soon", ApiKeyExpirationSoonEvent),
        ("agent-framework-resource-updated", AgentFrameworkResourceUpdatedEvent),
    ],
)
def test_types_named_without_fields_keep_their_payload(kind: str, cls: type[Any]) -> None:
    event = parse_event(json.dumps({"type": kind, "api_key_id": "k"}))
    assert isinstance(event, cls)
    assert event.type == kind
    assert event.data["api_key_id"] == "k"


def test_an_unknown_post_processing_type_and_extra_fields_are_kept() -> None:
    event = parse_event(json.dumps({**EVENT, "post_processing_type": "generate-tasks", "n": 1}))
    assert isinstance(event, ConversationPostProcessingCompleteEvent)
    assert event.post_processing_type == "generate-tasks"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"no": "type"}',
        b'{"type": 3}',
        b"\xff",
        b'{"type": "' + b"c" * 3 + b'"',
        # Two parsers may read these differently: whoever parses the verified body after
        # the receiver must see what it saw.
        b'{"type": "brand-new", "type": "api-key-expiration-soon"}',
        b'{"type": "brand-new", "data": {"n": 1, "n": 2}}',
        b'{"type": "brand-new", "score": NaN}',
        b'{"type": "brand-new", "score": -Infinity}',
    ],
)
def test_a_body_that_is_not_an_event_object_is_a_payload_error(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(body)


def test_a_known_type_missing_a_field_is_a_payload_error() -> None:
    incomplete = {k: v for k, v in EVENT.items() if k != "conversation_id"}
    with pytest.raises(WebhookPayloadError, match="conversation-post-processing-complete"):
        parse_event(json.dumps(incomplete))


# -- the aiohttp handler -----------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(handler: Any) -> AsyncIterator[str]:
    """A real aiohttp server on 127.0.0.1 with `handler` at /hook."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/hook"
    finally:
        await runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[WebhookDelivery]]]:
    received: list[WebhookDelivery] = []

    async def on_event(delivery: WebhookDelivery) -> None:
        received.append(delivery)

    async with serving(webhook_handler([NEW_SECRET, SECRET], on_event, max_body_bytes=4096)) as url:
        yield url, received


async def _post(url: str, body: bytes, given: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=given) as r:
        return r.status


async def test_the_handler_accepts_a_signed_delivery(
    receiver: tuple[str, list[WebhookDelivery]],
) -> None:
    url, received = receiver
    ts = str(int(time.time() * 1000))
    assert await _post(url, BODY, headers(sign(SECRET, ts, BODY), ts)) == 204
    assert [d.event.type for d in received] == [EVENT["type"]]


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda h: h.pop("x-amigo-request-signature"), 400),
        (lambda h: h.update({"x-amigo-request-signature": sign("x", h["ts"], BODY)}), 401),
        (lambda h: h.update({"x-amigo-request-timestamp": "1000"}), 401),
    ],
)
async def test_the_handler_refuses_unverified_deliveries(
    receiver: tuple[str, list[WebhookDelivery]], mutate: Any, status: int
) -> None:
    url, received = receiver
    ts = str(int(time.time() * 1000))
    given = {**headers(sign(SECRET, ts, BODY), ts), "ts": ts}
    mutate(given)
    assert await _post(url, BODY, given) == status
    assert received == []


async def test_the_handler_refuses_a_signed_non_event_with_400(
    receiver: tuple[str, list[WebhookDelivery]],
) -> None:
    url, received = receiver
    ts = str(int(time.time() * 1000))
    assert await _post(url, b"[1]", headers(sign(SECRET, ts, b"[1]"), ts)) == 400
    assert received == []


async def test_the_handler_bounds_the_body(receiver: tuple[str, list[WebhookDelivery]]) -> None:
    url, received = receiver
    big = json.dumps({**EVENT, "pad": "x" * 5000}).encode()
    ts = str(int(time.time() * 1000))
    assert await _post(url, big, headers(sign(SECRET, ts, big), ts)) == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked upload
        for _ in range(5):
            yield b"x" * 1000

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=chunks(), headers=headers(sign(SECRET, ts, big), ts)) as response,
    ):
        assert response.status == 413
    assert received == []


async def test_a_failing_callback_answers_500_so_amigo_retries() -> None:
    def on_event(delivery: WebhookDelivery) -> None:
        raise RuntimeError("database down")

    async with serving(webhook_handler(lambda: SECRET, on_event)) as url:
        ts = str(int(time.time() * 1000))
        assert await _post(url, BODY, headers(sign(SECRET, ts, BODY), ts)) == 500


def test_the_handler_refuses_bad_options_up_front() -> None:
    with pytest.raises(ValueError, match="secrets"):
        webhook_handler("", lambda d: None)
    with pytest.raises(ValueError, match="max_body_bytes"):
        webhook_handler(SECRET, lambda d: None, max_body_bytes=0)
    with pytest.raises(ValueError, match="tolerance"):
        webhook_handler(SECRET, lambda d: None, tolerance=-1)
