"""OpenTelemetry for the request path: spans per attempt, metrics per operation.

``pip install amigo_async[otel]`` and pass the hook to the client::

    from amigo_async.telemetry import OpenTelemetryHook
    AmigoClient(..., event_hooks=[OpenTelemetryHook()])

The hook only translates `amigo_async.events` (which never carry a secret), so
spans and metrics hold operation ids, methods, paths, statuses and timings, and
nothing else. Without providers given it uses the global ones, so an
application's existing OpenTelemetry setup applies; each attempt's span is a
child of whatever span is current when the call is made.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from .events import (
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


class OpenTelemetryHook:
    """An event hook that records the transport's events as OpenTelemetry spans and metrics."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._requests = meter.create_counter(
            "amigo.client.requests", unit="{request}", description="Attempts sent"
        )
        self._duration = meter.create_histogram(
            "amigo.client.request.duration", unit="s", description="Time to the answer's status"
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
        self._open: dict[int, Span] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RequestStarted):
            self._started(event)
        elif isinstance(event, RequestFinished):
            self._finished(event)
        elif isinstance(event, LimiterWaited):
            self._limiter_wait.record(event.seconds, {"amigo.operation_id": event.operation_id})
        elif isinstance(event, RateLimited):
            self._rate_limited.add(1, {"amigo.operation_id": event.operation_id})
        elif isinstance(event, Retrying):
            reason = {"amigo.operation_id": event.operation_id, "amigo.retry.reason": event.reason}
            self._retries.add(1, reason)
        elif isinstance(event, SignedIn):
            self._sign_ins.add(1)

    def _started(self, event: RequestStarted) -> None:
        attributes: dict[str, Any] = {
            "amigo.operation_id": event.operation_id,
            "http.request.method": event.method,
            "url.path": event.path,
            "amigo.attempt": event.attempt,
        }
        self._open[event.key] = self._tracer.start_span(
            f"{event.method} {event.operation_id}", kind=SpanKind.CLIENT, attributes=attributes
        )

    def _finished(self, event: RequestFinished) -> None:
        attributes: dict[str, Any] = {
            "amigo.operation_id": event.operation_id,
            "http.request.method": event.method,
        }
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        else:
            attributes["error.type"] = event.error or "transport"
        self._requests.add(1, attributes)
        self._duration.record(event.seconds, attributes)
        span = self._open.pop(event.key, None)
        if span is None:
            return
        if event.status is not None:
            span.set_attribute("http.response.status_code", event.status)
        if event.error is not None or (event.status is not None and event.status >= 400):
            span.set_status(Status(StatusCode.ERROR, event.error or str(event.status)))
        span.end()
