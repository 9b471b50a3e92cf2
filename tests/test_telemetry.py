"""The OpenTelemetry hook: one span per attempt, metrics per operation, no secret anywhere."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from amigo_async import RetryPolicy, events
from amigo_async.telemetry import OpenTelemetryHook
from amigo_async.testing import FakeAmigoServer, Fault


def _hook() -> tuple[OpenTelemetryHook, InMemorySpanExporter, InMemoryMetricReader]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    hook = OpenTelemetryHook(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    return hook, exporter, reader


def _metrics(reader: InMemoryMetricReader) -> dict[str, list[object]]:
    data = reader.get_metrics_data()
    assert data is not None
    found: dict[str, list[object]] = {}
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name] = list(metric.data.data_points)
    return found


async def test_each_attempt_is_a_client_span_with_its_status(fake: FakeAmigoServer) -> None:
    hook, exporter, _ = _hook()
    fake.inject("get-models", Fault.status_code(503))
    retry = RetryPolicy(backoff_base=0.01, backoff_max=0.02)
    async with fake.client(event_hooks=[hook], retry=retry) as client:
        await client.admin.get_models()
    spans = exporter.get_finished_spans()
    assert [span.name for span in spans] == ["GET get-models", "GET get-models"]
    assert all(span.kind is SpanKind.CLIENT for span in spans)
    assert [span.attributes["http.response.status_code"] for span in spans] == [503, 200]
    assert spans[0].status.status_code is StatusCode.ERROR
    assert spans[1].attributes["amigo.attempt"] == 2


async def test_metrics_count_requests_retries_and_429s(fake: FakeAmigoServer) -> None:
    hook, _, reader = _hook()
    fake.inject("get-models", Fault.status_code(429, retry_after=0.01))
    async with fake.client(event_hooks=[hook]) as client:
        await client.admin.get_models()
    found = _metrics(reader)
    assert sum(p.value for p in found["amigo.client.requests"]) == 2  # type: ignore[attr-defined]
    assert sum(p.value for p in found["amigo.client.rate_limited"]) == 1  # type: ignore[attr-defined]
    assert sum(p.value for p in found["amigo.client.retries"]) == 1  # type: ignore[attr-defined]
    assert "amigo.client.request.duration" in found


async def test_sign_ins_are_counted_and_no_secret_reaches_a_span(fake: FakeAmigoServer) -> None:
    hook, exporter, reader = _hook()
    async with fake.client(
        api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id, event_hooks=[hook]
    ) as client:
        await client.admin.get_models()
    assert sum(p.value for p in _metrics(reader)["amigo.client.sign_ins"]) == 1  # type: ignore[attr-defined]
    text = repr(
        [(span.name, dict(span.attributes or {})) for span in exporter.get_finished_spans()]
    )
    assert fake.api_key not in text and "Bearer" not in text
    assert "sign-in-with-api-key" in text


async def test_a_raising_hook_does_not_break_the_call(fake: FakeAmigoServer) -> None:
    seen: list[events.Event] = []

    def broken(event: events.Event) -> None:
        seen.append(event)
        raise RuntimeError("observer bug")

    async with fake.client(event_hooks=[broken]) as client:
        models = await client.admin.get_models()
    assert models
    assert any(isinstance(event, events.RequestFinished) for event in seen)
