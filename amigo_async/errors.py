"""Every error a call can raise.

    AmigoError                      base; never carries a token, key or Authorization header
    ├── APIStatusError              the server answered with an error status
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── RequestTimeoutError         408
    │   ├── ConflictError               409
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429 (after the client's own retries)
    │   ├── ServiceUnavailableError     503
    │   ├── ServerError                 any other 5xx
    │   ├── UnexpectedStatusError       a 1xx, 3xx or 4xx the documents do not describe
    │   │   └── RedirectError               a redirect: never followed (credentials stay home)
    │   └── ConversationEventError      an `error` event inside a 200 NDJSON stream
    ├── TransportError              no usable answer: connection refused or reset, timeout
    ├── ClientClosedError           the client was closed before or during the call
    │                               (also a RuntimeError)
    ├── InvalidResponseError        an answer we cannot read (not JSON, wrong shape, too big)
    ├── PaginationError             a server repeated a continuation token, or pages stayed empty
    ├── RateLimitBackendError       the shared rate-limit store (Redis) failed or timed out
    ├── TruncatedStreamError        a stream ended early: a prompt-log zip, a conversation
    │                               event stream before interaction-complete
    └── webhooks.WebhookError       (in `amigo_async.webhooks`) a delivery we must not trust
        ├── WebhookVerificationError    missing/malformed header, stale or future, bad signature
        └── WebhookPayloadError         a correctly signed body that is not a usable event

Bad input (a malformed id, a zero limit, an unknown region) raises `ValueError`
or `TypeError` before any request is sent; those are not `AmigoError`s.

Every text a server chooses (a body, a reason phrase, a request id, a redirect's
origin, an error event's description) passes through `sanitize` before it is
stored on an error: known credentials and anything shaped like one removed, cut
to a few hundred characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

import attrs

__all__ = [
    "APIStatusError",
    "AmigoError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConversationEventError",
    "ErrorContext",
    "InvalidResponseError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitBackendError",
    "RateLimitError",
    "RedirectError",
    "RequestTimeoutError",
    "ServerError",
    "ServiceUnavailableError",
    "StreamTimeoutError",
    "TransportError",
    "TruncatedStreamError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "error_for_status",
    "sanitize",
]

_EXCERPT_CHARS = 300
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*")
_AUTH_VALUE = re.compile(r"(?i)\b(bearer|basic)\s+[\w\-.~+/=:]+")
_SECRET_FIELD = re.compile(
    r"""(?ix)("?(?:id_token|token|api[_-]?key|password|secret|authorization)"?\s*[:=]\s*)
    ("[^"]*"|'[^']*'|[^\s,;}&]+)"""
)
# C0 but tab and newline, DEL and C1 (U+009B alone starts a terminal escape sequence)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PARTIAL_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{0,3})?$")
_JSON_ESCAPE = re.compile(r"\\u00([2-7][0-9a-fA-F])")


def sanitize(
    text: str, secrets: Iterable[str] = (), *, limit: int = _EXCERPT_CHARS, cut: bool = False
) -> str:
    """A short excerpt of `text` with credentials and JWT-shaped strings removed.

    The text is cut before any pattern runs, so a huge body costs no more than a
    short one; the margin keeps a secret that straddles the excerpt's end whole
    enough to be recognised and removed. A secret is matched in any letter case
    and after undoing JSON's ``\\u00XX`` escapes of printable ASCII, the ways a
    proxy can echo it still readable. `cut` says the caller already cut `text`
    short, so it may end inside a secret.
    """
    forms = sorted({f for secret in secrets for f in _echoed_forms(secret)}, key=len, reverse=True)
    size = limit * 4 + 512
    cut = cut or len(text) > size
    if cut:  # an escape cut in two is no text: drop it, so the tail check sees the secret
        text = _PARTIAL_ESCAPE.sub("", text[:size])
    # Unescaped before the tail check: a secret echoed as \u00XX and cut in the middle
    # is only recognisable as the start of a secret once readable.
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if cut:
        text = _without_a_secret_s_start(text, forms)
    for form in forms:
        text = re.sub(re.escape(form), "[redacted]", text, flags=re.IGNORECASE)
    text = _JWT.sub("[redacted-jwt]", text)
    text = _AUTH_VALUE.sub(lambda m: f"{m.group(1)} [redacted]", text)
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}[redacted]", text)
    text = _CONTROL.sub(" ", text).strip()
    if len(text) > limit:
        text = text[:limit] + "…"
    return text


def _without_a_secret_s_start(text: str, forms: list[str]) -> str:
    """`text` (cut short) without a tail that begins one of the secret `forms`.

    Scrubbing shrinks the text (a long token becomes ``[redacted]``), so a piece of
    a secret cut in two could otherwise end up inside the excerpt.
    """
    folded = text.lower()
    for form in forms:
        form = form.lower()
        tail_start = max(0, len(folded) - len(form) + 1)
        for start in range(tail_start, len(folded)):
            if form.startswith(folded[start:]):
                text, folded = text[:start], folded[:start]
                break
    return text


def _echoed_forms(secret: str) -> list[str]:
    """The ways a proxy or a server echoes a credential: as is, URL-encoded (a Basic
    base64 holds ``+``, ``/`` and ``=``), and JSON-escaped (``/`` as ``\\/``)."""
    if not secret:
        return []
    encoded = quote(secret, safe="")
    lower = re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), encoded)
    forms = {secret, encoded, lower, quote_plus(secret), secret.replace("/", "\\/")}
    return sorted(forms, key=len, reverse=True)


