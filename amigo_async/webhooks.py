"""Verify and parse webhook deliveries from Amigo.

    from amigo_async.webhooks import verify_delivery

    delivery = verify_delivery(body, request.headers, secrets=[new_secret, old_secret])
    match delivery.event:
        case ConversationPostProcessingCompleteEvent(conversation_id=cid): ...

Amigo signs every delivery: HMAC-SHA256 (hex) over ``v1:{timestamp}:{body}`` with
the destination's secret; ``x-amigo-request-timestamp`` carries the timestamp in
milliseconds and ``x-amigo-request-signature`` the signature. Verification is
required: a missing header fails like a wrong signature, because an unsigned
request is exactly what a forger sends.

During a secret rotation Amigo signs with both the old and the new secret until
``dual_signing_stops_at`` (about 30 minutes), so a receiver passes both secrets.
The snapshot does not say how two signatures share the header; we accept several
hex signatures separated by commas and/or whitespace, and repeated headers.

Errors:

    AmigoError
    └── WebhookError
        ├── WebhookVerificationError   missing/malformed header, stale or future
        │                              timestamp, no signature matches (never the secret)
        └── WebhookPayloadError        a verified body that is not a usable event
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import attrs
from aiohttp import web

from ._json import loads_untrusted
from .errors import AmigoError
from .models import structure

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TOLERANCE",
    "IDEMPOTENCY_HEADER",
    "POST_PROCESSING_TYPES",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "AgentFrameworkResourceUpdatedEvent",
    "ApiKeyExpirationSoonEvent",
    "ConversationPostProcessingCompleteEvent",
    "UnknownWebhookEvent",
    "WebhookDelivery",
    "WebhookError",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookVerificationError",
    "parse_event",
    "verify_delivery",
    "verify_signature",
    "webhook_handler",
]

SIGNATURE_HEADER = "x-amigo-request-signature"
TIMESTAMP_HEADER = "x-amigo-request-timestamp"
IDEMPOTENCY_HEADER = "x-amigo-idempotent-key"  # same value on every retry of one delivery
DEFAULT_TOLERANCE = timedelta(minutes=5)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# The snapshot's PostAnalysisType; other values are kept as they arrive.
POST_PROCESSING_TYPES = frozenset({"generate-user-models", "extract-memories", "compute-metrics"})

_MAX_SIGNATURES = 8  # bounds the work one forged header can cause
_SIGNATURE_SPLIT = re.compile(r"[\s,]+")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,16}")

Secrets = str | bytes | Iterable[str | bytes]


class WebhookError(AmigoError):
    """A webhook delivery was refused; the message never contains a secret."""


class WebhookVerificationError(WebhookError):
    """The delivery is not proven to come from Amigo (answer 401/400, do not act on it).

    `reason` is one of ``missing-header``, ``malformed-header``, ``stale``,
    ``future``, ``bad-signature``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class WebhookPayloadError(WebhookError):
    """A correctly signed body that is not a JSON object with a string ``type``."""


# -- events ----------------------------------------------------------------------


class _KnownEvent:
    """An event type the snapshot names; `type` comes from the class."""

    TYPE: ClassVar[str]

    @property
    def type(self) -> str:
        return self.TYPE


@attrs.frozen
class ConversationPostProcessingCompleteEvent(_KnownEvent):
    """A post-processing step (see `POST_PROCESSING_TYPES`) finished for a conversation."""

    TYPE: ClassVar[str] = "conversation-post-processing-complete"

    post_processing_type: str
    conversation_id: str
    org_id: str


@attrs.frozen
class _PayloadEvent(_KnownEvent):
    """The snapshot names this type but not its fields: `data` is the payload as received."""

    data: Mapping[str, Any]


@attrs.frozen
class ApiKeyExpirationSoonEvent(_PayloadEvent):
    """An API key expires soon (fields undocumented: read `data`)."""

    TYPE: ClassVar[str] = "api-key-expiration-soon"


@attrs.frozen
class AgentFrameworkResourceUpdatedEvent(_PayloadEvent):
    """An agent-framework resource changed (fields undocumented: read `data`)."""

    TYPE: ClassVar[str] = "agent-framework-resource-updated"


@attrs.frozen
class UnknownWebhookEvent:
    """A type this version does not know; kept so a newer server never breaks a receiver."""

    type: str
    data: Mapping[str, Any]


WebhookEvent = (
    ConversationPostProcessingCompleteEvent
    | ApiKeyExpirationSoonEvent
    | AgentFrameworkResourceUpdatedEvent
    | UnknownWebhookEvent
)


