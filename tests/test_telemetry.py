"""The OpenTelemetry hook: a span per call, a CLIENT span per attempt, HTTP conventions,
W3C trace context on the wire, and no secret anywhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from aiohttp import web
from hostile import json_response, serve
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import INVALID_SPAN, SpanKind, StatusCode, get_current_span

from amigo_async import AmigoClient, RateLimit, RetryPolicy, events
from amigo_async.telemetry import OpenTelemetryHook
from amigo_async.testing import FakeAmigoServer, Fault

FAST_RETRY = RetryPolicy(backoff_base=0.01, backoff_max=0.02)


class Recorded:
    def __init__(self, *, propagate: bool = True) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.hook = OpenTelemetryHook(
            tracer_provider=self.tracer_provider,
            meter_provider=MeterProvider(metric_readers=[self.reader]),
            propagate=propagate,
        )

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def calls(self) -> list[ReadableSpan]:
        return [
            span
            for span in self.spans()
            if span.kind is SpanKind.INTERNAL
            and span.instrumentation_scope is not None
            and span.instrumentation_scope.name == "amigo_async"
        ]

    def attempts(self) -> list[ReadableSpan]:
        return [span for span in self.spans() if span.kind is SpanKind.CLIENT]

    def points(self, name: str) -> list[object]:
        data = self.reader.get_metrics_data()
        assert data is not None
        return [
            point
            for resource in data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == name
            for point in metric.data.data_points
        ]


def everything(spans: list[ReadableSpan]) -> str:
    return repr(
        [
            (
                span.name,
                dict(span.attributes or {}),
                [(e.name, dict(e.attributes or {})) for e in span.events],
            )
            for span in spans
        ]
    )


def parent_of(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


@pytest.fixture
def otel() -> Iterator[Recorded]:
    recorded = Recorded()
    yield recorded
    recorded.tracer_provider.shutdown()


async def test_a_call_is_one_span_with_a_client_span_per_attempt(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    fake.inject("get-models", Fault.status_code(503))
    async with fake.client(event_hooks=[otel.hook], retry=FAST_RETRY) as client:
        await client.admin.get_models()
    [call] = otel.calls()
    first, second = otel.attempts()
    assert call.name == "get-models"
    assert call.status.status_code is StatusCode.UNSET
    assert [parent_of(first), parent_of(second)] == [call.context.span_id] * 2
    assert first.name == second.name == "GET /v1/{organization}/admin/get_models/"
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["http.response.status_code"] == 503
    assert first.attributes["error.type"] == "503"
    assert first.status.status_code is StatusCode.ERROR
    assert second.attributes["http.response.status_code"] == 200
    assert "error.type" not in second.attributes
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.request.resend_count"] == 1
    assert first.attributes["http.request.method"] == "GET"
    assert first.attributes["server.address"] == "127.0.0.1"
    assert first.attributes["server.port"] == fake.port
    assert first.attributes["url.full"] == f"{fake.url}/v1/acme/admin/get_models/"
    assert [event.name for event in call.events] == ["amigo.retry"]


async def test_the_query_never_reaches_a_span(fake: FakeAmigoServer, otel: Recorded) -> None:
    async with fake.client(event_hooks=[otel.hook]) as client:
        [tool async for tool in client.tools.list(deprecated=False, max_items=3)]
    assert fake.requests[-1].query  # the request had a query string
    assert otel.attempts()
    for span in otel.attempts():
        assert span.attributes is not None
        assert "?" not in str(span.attributes["url.full"])
        assert "deprecated" not in everything([span])


async def test_a_call_span_is_a_child_of_the_current_span(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    tracer = otel.tracer_provider.get_tracer("user-code")
    async with fake.client(event_hooks=[otel.hook]) as client:
        with tracer.start_as_current_span("handle-request") as outer:
            await client.admin.get_models()
            assert get_current_span() is outer  # the call left the context as it found it
    [call] = otel.calls()
    assert parent_of(call) == outer.get_span_context().span_id


async def test_trace_context_is_sent_with_each_attempt_unless_turned_off(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    async with fake.client(event_hooks=[otel.hook]) as client:
        await client.admin.get_models()
    [attempt] = otel.attempts()
    context = attempt.get_span_context()
    traceparent = fake.requests[-1].headers.get("traceparent") or fake.requests[-1].headers.get(
        "Traceparent"
    )
    assert traceparent is not None
    assert traceparent.split("-")[:3] == [
        "00",
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    ]

    silent = Recorded(propagate=False)
    async with fake.client(event_hooks=[silent.hook]) as client:
        await client.admin.get_models()
    assert "traceparent" not in {name.lower() for name in fake.requests[-1].headers}
    assert silent.attempts()


async def test_a_hook_cannot_replace_a_header_or_split_one() -> None:
    def meddling(event: events.Event) -> None:
        if isinstance(event, events.RequestStarted):
            event.trace_headers.update(
                {"Authorization": "Bearer stolen", "x-trace": "a\r\nInjected: 1", "x-ok": "1"}
            )

    async def answer(_: web.Request) -> web.Response:
        return json_response({"models": []})

    async with (
        serve(answer) as server,
        AmigoClient("acme", token="tok-abc", base_url=server.url, event_hooks=[meddling]) as client,
    ):
        await client.admin.get_models()
    headers = server.requests[-1].headers
    assert headers["authorization"] == "Bearer tok-abc"
    assert headers["x-ok"] == "1"
    assert "x-trace" not in headers and "injected" not in headers


async def test_limiter_waits_and_429_pauses_are_events_on_the_call_span(otel: Recorded) -> None:
    answers = iter([429])

    async def answer(_: web.Request) -> web.Response:
        status = next(answers, 200)
        if status == 429:
            reset = f"{time.time() + 0.05:.3f}"
            return json_response({"detail": "slow down"}, 429, **{"X-RateLimit-Reset": reset})
        return json_response({"models": []})

    limits = {"get-models": RateLimit(1, 0.1)}
    async with (
        serve(answer) as server,
        AmigoClient(
            "acme", token="tok", base_url=server.url, event_hooks=[otel.hook], rate_limits=limits
        ) as client,
    ):
        await client.admin.get_models()
    [call] = otel.calls()
    names = [event.name for event in call.events]
    assert "amigo.rate_limited" in names
    assert "amigo.limiter.wait" in names  # the retry waited for the bucket's next permit
    assert names.index("amigo.rate_limited") < names.index("amigo.retry")
    [pause] = [event for event in call.events if event.name == "amigo.rate_limited"]
    assert pause.attributes is not None
    assert 0 < float(pause.attributes["amigo.pause.seconds"]) <= 0.1  # type: ignore[arg-type]
    assert sum(p.value for p in otel.points("amigo.client.rate_limited")) == 1  # type: ignore[attr-defined]


async def test_metrics_follow_the_http_client_conventions(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    fake.inject("get-models", Fault.status_code(503))
    async with fake.client(event_hooks=[otel.hook], retry=FAST_RETRY) as client:
        await client.admin.get_models()
    durations = otel.points("http.client.request.duration")
    statuses = sorted(p.attributes["http.response.status_code"] for p in durations)  # type: ignore[attr-defined]
    assert statuses == [200, 503]
    for point in durations:
        attributes = point.attributes  # type: ignore[attr-defined]
        assert attributes["http.request.method"] == "GET"
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == fake.port
        assert "url.full" not in attributes  # high cardinality stays on spans
    assert sum(p.value for p in otel.points("amigo.client.retries")) == 1  # type: ignore[attr-defined]


async def test_sign_in_is_a_child_call_and_no_secret_reaches_telemetry(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    async with fake.client(
        api_key=fake.api_key,
        api_key_id=fake.api_key_id,
        user_id=fake.user_id,
        event_hooks=[otel.hook],
    ) as client:
        await client.admin.get_models()
    calls = {span.name: span for span in otel.calls()}
    assert parent_of(calls["sign-in-with-api-key"]) == calls["get-models"].context.span_id
    assert sum(p.value for p in otel.points("amigo.client.sign_ins")) == 1  # type: ignore[attr-defined]
    text = everything(otel.spans()) + repr(otel.reader.get_metrics_data())
    for secret in (fake.api_key, fake.api_key_id, "Bearer", "eyJ"):
        assert secret not in text


async def test_a_cancelled_call_ends_its_spans_and_restores_the_context(
    fake: FakeAmigoServer, otel: Recorded
) -> None:
    fake.inject("get-models", Fault.slow(0.6))
    async with fake.client(event_hooks=[otel.hook]) as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.admin.get_models(), 0.15)
        assert get_current_span() is INVALID_SPAN
        await client.admin.get_models()  # not a child of the cancelled call
    first, second = otel.calls()
    assert first.attributes is not None and first.attributes["error.type"] == "cancelled"
    assert first.status.status_code is StatusCode.ERROR
    assert second.parent is None
    assert all(
        parent_of(span) in {first.context.span_id, second.context.span_id}
        for span in otel.attempts()
    )
    assert len(otel.attempts()) == 2  # the cancelled attempt's span was ended too


async def test_a_failed_call_names_the_error_type(fake: FakeAmigoServer, otel: Recorded) -> None:
    fake.inject("get-models", Fault.status_code(404))
    async with fake.client(event_hooks=[otel.hook]) as client:
        with pytest.raises(Exception) as caught:
            await client.admin.get_models()
    [call] = otel.calls()
    assert call.attributes is not None
    assert call.attributes["error.type"] == type(caught.value).__name__
    assert call.status.status_code is StatusCode.ERROR


async def test_a_raising_hook_does_not_break_the_call(fake: FakeAmigoServer) -> None:
    seen: list[events.Event] = []

    def broken(event: events.Event) -> None:
        seen.append(event)
        raise RuntimeError("observer bug")

    async with fake.client(event_hooks=[broken]) as client:
        models = await client.admin.get_models()
    assert models
    kinds = [type(event) for event in seen]
    assert kinds == [
        events.CallStarted,
        events.RequestStarted,
        events.RequestFinished,
        events.CallFinished,
    ]
