"""client.admin.get_models and client.admin.sql_query against the fake server over real HTTP."""

from __future__ import annotations

import json

import pytest
from conftest import send_raw

from amigo_async import AmigoClient, RetryPolicy, errors
from amigo_async.models import Column, LLMModel
from amigo_async.testing import FakeAmigoServer, Fault


async def test_get_models_lists_the_platform_models(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    models = await client.admin.get_models()
    assert [m.name for m in models] == [m["name"] for m in fake.state.admin.models]
    assert all(isinstance(m, LLMModel) for m in models)
    assert models[0].params_model_schema["type"] == "object"
    [request] = fake.requests
    assert (request.operation_id, request.method) == ("get-models", "GET")
    assert request.raw_path == "/v1/acme/admin/get_models/"


async def test_get_models_is_retried_after_a_503(fake: FakeAmigoServer) -> None:
    fake.inject("get-models", Fault.status_code(503))
    async with fake.client(retry=RetryPolicy(backoff_base=0.01, backoff_max=0.02)) as client:
        assert await client.admin.get_models()
    assert [r.status for r in fake.requests] == [503, 200]


async def test_sql_query_returns_rows_and_columns(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    result = await client.admin.sql_query("select 1")
    assert result.result == [[1]]
    assert result.columns == [Column(name="?column?", type="integer")]
    assert result.truncated is False
    assert result.execution_time_ms >= 0


async def test_sql_query_sends_a_synchronous_query(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.admin.sql_query("select 1")
    [request] = fake.requests
    assert (request.operation_id, request.method) == ("submit-sql-query", "POST")
    assert request.raw_path == "/v1/acme/admin/sql_query"
    assert json.loads(request.body) == {"sql_query": "select 1", "async_query": False}


async def test_sql_query_reports_truncation_at_a_thousand_rows(client: AmigoClient) -> None:
    result = await client.admin.sql_query("select * from generate_series(1, 5000)")
    assert len(result.result) == 1000
    assert result.truncated is True
    assert result.result[-1] == [1000]


async def test_an_invalid_query_is_a_bad_request(client: AmigoClient) -> None:
    with pytest.raises(errors.BadRequestError) as caught:
        await client.admin.sql_query("delete from users")
    assert caught.value.status == 400
    assert caught.value.operation_id == "submit-sql-query"


async def test_a_query_over_the_time_limit_is_a_request_timeout(client: AmigoClient) -> None:
    with pytest.raises(errors.RequestTimeoutError) as caught:
        await client.admin.sql_query("select pg_sleep(60)")
    assert caught.value.status == 408


async def test_a_503_on_a_query_is_not_retried(fake: FakeAmigoServer, client: AmigoClient) -> None:
    fake.inject("submit-sql-query", Fault.status_code(503))
    with pytest.raises(errors.ServiceUnavailableError):
        await client.admin.sql_query("select 1")
    assert fake.count("submit-sql-query") == 1


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
async def test_an_empty_query_is_refused_before_sending(
    query: str, fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(ValueError, match="sql_query"):
        await client.admin.sql_query(query)
    assert fake.requests == []


async def test_a_query_that_is_not_text_is_refused_before_sending(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(TypeError, match="sql_query"):
        await client.admin.sql_query(b"select 1")  # type: ignore[arg-type]
    assert fake.requests == []


async def test_the_fake_refuses_an_asynchronous_query_with_422(fake: FakeAmigoServer) -> None:
    status, _ = await send_raw(
        fake, "POST", "/admin/sql_query", json={"sql_query": "select 1", "async_query": True}
    )
    assert status == 422
