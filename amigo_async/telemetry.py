"""OpenTelemetry for the request path, shaped as the HTTP client conventions describe.

``pip install 'amigo_async[otel]'`` and pass the hook to the client::

    from amigo_async.telemetry import OpenTelemetryHook
    AmigoClient(..., event_hooks=[OpenTelemetryHook()])

Each call is one span (named after the operation id) with a ``CLIENT`` child
span per attempt, so a retried call shows every try under one parent; the
client's limiter waits, 429 pauses and retries are events on the call's span.
Attempt spans carry the HTTP client semantic conventions (`http.request.method`,
`server.address`, `server.port`, `url.full` without its query, `url.template`,
`http.response.status_code`, `error.type`, `http.request.resend_count`) and feed
the `http.client.request.duration` histogram. The W3C ``traceparent`` of each
attempt is sent with it through the globally configured propagator
(``propagate=False`` to keep trace context in-house).

The hook only translates `amigo_async.events`, which never carry a secret, so
no token, key or header value can reach a span, an event or a metric. Without
providers given it uses the global ones, so an application's existing
OpenTelemetry setup applies, and a call's span is a child of whatever span is
current when the call is made.
"""

from __future__ import annotations

from contextvars import Token

import attrs
from opentelemetry import context, metrics, trace
from opentelemetry.propagate import inject
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from yarl import URL

from .events import (
    CallFinished,
    CallStarted,
    Event,
    LimiterWaited,
    RateLimited,
    RequestFinished,
    RequestStarted,
    Retrying,
    SignedIn,
)

__all__ = ["OpenTelemetryHook"]

_SCOPE = "amigo_async"
_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
"""The HTTP conventions' advice for `http.client.request.duration`."""

Attributes = dict[str, AttributeValue]


@attrs.define
class _Call:
    span: Span
    token: Token[context.Context]


@attrs.define
class _Attempt:
    call: int
    span: Span
    attributes: Attributes  # what the duration histogram records beside the status


class OpenTelemetryHook:
    """An event hook that records the client's events as OpenTelemetry spans and metrics."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        propagate: bool = True,
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        self._propagate = propagate
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._limiter_wait = meter.create_histogram(
            "amigo.client.limiter.wait", unit="s", description="Time held by the client's limiter"
        )
        self._rate_limited = meter.create_counter(
            "amigo.client.rate_limited", unit="{response}", description="429 answers"
        )
        self._retries = meter.create_counter(
            "amigo.client.retries", unit="{retry}", description="Requests sent again"
        )
        self._sign_ins = meter.create_counter(
            "amigo.client.sign_ins", unit="{sign_in}", description="API-key sign-ins"
        )
        self._calls: dict[int, _Call] = {}
        self._attempts: dict[int, _Attempt] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RequestStarted):
            self._attempt_started(event)
        elif isinstance(event, RequestFinished):
            self._attempt_finished(event)
        elif isinstance(event, CallStarted):
            self._call_started(event)
        elif isinstance(event, CallFinished):
            self._call_finished(event)
        elif isinstance(event, LimiterWaited):
            self._limiter_wait.record(event.seconds, {"amigo.operation_id": event.operation_id})
            self._call_event("amigo.limiter.wait", {"amigo.wait.seconds": event.seconds})
        elif isinstance(event, RateLimited):
            self._rate_limited.add(1, {"amigo.operation_id": event.operation_id})
            self._call_event("amigo.rate_limited", {"amigo.pause.seconds": event.pause_seconds})
        elif isinstance(event, Retrying):
            reason = {"amigo.operation_id": event.operation_id, "amigo.retry.reason": event.reason}
            self._retries.add(1, reason)
            self._call_event(
                "amigo.retry",
                {"amigo.retry.reason": event.reason, "amigo.retry.delay": event.delay_seconds},
            )
        elif isinstance(event, SignedIn):
            self._sign_ins.add(1)

    # -- calls ------------------------------------------------------------------

    def _call_started(self, event: CallStarted) -> None:
        """The call's span becomes current, so attempts and nested sign-ins are its children.

        Every event of a call arrives in the task that made it, and `CallFinished`
        arrives however the call ends, so attach and detach always pair up.
        """
        span = self._tracer.start_span(
            event.operation_id,
            kind=SpanKind.INTERNAL,
            attributes={"amigo.operation_id": event.operation_id},
        )
        token = context.attach(trace.set_span_in_context(span))
        self._calls[event.key] = _Call(span, token)

    def _call_finished(self, event: CallFinished) -> None:
        for key in [k for k, attempt in self._attempts.items() if attempt.call == event.key]:
            self._end_attempt(key, None, event.error or "cancelled")  # left open by a cancel
        call = self._calls.pop(event.key, None)
        if call is None:
            return
        context.detach(call.token)
        if event.error is not None:
            call.span.set_attribute("error.type", event.error)
            call.span.set_status(Status(StatusCode.ERROR, event.error))
        call.span.end()

    def _call_event(self, name: str, attributes: Attributes) -> None:
        """An event on the current call's span; nothing when no call of ours is current."""
        span = trace.get_current_span()
        if any(call.span is span for call in self._calls.values()):
            span.add_event(name, attributes)

    # -- attempts ---------------------------------------------------------------

    def _attempt_started(self, event: RequestStarted) -> None:
        url = URL(event.url)
        attributes: Attributes = {
            "http.request.method": event.method,
            "server.address": url.host or "",
            "server.port": url.port or 0,
            "url.scheme": url.scheme,
        }
        span_attributes: Attributes = {
            **attributes,
            "url.full": event.url,
            "url.template": event.url_template,
            "amigo.operation_id": event.operation_id,
        }
        if event.attempt > 1:
            span_attributes["http.request.resend_count"] = event.attempt - 1
        span = self._tracer.start_span(
            f"{event.method} {event.url_template}",
            kind=SpanKind.CLIENT,
            attributes=span_attributes,
        )
        if self._propagate:
            inject(event.trace_headers, context=trace.set_span_in_context(span))
        self._attempts[event.key] = _Attempt(event.call, span, attributes)

    def _attempt_finished(self, event: RequestFinished) -> None:
        error = None
        if event.status is None:
            error = (event.error or "transport").split(" ", 1)[0]  # the failure's class name
        self._end_attempt(event.key, event.status, error, event.seconds)

    def _end_attempt(
        self, key: int, status: int | None, error: str | None, seconds: float | None = None
    ) -> None:
        attempt = self._attempts.pop(key, None)
        if attempt is None:
            return
        attributes = dict(attempt.attributes)
        if status is not None:
            attributes["http.response.status_code"] = status
            if status >= 400:
                error = str(status)
        if error is not None:
            attributes["error.type"] = error
        if seconds is not None:
            self._duration.record(seconds, attributes)
        span = attempt.span
        span.set_attributes(attributes)
        if error is not None:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
