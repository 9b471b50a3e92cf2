"""One call as the transport carries it: the prepared request, its retry budget, and
how a failed attempt becomes an error that holds no secret.

Errors are built from plain values (a description string, the status, a body
excerpt), never from a caught aiohttp exception, whose repr holds the request's
headers; the transport raises them outside any ``except`` block so nothing rides
along on ``__context__`` either.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDict
from yarl import URL

from . import errors
from ._hints import request_id
from ._paths import QueryValue
from ._spec import Operation

__all__ = [
    "JSON_ACCEPT",
    "AttemptFailure",
    "CallBudget",
    "FormFactory",
    "FormFields",
    "FormFile",
    "PreparedRequest",
    "RequestOptions",
    "build_error",
    "describe_failure",
    "error_context",
    "form_data",
    "form_view",
    "redirect_error",
    "server_text",
    "with_trace_headers",
]

FormFactory = Callable[[], aiohttp.FormData]
"""Builds a multipart body afresh for each attempt (a FormData is consumed by sending)."""


@attrs.frozen
class FormFile:
    """A file part of a multipart body (interact's recorded audio)."""

    data: bytes = attrs.field(repr=False)
    filename: str
    content_type: str


FormFields = Mapping[str, "str | FormFile | Sequence[str]"]
"""A multipart body by field: a text, a file, or texts repeated under one name."""


def form_data(fields: FormFields) -> aiohttp.FormData:
    """The multipart body of `fields`, built afresh (a FormData is consumed by sending)."""
    data = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        if isinstance(value, FormFile):
            data.add_field(
                name, value.data, filename=value.filename, content_type=value.content_type
            )
        elif isinstance(value, str):
            data.add_field(name, value)
        else:
            for item in value:
                data.add_field(name, item)
    return data


def form_view(fields: FormFields) -> dict[str, object]:
    """The fields as the validation pass reads them: a file as its bytes."""
    return {
        name: value.data if isinstance(value, FormFile) else value for name, value in fields.items()
    }


JSON_ACCEPT = "application/json"

_EXCERPT_SOURCE_BYTES = 4096
_HEADER_TEXT_CHARS = 100  # a reason phrase, a request id: short by nature, cut like one


@attrs.frozen(kw_only=True)
class RequestOptions:
    """What one call adds to its operation: parameters, a body, headers, what it accepts.

    The defaults describe a call with nothing of its own (get-organization), the
    kind the transport prepares once and reuses.
    """

    path_params: Mapping[str, object] | None = None
    params: Mapping[str, QueryValue] | None = None
    json_body: object = None  # a generated request model, or plain JSON values
    form: FormFields | None = None  # a multipart body, checked by the pass like a JSON one
    headers: Mapping[str, str] | None = None
    accept: str = JSON_ACCEPT
    bearer_only: bool = False
    checked: bool = False  # a pager's page: its parameters were checked when it was made

    @property
    def parameterless(self) -> bool:
        """Nothing of the call's own: the same request as the last such call."""
        return not (self.path_params or self.params or self.form or self.headers) and (
            self.json_body is None
        )


@attrs.define
class PreparedRequest:
    """One call as the caller described it, ready to be sent as often as needed."""

    operation: Operation
    path: str
    url: URL
    query: list[tuple[str, str]] | None
    body: bytes | FormFactory | None
    headers: dict[str, str]
    timeout: aiohttp.ClientTimeout
    bearer_only: bool
    _authed: tuple[str, CIMultiDict[str]] | None = attrs.field(default=None, init=False)

    def with_auth(self, authorization: str) -> CIMultiDict[str]:
        """The headers with this Authorization; built once per token, not on every send.

        A CIMultiDict, which aiohttp takes as it is instead of converting a dict.
        """
        authed = self._authed
        if authed is None or authed[0] != authorization:
            headers = CIMultiDict({**self.headers, "Authorization": authorization})
            authed = self._authed = (authorization, headers)
        return authed[1]


@attrs.define
class CallBudget:
    """What one call may still spend on each kind of retry."""

    deadline: float  # monotonic; extended by the time spent waiting for permits
    attempts: int = 0  # transport / 5xx tries
    rate_limited: int = 0
    signed_in_again: bool = False
    sent: int = 0
    call: int = 0  # the key of the call's events (0: nobody listens)
    _waits: dict[str, float] | None = None  # made on the first wait: most calls have none

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def waited(self, seconds: float, what: str) -> None:
        """Time spent `what` (for the limiter, to sign in): not charged to the deadline."""
        if seconds > 0:
            self.deadline += seconds
            waits = self._waits = self._waits or {}
            waits[what] = waits.get(what, 0.0) + seconds

    def waits(self) -> str:
        """What the call waited for, for an error that says where the time went."""
        waits = self._waits or {}
        spent = ", ".join(f"{seconds:.1f}s {what}" for what, seconds in waits.items())
        return f"after waiting {spent}" if spent else "no wait for the limiter or a sign-in"


@attrs.frozen
class AttemptFailure:
    """A transport failure, described without keeping the exception (it holds headers)."""

    description: str
    never_sent: bool


def with_trace_headers(headers: Mapping[str, str], trace: Mapping[str, str]) -> CIMultiDict[str]:
    """The headers plus a tracing hook's (``traceparent``), none replacing one already there.

    A hook's value that could split a header line is dropped rather than sent.
    """
    merged = CIMultiDict(headers)
    for name, value in trace.items():
        if name in merged or not _is_header_text(name) or not _is_header_text(value):
            continue
        merged[name] = value
    return merged


def _is_header_text(text: object) -> bool:
    return isinstance(text, str) and text.isascii() and text.isprintable()


def describe_failure(exc: BaseException) -> str:
    """The failure's kind, and for a connection failure its OS reason; never headers."""
    if not isinstance(exc, aiohttp.ClientConnectorError):
        return type(exc).__name__
    reason = exc.os_error
    text = f" ({type(reason).__name__}: {reason.strerror})" if reason.strerror else ""
    # The host is the configured API (or proxy) origin: naming it says which setting to fix.
    # (A hand-made error may hold no connection key: its host reads as AttributeError.)
    host, port = getattr(exc, "host", None), getattr(exc, "port", None)
    where = f"cannot connect to {host}:{port}: " if host else ""
    return f"{where}{type(exc).__name__}{text}"


def server_text(text: str | None, secrets: Iterable[str]) -> str | None:
    """A short text the server chose (a reason phrase, a header value), scrubbed and cut.

    A proxy may echo a request's headers into any of them, credentials included;
    bytes that were not UTF-8 (kept as lone surrogates by the header parser)
    become ``?``, so the text can be written anywhere.
    """
    if not text:
        return None
    text = text.encode("utf-8", "replace").decode()  # sanitize cuts, then scrubs
    return errors.sanitize(text, secrets, limit=_HEADER_TEXT_CHARS) or None


def error_context(
    request: PreparedRequest, response: aiohttp.ClientResponse, secrets: Iterable[str]
) -> errors.ErrorContext:
    """Where an answer came from, for the errors a body parser raises later."""
    return errors.ErrorContext(
        operation_id=request.operation.id,
        method=request.operation.method,
        path=request.path,
        status=response.status,
        request_id=server_text(request_id(response.headers), secrets),
    )


def build_error(
    cls: type[errors.AmigoError],
    message: str,
    request: PreparedRequest,
    response: aiohttp.ClientResponse | None,
    body: bytes,
    secrets: Iterable[str],
    **extra: Any,
) -> errors.AmigoError:
    """An error naming the operation, path, status and request id, with a sanitised excerpt."""
    excerpt = (
        errors.sanitize(
            body[:_EXCERPT_SOURCE_BYTES].decode("utf-8", "replace"),
            secrets,
            cut=len(body) > _EXCERPT_SOURCE_BYTES,
        )
        if body
        else None
    )
    return cls(
        message,
        status=None if response is None else response.status,
        operation_id=request.operation.id,
        method=request.operation.method,
        path=request.path,
        request_id=None if response is None else server_text(request_id(response.headers), secrets),
        body_excerpt=excerpt or None,
        **extra,
    )


def redirect_error(
    request: PreparedRequest, response: aiohttp.ClientResponse, secrets: Iterable[str]
) -> errors.AmigoError:
    """A redirect, named by its status and the target's origin (never its path or query)."""
    location = response.headers.get("Location", "")[:2048]
    try:
        target = URL(location)
        origin = str(target.origin()) if target.is_absolute() else "the same origin"
    except (ValueError, TypeError):
        origin = "an unreadable location"
    origin = server_text(origin, secrets) or "an unreadable location"
    return build_error(
        errors.RedirectError,
        f"the server redirected to {origin}; redirects are never followed",
        request,
        response,
        b"",
        secrets,
        location=origin,
    )