@attrs.frozen
class WebhookDelivery:
    """A verified delivery: the event, when it was signed, and its deduplication key."""

    event: WebhookEvent
    timestamp: datetime
    idempotency_key: str | None


# -- verification ------------------------------------------------------------------


def _secret_list(secrets: Secrets) -> list[bytes]:
    items = [secrets] if isinstance(secrets, str | bytes) else list(secrets)
    encoded = [s.encode() if isinstance(s, str) else s for s in items]
    if not encoded or any(not isinstance(s, bytes) or not s for s in encoded):
        raise ValueError("secrets must be one or more non-empty strings")
    return encoded


def _tolerance_seconds(tolerance: timedelta | float) -> float:
    """A finite, non-negative number of seconds: `nan` would disable replay protection."""
    seconds = tolerance.total_seconds() if isinstance(tolerance, timedelta) else tolerance
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError("tolerance must be a timedelta or a number of seconds")
    try:
        seconds = float(seconds)  # an int beyond a float's range overflows here
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("tolerance must be a finite, non-negative timedelta or number of seconds")
    return seconds


def _signatures(header: str) -> list[bytes]:
    candidates = [c for c in _SIGNATURE_SPLIT.split(header.strip()) if c]
    if not candidates or len(candidates) > _MAX_SIGNATURES:
        raise WebhookVerificationError(
            f"{SIGNATURE_HEADER} must hold 1 to {_MAX_SIGNATURES} signatures",
            reason="malformed-header",
        )
    if not all(_HEX_SHA256.fullmatch(c) for c in candidates):
        raise WebhookVerificationError(
            f"{SIGNATURE_HEADER} must hold hex HMAC-SHA256 signatures", reason="malformed-header"
        )
    return [c.lower().encode() for c in candidates]


def _check_age(timestamp_ms: int, tolerance: float, now: float | None) -> None:
    if now is not None and not math.isfinite(now):
        raise ValueError("now must be a finite number of seconds since the epoch")
    age = (time.time() if now is None else now) - timestamp_ms / 1000
    if age > tolerance:
        raise WebhookVerificationError(
            f"delivery signed {age:.0f} s ago, beyond the {tolerance:.0f} s tolerance",
            reason="stale",
        )
    if -age > tolerance:
        raise WebhookVerificationError(
            f"delivery timestamp {-age:.0f} s in the future, beyond the {tolerance:.0f} s "
            "tolerance",
            reason="future",
        )


