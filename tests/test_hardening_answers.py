"""Issue 13: wrong answers are refused, odd sign-ins cause no storms, headers say what we accept.

Every wrong shape is an `InvalidResponseError` naming the operation and the field
path (never cattrs' own exception, never a silent coercion); a token that arrives
expired and a wave of 401s each cost a bounded number of sign-ins; a pager facing
endless empty pages stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web
from hostile import SIGN_IN_PATH, json_response, serve

from amigo_async import AmigoClient, errors
from amigo_async.testing import FakeAmigoServer

TOKEN = "tok-answers-secret"
SQL_OK = {"execution_time_ms": 3, "result": [[1]], "truncated": False, "columns": []}


def _answering(body: Any) -> Any:
    async def handler(request: web.Request) -> web.Response:
        return json_response(body)

    return handler


async def _invalid(body: Any, call: str) -> errors.InvalidResponseError:
    async with (
        serve(_answering(body)) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.InvalidResponseError) as caught:
            if call == "models":
                await client.admin.get_models()
            elif call == "sql":
                await client.admin.sql_query("select 1")
            else:
                await client.tools.list().to_list()
    return caught.value


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SQL_OK, "truncated": "false"}, "truncated"),
        ({**SQL_OK, "execution_time_ms": 1.9}, "execution_time_ms"),
        ({**SQL_OK, "execution_time_ms": "3"}, "execution_time_ms"),
        ({**SQL_OK, "result": "abc"}, "result"),
        ({**SQL_OK, "columns": [{"name": None, "type": "int"}]}, "columns[0].name"),
        ({**SQL_OK, "columns": [{"name": 123, "type": "int"}]}, "columns[0].name"),
        ({**SQL_OK, "truncated": None}, "truncated"),
        ([SQL_OK], "$"),
    ],
    ids=[
        "str-bool",
        "float-int",
        "str-int",
        "str-list",
        "null-str",
        "int-str",
        "null-bool",
        "list",
    ],
)
async def test_a_malformed_sql_answer_is_an_invalid_response_naming_the_field(
    body: Any, field: str
) -> None:
    error = await _invalid(body, "sql")
    assert error.operation_id == "submit-sql-query"
    assert field in str(error)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"models": [{"name": None}]}, "models[0].name"),
        ({"models": [{"name": 123}]}, "models[0].name"),
        ({"models": "abc"}, "models"),
        ({"models": [{"name": "m", "params_model_schema": []}]}, "params_model_schema"),
        ({}, "models"),
        ("models", "$"),
    ],
    ids=["null-str", "int-str", "str-list", "list-dict", "missing", "not-an-object"],
)
async def test_a_malformed_models_answer_is_an_invalid_response_naming_the_field(
    body: Any, field: str
) -> None:
    error = await _invalid(body, "models")
    assert error.operation_id == "get-models"
    assert field in str(error)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tools": [], "has_more": "false", "continuation_token": None}, "has_more"),
        ({"tools": [], "has_more": 1, "continuation_token": None}, "has_more"),
        ({"tools": [], "has_more": True, "continuation_token": [1]}, "continuation_token"),
        ({"tools": [], "has_more": True, "continuation_token": {"a": 1}}, "continuation_token"),
        ({"tools": "abc", "has_more": False}, "tools"),
    ],
    ids=["str-bool", "int-bool", "list-token", "object-token", "str-list"],
)
async def test_a_malformed_page_is_an_invalid_response_naming_the_field(
    body: Any, field: str
) -> None:
    error = await _invalid(body, "tools")
    assert error.operation_id == "get-tools"
    assert field in str(error)


async def test_endless_empty_pages_with_fresh_tokens_end_in_a_pagination_error() -> None:
    from amigo_async._pagination import DEFAULT_MAX_EMPTY_PAGES

    tokens = iter(range(1, 10**6))

    async def endless(request: web.Request) -> web.Response:
        return json_response({"tools": [], "has_more": True, "continuation_token": next(tokens)})

    async with (
        serve(endless) as api,
        AmigoClient("acme", token=TOKEN, base_url=api.url) as client,
    ):
        with pytest.raises(errors.PaginationError, match="empty pages") as caught:
            await asyncio.wait_for(client.tools.list().to_list(), timeout=30)
    assert caught.value.operation_id == "get-tools"
    assert len(api.requests) <= DEFAULT_MAX_EMPTY_PAGES + 1


# -- sign-in storms ---------------------------------------------------------------------------


def _signing_in(expires_at: str, status_after_sign_in: int = 200) -> Any:
    async def handler(request: web.Request) -> web.Response:
        if request.path == SIGN_IN_PATH:
            return json_response({"id_token": TOKEN, "expires_at": expires_at})
        if status_after_sign_in == 401:
            return json_response({"detail": "Invalid authorization credentials."}, 401)
        return json_response({"models": []})

    return handler


def _key_client(url: str, **options: Any) -> AmigoClient:
    return AmigoClient("acme", api_key="k", api_key_id="kid", user_id="u", base_url=url, **options)


async def test_an_already_expired_token_causes_no_sign_in_storm_and_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="amigo_async")
    async with (
        serve(_signing_in("2001-01-01T00:00:00Z")) as api,
        _key_client(api.url) as client,
    ):
        for _ in range(8):
            await client.admin.get_models()
    assert api.count("signin_with_api_key") == 1
    assert api.count("get_models") == 8
    warned = [r for r in caplog.records if "expires_at" in r.getMessage()]
    assert len(warned) == 1


async def test_a_hundred_callers_all_refused_cause_at_most_two_sign_ins() -> None:
    # get-models unpaced: a hundred calls would otherwise wait five minutes for permits
    async with (
        serve(_signing_in("2999-01-01T00:00:00Z", status_after_sign_in=401)) as api,
        _key_client(api.url, rate_limits={"get-models": None}) as client,
    ):
        results = await asyncio.gather(
            *(client.admin.get_models() for _ in range(100)), return_exceptions=True
        )
    assert all(isinstance(r, errors.AuthenticationError) for r in results)
    assert api.count("signin_with_api_key") <= 2


# -- what each request says it accepts ----------------------------------------------------------


def _accept(fake: FakeAmigoServer, operation_id: str) -> str:
    [record] = [r for r in fake.requests if r.operation_id == operation_id][-1:]
    return {k.lower(): v for k, v in record.headers.items()}["accept"]


async def test_each_operation_sends_the_accept_header_of_its_answer(
    fake: FakeAmigoServer, tmp_path: Any
) -> None:
    async with fake.client() as client:
        await client.admin.get_models()
        prefix = fake.state.prompt_logs.demo_prefixes[0]
        async for _ in client.admin.download_prompt_logs(prefix):
            pass
        await client.tools.download_scaffold(tmp_path / "scaffold.tgz")
        root = await client.tools.repo.get_directory()
        first = next(entry for entry in root.entries if entry.type == "file")
        await client.tools.repo.download_file(first.path, tmp_path / "file")
    assert _accept(fake, "get-models") == "application/json"
    assert _accept(fake, "get-prompt-logs") == "application/zip"
    assert _accept(fake, "get-tool-scaffold-release") == "application/gzip"
    assert _accept(fake, "get-tool-repo-file-content") == "*/*"


# -- where a misfit lies, without its value -----------------------------------------------------

_API_KEY = {
    "_id": "k1",
    "name": None,
    "org_id": "acme",
    "created_at": "2024-05-01T10:00:00Z",
    "updated_at": "2024-05-01T10:00:00Z",
    "key_id": "kid",
    "expires_at": "2025-05-01T10:00:00Z",
    "creator": {"org_id": "acme", "user_id": "u"},
    "role_id": "r",
}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({**_API_KEY, "_id": 7}, "expected str, got int @ $._id"),
        ({k: v for k, v in _API_KEY.items() if k != "_id"}, "required field missing @ $._id"),
        ({**_API_KEY, "creator": {"org_id": "acme"}}, "required field missing @ $.creator.user_id"),
        (
            {**_API_KEY, "expires_at": "sk-secret-value"},
            "expected datetime, got str @ $.expires_at",
        ),
        ({**_API_KEY, "role_id": ["sk-secret-value"]}, "expected str, got list @ $.role_id"),
    ],
    ids=["renamed-field", "renamed-missing", "nested-missing", "bad-datetime", "list-for-str"],
)
def test_a_misfit_is_named_by_its_path_and_kinds_never_its_value(body: Any, where: str) -> None:
    from amigo_async.models import ApiKey, structure_response

    with pytest.raises(errors.InvalidResponseError) as caught:
        structure_response(body, ApiKey, "list-api-keys")
    assert where in str(caught.value)
    assert "secret" not in str(caught.value)


def test_a_misfit_inside_a_map_of_objects_names_its_key() -> None:
    from amigo_async.models import describe_mismatch
    from amigo_async.models.conversation import LLMConfigOutput

    assert describe_mismatch({"fast": {"llm_name": 3}}, dict[str, LLMConfigOutput]).endswith(
        "@ $['fast'].llm_name"
    )


def test_a_huge_map_key_is_not_shown_in_the_description() -> None:
    from amigo_async.models import describe_mismatch
    from amigo_async.models.conversation import LLMConfigOutput

    token = "eyJ" + "k" * 100  # an echoed credential: no piece of it may be shown
    text = describe_mismatch({token: {"llm_name": 3}}, dict[str, LLMConfigOutput])
    assert len(text) < 200 and text.endswith("[<a key of 103 characters>].llm_name")
    assert "kkkkk" not in text