@attrs.frozen
class ErrorContext:
    """Where an error happened: what a body parser adds to the errors it raises."""

    operation_id: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    request_id: str | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return attrs.asdict(self)


class AmigoError(Exception):
    """Base of every error raised by amigo_async for a failed call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        operation_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.operation_id = operation_id
        self.method = method
        self.path = path
        self.request_id = request_id
        self.body_excerpt = body_excerpt

    def __str__(self) -> str:
        parts = [self.message]
        where = " ".join(p for p in (self.method, self.path) if p)
        context = ", ".join(
            p
            for p in (
                f"operation {self.operation_id}" if self.operation_id else "",
                where,
                f"status {self.status}" if self.status is not None else "",
                f"request id {self.request_id}" if self.request_id else "",
            )
            if p
        )
        if context:
            parts.append(f"({context})")
        if self.body_excerpt:
            parts.append(f"body: {self.body_excerpt}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"operation_id={self.operation_id!r}, request_id={self.request_id!r})"
        )


class APIStatusError(AmigoError):
    """The server answered with an error status."""


class BadRequestError(APIStatusError):
    """400: the request is not supported or invalid (for example an invalid SQL query)."""


class AuthenticationError(APIStatusError):
    """401: invalid authorization credentials (after one retry with a fresh token)."""


class PermissionDeniedError(APIStatusError):
    """403: the user lacks a required permission."""


class NotFoundError(APIStatusError):
    """404: the organization, the resource or (for prompt logs) any matching log is absent."""


class RequestTimeoutError(APIStatusError):
    """408: the server could not finish in its time limit (a SQL query, say)."""


class ConflictError(APIStatusError):
    """409: a duplicate name, a version mismatch, or a related operation in progress."""


class UnprocessableEntityError(APIStatusError):
    """422: the server rejected a path, query or body parameter."""


class RateLimitError(APIStatusError):
    """429 after the client's own waits and retries were used up."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailableError(APIStatusError):
    """503: temporary maintenance (reads are retried with backoff first)."""


class ServerError(APIStatusError):
    """Any other 5xx."""


class UnexpectedStatusError(APIStatusError):
    """A 1xx, 3xx or 4xx status that no document describes for this operation."""


class RedirectError(UnexpectedStatusError):
    """The server answered with a redirect.

    The Amigo API documents none, and following one could carry the API key or
    token to another origin, so the client never follows it. `location` names only
    the target's origin, never its path or query.
    """

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location


class ConversationEventError(APIStatusError):
    """The server reported an error as an `error` event inside a 200 stream.

    `status` comes from the event's `http_error_code`; every event before it was
    delivered first.
    """

    def __init__(self, message: str, *, conversation_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.conversation_id = conversation_id


class TransportError(AmigoError):
    """No usable answer: connection refused or reset, DNS failure, timeout."""


class ClientClosedError(AmigoError, RuntimeError):
    """The client was closed: a call made after ``aclose()``/``close()``, or one still
    in flight when it happened. A `RuntimeError` too, as using a closed client is."""


class RateLimitBackendError(AmigoError):
    """The shared rate-limit store (Redis) failed or timed out.

    Without a permit from it the client sends nothing: sending anyway could exceed
    a limit shared with other workers. `LocalFallback` paces locally instead.
    """


class InvalidResponseError(AmigoError):
    """The server answered 2xx with a body we cannot read."""


class PaginationError(AmigoError):
    """The server repeated a continuation token; following it would loop forever."""


class TruncatedStreamError(AmigoError):
    """A stream ended before it was complete: a prompt-log download short of a whole,
    consistent zip, or a conversation event stream before `interaction-complete`.

    Raised only after every entry (or event) that arrived whole was delivered;
    `entries_delivered` counts them. `disproved` holds the `file_name`s of delivered
    prompt-log entries that the archive's central directory contradicts (a damaged
    local header can deliver a file under a wrong name): drop them. Empty when none.
    """

    def __init__(
        self,
        message: str,
        *,
        entries_delivered: int = 0,
        bytes_received: int = 0,
        last_log_key: str | None = None,
        disproved: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.entries_delivered = entries_delivered
        self.bytes_received = bytes_received
        self.last_log_key = last_log_key
        self.disproved = disproved

    def __str__(self) -> str:
        key = "" if self.last_log_key is None else f", last complete log key: {self.last_log_key}"
        disproved = (
            f", delivered entries the central directory disproves: {len(self.disproved)}"
            if self.disproved
            else ""
        )
        return (
            f"{super().__str__()} [entries delivered: {self.entries_delivered}, "
            f"bytes received: {self.bytes_received}{key}{disproved}]"
        )


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def error_for_status(status: int) -> type[APIStatusError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if 300 <= status < 400:
        return RedirectError
    return ServerError if status >= 500 else UnexpectedStatusError


class StreamTimeoutError(TruncatedStreamError):
    """A streamed body passed one of its time bounds: it arrived too slowly
    (`Timeouts.low_speed_bytes` per `Timeouts.low_speed_window`) or a conversation
    turn took longer than `Timeouts.turn_total`. `bound` names the `Timeouts` field."""

    def __init__(self, message: str, *, bound: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.bound = bound