def verify_signature(
    body: bytes | str,
    *,
    signature: str | None,
    timestamp: str | None,
    secrets: Secrets,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> datetime:
    """Check `signature` over ``v1:{timestamp}:{body}``; return the signing time.

    Passes when any signature in the header matches any secret. Every pair is
    compared in constant time, and all pairs are compared, so timing reveals
    neither which secret nor which signature matched. `tolerance` must be finite
    and non-negative (`ValueError`): ``nan`` or ``inf`` would disable replay
    protection. Any problem with the timestamp is a `WebhookVerificationError`.
    """
    keys = _secret_list(secrets)
    limit = _tolerance_seconds(tolerance)
    if signature is None or timestamp is None:
        missing = SIGNATURE_HEADER if signature is None else TIMESTAMP_HEADER
        raise WebhookVerificationError(f"{missing} header is missing", reason="missing-header")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise WebhookVerificationError(
            f"{TIMESTAMP_HEADER} must be milliseconds since the epoch", reason="malformed-header"
        )
    candidates = _signatures(signature)
    raw = _body_bytes(body)
    message = b"v1:" + timestamp.encode() + b":" + raw
    matched = False
    for key in keys:
        expected = hmac.new(key, message, hashlib.sha256).hexdigest().encode()
        for candidate in candidates:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise WebhookVerificationError(
            "no signature matches any of the given secrets", reason="bad-signature"
        )
    _check_age(int(timestamp), limit, now)
    return _signing_time(int(timestamp))


def _signing_time(timestamp_ms: int) -> datetime:
    """The timestamp as a datetime; one no calendar holds is a malformed header."""
    try:
        return datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookVerificationError(
            f"{TIMESTAMP_HEADER} is not a representable time", reason="malformed-header"
        ) from None


def _body_bytes(body: bytes | str) -> bytes:
    if not isinstance(body, str):
        return body
    try:
        return body.encode()
    except UnicodeEncodeError:  # lone surrogates: no sender signed these as UTF-8
        raise WebhookPayloadError("webhook body is not valid UTF-8 text") from None


# -- parsing -----------------------------------------------------------------------

_EVENT_CLASSES: dict[str, type[WebhookEvent]] = {
    cls.TYPE: cls
    for cls in (
        ConversationPostProcessingCompleteEvent,
        ApiKeyExpirationSoonEvent,
        AgentFrameworkResourceUpdatedEvent,
    )
}


def parse_event(body: bytes | str) -> WebhookEvent:
    """The typed event in a (verified) body; unknown types become `UnknownWebhookEvent`.

    A body the parser cannot take (not JSON, not UTF-8, nested too deep for it)
    is a `WebhookPayloadError`, so a receiver answers 400 and the sender stops.
    """
    failed = False
    try:
        data = loads_untrusted(body, strict=True)
    except ValueError:
        failed = True
    if failed:
        raise WebhookPayloadError("webhook body is not JSON this receiver can read")
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise WebhookPayloadError('webhook body must be a JSON object with a string "type"')
    cls = _EVENT_CLASSES.get(data["type"])
    if cls is None:
        return UnknownWebhookEvent(type=data["type"], data=data)
    if issubclass(cls, _PayloadEvent):
        return cls(data=data)
    try:
        return structure(data, cls)
    except Exception as exc:  # cattrs raises a ClassValidationError group
        raise WebhookPayloadError(f"webhook body is not a valid {data['type']!r} event") from exc


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """One header, case-insensitively; repeated headers (a multidict) are joined by commas."""
    getall = getattr(headers, "getall", None)
    if getall is not None:
        values = getall(name, [])
        return ",".join(values) if values else None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify_delivery(
    body: bytes | str,
    headers: Mapping[str, str],
    secrets: Secrets,
    *,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookDelivery:
    """Verify a delivery from its raw body and headers, then parse its event.

    Pass the body exactly as received: re-serialised JSON would not match the signature.
    """
    signed_at = verify_signature(
        body,
        signature=_header(headers, SIGNATURE_HEADER),
        timestamp=_header(headers, TIMESTAMP_HEADER),
        secrets=secrets,
        tolerance=tolerance,
        now=now,
    )
    return WebhookDelivery(
        event=parse_event(body),
        timestamp=signed_at,
        idempotency_key=_header(headers, IDEMPOTENCY_HEADER),
    )


# -- receiving with aiohttp ----------------------------------------------------------

EventCallback = Callable[[WebhookDelivery], Awaitable[None] | None]


async def _read_bounded(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
            chunks.append(chunk)
    except web.RequestPayloadError:  # a body aiohttp cannot decode (bad gzip): a 400, not a 500
        # aiohttp drops the connection after a broken body: say so, lest the sender reuse it.
        raise web.HTTPBadRequest(
            text="webhook body could not be decoded", headers={"Connection": "close"}
        ) from None
    return b"".join(chunks)


def webhook_handler(
    secrets: Secrets | Callable[[], Secrets],
    on_event: EventCallback,
    *,
    tolerance: timedelta | float = DEFAULT_TOLERANCE,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler: ``app.router.add_post("/amigo", webhook_handler(secret, on_event))``.

    Answers 204 after `on_event` returns, 401 for a failed signature or timestamp,
    400 for a missing or malformed header or body, 413 beyond `max_body_bytes`.
    An exception in `on_event` becomes a 500, so Amigo retries the delivery; use
    `WebhookDelivery.idempotency_key` to skip a retry already handled. `secrets`
    may be a callable, read per request, so a rotation needs no restart.
    """
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int):
        raise TypeError("max_body_bytes must be an integer")
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be at least 1")
    if not callable(secrets):
        _secret_list(secrets)  # refuse bad secrets now, not on the first delivery
    _tolerance_seconds(tolerance)

    async def handle(request: web.Request) -> web.Response:
        body = await _read_bounded(request, max_body_bytes)
        current = secrets() if callable(secrets) else secrets
        try:
            delivery = verify_delivery(body, request.headers, current, tolerance=tolerance)
        except WebhookVerificationError as exc:
            status = 401 if exc.reason in ("stale", "future", "bad-signature") else 400
            return web.Response(status=status, text=exc.message)
        except WebhookPayloadError as exc:
            return web.Response(status=400, text=exc.message)
        outcome = on_event(delivery)
        if inspect.isawaitable(outcome):
            await outcome
        return web.Response(status=204)

    return handle
