"""Errors: one type per documented status, useful context, and never a secret."""

from __future__ import annotations

import logging

import pytest
from aioresponses import aioresponses

from amigo_async import AmigoClient, RetryPolicy, errors
from amigo_async.testing import FakeAmigoServer, Fault

_BY_STATUS = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    408: errors.RequestTimeoutError,
    409: errors.ConflictError,
    422: errors.UnprocessableEntityError,
    429: errors.RateLimitError,
    503: errors.ServiceUnavailableError,
    500: errors.ServerError,
    502: errors.ServerError,
}

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(("status", "error_type"), sorted(_BY_STATUS.items()))
async def test_each_status_maps_to_its_error(
    fake: FakeAmigoServer, status: int, error_type: type[errors.AmigoError]
) -> None:
    fake.inject("submit-sql-query", Fault.status_code(status), times=1)
    retry = RetryPolicy(max_attempts=1, max_rate_limited=1)
    async with fake.client(retry=retry) as client:
        with pytest.raises(error_type) as caught:
            await client.admin.sql_query("select 1")
    error = caught.value
    assert isinstance(error, errors.APIStatusError)
    assert error.status == status
    assert error.operation_id == "submit-sql-query"
    assert error.method == "POST"
    assert error.path == f"/v1/{fake.organization}/admin/sql_query"
    assert "maintenance" in (error.body_excerpt or "")


def test_every_error_is_an_amigo_error() -> None:
    for error_type in (*_BY_STATUS.values(), errors.TransportError, errors.TruncatedStreamError):
        assert issubclass(error_type, errors.AmigoError)
    assert not issubclass(errors.TransportError, errors.APIStatusError)


async def test_error_carries_the_server_request_id_and_no_query() -> None:
    url = "https://api.amigo.ai/v1/acme/admin/get_models/"
    with aioresponses() as mocked:
        mocked.get(url, status=403, headers={"x-request-id": "req-42"}, payload={"detail": "no"})
        async with AmigoClient("acme", token=JWT) as client:
            with pytest.raises(errors.PermissionDeniedError) as caught:
                await client.admin.get_models()
    error = caught.value
    assert error.request_id == "req-42"
    assert "req-42" in str(error)
    assert error.path == "/v1/acme/admin/get_models/"
    assert "?" not in (error.path or "")


async def test_error_text_and_repr_never_show_the_token_or_key() -> None:
    url = "https://api.amigo.ai/v1/acme/admin/get_models/"
    echo = f'{{"detail": "bad token {JWT}", "authorization": "Bearer {JWT}"}}'
    with aioresponses() as mocked:
        mocked.get(url, status=400, body=echo)
        async with AmigoClient("acme", token=JWT) as client:
            with pytest.raises(errors.BadRequestError) as caught:
                await client.admin.get_models()
    for text in (str(caught.value), repr(caught.value), caught.value.body_excerpt or ""):
        assert JWT not in text
        assert "eyJ" not in text


async def test_non_jwt_secrets_are_scrubbed_by_value() -> None:
    url = "https://api.amigo.ai/v1/acme/admin/get_models/"
    with aioresponses() as mocked:
        mocked.get(url, status=400, body="token plain-secret-token was refused")
        async with AmigoClient("acme", token="plain-secret-token") as client:
            with pytest.raises(errors.BadRequestError) as caught:
                await client.admin.get_models()
    assert "plain-secret-token" not in str(caught.value)


def test_sanitize_redacts_common_credential_shapes() -> None:
    text = errors.sanitize(
        'Authorization: Basic YWNtZV91Omp3dA== {"api_key": "k-123", "password": "p"} ' + JWT
    )
    for secret in ("YWNtZV91Omp3dA==", "k-123", '"p"', JWT):
        assert secret not in text


def test_body_excerpt_is_short() -> None:
    assert len(errors.sanitize("x" * 10_000)) <= 301


async def test_repr_of_client_and_credentials_hide_secrets(fake: FakeAmigoServer) -> None:
    client = fake.client(api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id)
    async with client:
        await client.admin.get_models()
        current = client._transport.credentials.secrets
        texts = [repr(client), str(client), repr(client._transport.credentials)]
    for text in texts:
        assert fake.api_key not in text
        for secret in current:
            assert secret not in text


async def test_logs_never_contain_credentials(
    fake: FakeAmigoServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.inject("get-models", Fault.status_code(429, retry_after=0.01), times=1)
    async with fake.client(
        api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id
    ) as client:
        await client.admin.get_models()
        secrets = client._transport.credentials.secrets
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "get-models" in logged  # something was logged at all
    assert fake.api_key not in logged
    for secret in secrets:
        assert secret not in logged
    # Header names may be logged (issue 19: verbose output names the headers sent),
    # never a value: no "Authorization: ..." pair and no scheme with its token.
    assert "Authorization:" not in logged and "Bearer" not in logged


async def test_truncated_stream_error_reports_progress() -> None:
    error = errors.TruncatedStreamError(
        "the zip ended early",
        entries_delivered=3,
        bytes_received=1234,
        last_log_key="abc-1",
        operation_id="get-prompt-logs",
    )
    assert (error.entries_delivered, error.bytes_received, error.last_log_key) == (3, 1234, "abc-1")
    assert "abc-1" in str(error) and "1234" in str(error)


def test_sanitize_redacts_a_credential_echoed_url_encoded_or_json_escaped() -> None:
    basic = "YWNtZV91c2VyOmV5Si+/ab=="  # a Basic base64 holds +, / and =
    echoes = [
        "auth=YWNtZV91c2VyOmV5Si%2B%2Fab%3D%3D",
        "auth=YWNtZV91c2VyOmV5Si%2b%2fab%3d%3d",
        'auth="YWNtZV91c2VyOmV5Si+\\/ab=="',
        "q=YWNtZV91c2VyOmV5Si%2B%2Fab%3D%3D&x=1",
    ]
    for echo in echoes:
        text = errors.sanitize(f"proxy said: {echo}", [basic])
        assert "YWNtZV91c2VyOmV5Si" not in text, text
        assert "[redacted]" in text
