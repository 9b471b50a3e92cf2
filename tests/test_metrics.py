"""client.metrics against the fake server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from _areas import (
    capture_replies,
    query,
    recorded,
    schema_problems,
    sent_body,
    sync_client,
)
from conftest import send_raw

from amigo_async import AmigoClient, errors
from amigo_async.models.metric import (
    BooleanMetricValue,
    CreateMetricRequest,
    ManualEvaluationSource,
    UpdateMetricRequest,
)
from amigo_async.testing import FakeAmigoServer

PREFIX = "/v1/acme/metric"


def new_metric(name: str = "politeness") -> CreateMetricRequest:
    return CreateMetricRequest(
        name=name,
        description="Was the agent polite?",
        applied_to_services=[],
        additional_notes=None,
        tags={"team": "care"},
        metric_value=BooleanMetricValue(),
    )


async def test_every_operation_is_sent_as_documented(
    client: AmigoClient, fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = capture_replies(monkeypatch, "metric")
    metrics = client.metrics
    metric_id = (await metrics.create(new_metric())).id
    request = recorded(fake, "create-metric")
    assert (request.method, request.raw_path) == ("POST", f"{PREFIX}/")
    assert sent_body(request)["additional_notes"] is None  # required, so sent as null
    assert sent_body(request)["metric_value"] == {"type": "boolean"}

    listed = await metrics.list(ids=[metric_id], type=["boolean"], is_deleted=False).to_list()
    assert [m.id for m in listed] == [metric_id]
    assert query(recorded(fake, "get-metrics")) == {
        "id": [metric_id],
        "is_deleted": ["false"],
        "type": ["boolean"],
        "limit": ["50"],
        "continuation_token": ["0"],
    }

    found = await metrics.search("polite", tag=["team:*"])
    assert [m.id for m in found] == [metric_id]
    assert query(recorded(fake, "search-metrics")) == {"query": ["polite"], "tag": ["team:*"]}

    await metrics.update(metric_id, UpdateMetricRequest(description="Kind?"))
    request = recorded(fake, "update-metric")
    assert (request.method, request.raw_path) == ("POST", f"{PREFIX}/{metric_id}/")
    assert sent_body(request) == {"description": "Kind?"}

    conversation = "c" * 24
    results = await metrics.evaluate([metric_id], conversation)
    assert [r.metric_id for r in results] == [metric_id]
    request = recorded(fake, "evaluate-metrics")
    assert (request.raw_path, sent_body(request)) == (
        f"{PREFIX}/evaluate",
        {"metric_ids": [metric_id], "conversation_id": conversation},
    )

    since = datetime(2020, 1, 1, tzinfo=UTC)
    evaluated = await metrics.list_evaluation_results(
        metric_id=[metric_id], source_type=["manual"], timestamp_after=since
    ).to_list()
    assert len(evaluated) == 1 and isinstance(evaluated[0].source, ManualEvaluationSource)
    assert query(recorded(fake, "get-metric-evaluation-results")) == {
        "metric_id": [metric_id],
        "source_type": ["manual"],
        "timestamp_after": ["2020-01-01T00:00:00+00:00"],
        "limit": ["500"],
        "continuation_token": ["0"],
    }

    await metrics.delete(metric_id)
    request = recorded(fake, "delete-metric")
    assert (request.method, request.raw_path) == ("DELETE", f"{PREFIX}/{metric_id}/")
    assert [m.id for m in await metrics.list(is_deleted=True).to_list()] == [metric_id]
    assert len({op for op, _ in replies}) == 7
    assert schema_problems(replies) == []


async def test_lists_page_and_sort(client: AmigoClient, fake: FakeAmigoServer) -> None:
    results = await client.metrics.list_evaluation_results(
        limit=7, sort_by=["-created_at"]
    ).to_list()
    assert len(results) == len(fake.state.metrics.results)
    assert [r.created_at for r in results] == sorted((r.created_at for r in results), reverse=True)
    assert [query(r)["continuation_token"] for r in fake.requests][:2] == [["0"], ["7"]]
    pages = [page async for page in client.metrics.list(limit=2).pages()]
    assert [len(p.items) for p in pages] == [2, 1]
    assert pages[0].extra["filter_values"].types


async def test_input_checks_before_sending(client: AmigoClient, fake: FakeAmigoServer) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        client.metrics.list_evaluation_results(timestamp_after=datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="sort_by"):
        client.metrics.list(sort_by=["name"])
    with pytest.raises(TypeError, match="metric_ids"):
        await client.metrics.evaluate("a" * 24, "c" * 24)  # a bare str, not a list
    assert fake.requests == []


async def test_documented_errors(client: AmigoClient, fake: FakeAmigoServer) -> None:
    metrics = client.metrics
    with pytest.raises(errors.ConflictError):
        await metrics.create(new_metric(next(iter(fake.state.metrics.metrics.values()))["name"]))
    in_use = next(iter(fake.state.metrics.metrics.records))  # a seeded unit test uses it
    with pytest.raises(errors.BadRequestError, match="unit test"):
        await metrics.delete(in_use)
    with pytest.raises(errors.NotFoundError):
        await metrics.update("0" * 24, UpdateMetricRequest(description="x"))
    with pytest.raises(errors.NotFoundError):
        await metrics.evaluate(["0" * 24], "c" * 24)


def test_sync_facade() -> None:
    with sync_client() as (client, _):
        metric_id = client.metrics.create(new_metric()).id
        assert [m.id for m in client.metrics.search("politeness")] == [metric_id]


async def test_the_fake_answers_422_for_a_body_that_does_not_fit(fake: FakeAmigoServer) -> None:
    body = {"metric_ids": "not-a-list", "conversation_id": "c" * 24}
    status, text = await send_raw(fake, "POST", "/metric/evaluate", json=body)
    assert status == 422 and "metric_ids" in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: m.list(type=["percent"]).to_list(), "type"),
        (lambda m: m.update("x" * 24, UpdateMetricRequest(description="x")), "metric_id"),
        (lambda m: m.create(new_metric("")), "name"),
        (lambda m: m.evaluate(["a" * 24], "not-an-id"), "conversation_id"),
        (lambda m: m.list_evaluation_results(limit=501).to_list(), "limit"),
    ],
)
async def test_documented_constraints_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await call(client.metrics)
    assert fake.requests == []
