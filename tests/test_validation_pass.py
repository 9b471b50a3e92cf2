"""The one validation pass (amigo_async._validation): what it reports, and the probes an
outside audit sent that reached the server before it existed.

Each probe goes through the client against the fake server and must raise before a
single request is sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from amigo_async import AmigoClient
from amigo_async._validation import ABSENT, Problem, request_problems, response_problems
from amigo_async.models import NULL
from amigo_async.models.simulation import (
    CreateSimulationScenarioRequest,
    CreateSimulationScenarioRequestInitialVersion,
)
from amigo_async.models.user import CreateInvitedUserRequest, Preferences, UpdateUserInfoRequest
from amigo_async.models.webhook_destination import CreateWebhookDestinationRequest
from amigo_async.testing import FakeAmigoServer

_ID = "a" * 24


# -- what request_problems reports ------------------------------------------------------


def test_a_problem_names_its_place_kind_and_words() -> None:
    problems = request_problems(
        "create-webhook-destination",
        path=None,
        query=None,
        body={"url": "https://example.com", "accepted_types": [], "retry_attempts": "3"},
    )
    assert problems == [
        Problem(("body", "retry_attempts"), "must be an int, not str", "type_error")
    ]
    assert problems[0].message() == "body.retry_attempts must be an int, not str"


def test_missing_and_extra_and_unknown_query() -> None:
    problems = request_problems("get-users", path=None, query={"limt": 5}, body=ABSENT)
    assert [(p.loc, p.type) for p in problems] == [(("query", "limt"), "extra_forbidden")]
    problems = request_problems("deprecate-tool", path={}, query=None)
    assert [(p.loc, p.type) for p in problems] == [(("path", "tool_id"), "missing")]
    problems = request_problems("create-role", path=None, query=None)
    assert [(p.loc, p.type) for p in problems] == [(("body",), "missing")]


def test_from_strings_reads_values_as_a_server_does() -> None:
    assert request_problems("get-users", path=None, query={"limit": "5"}, from_strings=True) == []
    assert (
        request_problems(
            "get-users", path=None, query={"limit": ["5"], "sort_by": ["-email"]}, from_strings=True
        )
        == []
    )
    [wrong] = request_problems("get-users", path=None, query={"limit": "five"}, from_strings=True)
    assert (wrong.loc, wrong.type) == (("query", "limit"), "type_error")
    [high] = request_problems("get-users", path=None, query={"limit": "500"}, from_strings=True)
    assert high.message() == "limit must be at most 100; got 500"


def test_from_strings_reads_a_nullable_parameter_by_its_real_type() -> None:
    query = {"version": "3"}
    problems = request_problems(
        "create-agent-version",
        path={"agent_id": _ID},
        query=query,
        body={"initials": "A"},
        from_strings=True,
    )
    assert [p for p in problems if p.loc[0] != "body"] == []
    [wrong] = request_problems(
        "create-agent-version", path={"agent_id": _ID}, query={"version": "0"}, from_strings=True
    )[:1]
    assert wrong.message() == "version must be more than 0; got 0"


def test_an_int_is_never_a_bool_and_a_float_takes_an_int() -> None:
    [problem] = request_problems("get-users", path=None, query={"limit": True})
    assert problem.type == "type_error"
    assert request_problems("get-users", path=None, query={"limit": 5.0}) == []


def test_long_enums_are_checked_and_the_message_stays_short() -> None:
    body = {"timezone": "Mars/Base", "preferred_language": "zzz"}
    problems = request_problems(
        "update-user-info", path={"requested_user_id": _ID}, query=None, body=body
    )
    assert [p.loc for p in problems] == [("body", "preferred_language"), ("body", "timezone")] or [
        p.loc for p in problems
    ] == [("body", "timezone"), ("body", "preferred_language")]
    assert all(len(p.msg) < 120 for p in problems)
    ok = {"timezone": "Europe/Paris", "preferred_language": "fra"}
    assert (
        request_problems("update-user-info", path={"requested_user_id": _ID}, query=None, body=ok)
        == []
    )


def test_a_long_value_is_cut_in_the_message() -> None:
    [problem] = request_problems("deprecate-tool", path={"tool_id": "x" * 10_000}, query=None)
    assert len(problem.msg) < 200


def test_null_only_where_clearable_for_the_client_but_schema_null_for_a_server() -> None:
    path = {"requested_user_id": _ID}
    assert (
        request_problems("update-user-info", path=path, query=None, body={"timezone": None}) == []
    )
    assert (
        request_problems("update-user-info", path=path, query=None, body={"first_name": None}) == []
    )
    [problem] = request_problems(
        "update-user-info", path=path, query=None, body={"first_name": None}, clearable_only=True
    )
    assert problem.message() == "body.first_name cannot be sent as null (NULL): not clearable"


def test_a_tagged_union_is_checked_by_its_tag() -> None:
    body = {"name": "x", "metric_value": {"type": "nope"}}
    problems = request_problems("create-metric", path=None, query=None, body=body)
    assert any(p.type in ("value_error", "missing") for p in problems)


def test_response_problems() -> None:
    good = {"tools": [], "has_more": False, "continuation_token": None, "filter_values": None}
    bad = {"tools": "x", "has_more": False}
    assert all(p.loc[1] != "tools" for p in response_problems("get-tools", 200, good))
    assert any(p.loc[:2] == ("body", "tools") for p in response_problems("get-tools", 200, bad))
    assert response_problems("get-tools", 599, bad) == []


# -- the audit's probes, through the client: refused, nothing sent -----------------------


async def _refused(fake: FakeAmigoServer, error: type[Exception], match: str, call: Any) -> None:
    before = len(fake.requests)
    with pytest.raises(error, match=match):
        await call
    assert len(fake.requests) == before


async def test_probe_retry_attempts_as_text(fake: FakeAmigoServer, client: AmigoClient) -> None:
    request = CreateWebhookDestinationRequest(
        url="https://example.com/hook", accepted_types=[], retry_attempts="3"
    )
    await _refused(
        fake, TypeError, r"^body\.retry_attempts must be an int", client.webhooks.create(request)
    )


async def test_probe_first_name_as_int(fake: FakeAmigoServer, client: AmigoClient) -> None:
    user = CreateInvitedUserRequest(
        first_name=5, last_name="L", email="a@example.com", role_name="r"
    )
    await _refused(
        fake, TypeError, r"^body\.first_name must be a str, not int", client.users.create(user)
    )


async def test_probe_service_id_as_int(fake: FakeAmigoServer, client: AmigoClient) -> None:
    with pytest.raises(TypeError, match="service_id"):
        async with client.conversations.create(12345) as events:  # type: ignore[arg-type]
            await anext(aiter(events))
    assert not [r for r in fake.requests if r.operation_id == "create-conversation"]


async def test_probe_tool_description_as_int(fake: FakeAmigoServer, client: AmigoClient) -> None:
    call = client.tools.update(_ID, description=5)  # type: ignore[arg-type]
    await _refused(fake, TypeError, r"^body\.description must be a str, not int", call)


async def test_probe_recommend_context_as_int(fake: FakeAmigoServer, client: AmigoClient) -> None:
    call = client.conversations.recommend_responses(_ID, _ID, context=5)  # type: ignore[arg-type]
    await _refused(fake, TypeError, r"^body\.context must be a str, not int", call)


async def test_probe_evaluate_conversation_id_as_int(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    call = client.metrics.evaluate([_ID], 5)  # type: ignore[arg-type]
    await _refused(fake, TypeError, r"^body\.conversation_id must be a str, not int", call)
    call = client.metrics.evaluate([_ID], "not-an-id")
    await _refused(fake, ValueError, r"^body\.conversation_id must match", call)


async def test_probe_timezone_and_language(fake: FakeAmigoServer, client: AmigoClient) -> None:
    call = client.users.update(_ID, UpdateUserInfoRequest(timezone="Mars/Base"))
    await _refused(
        fake, ValueError, r"^body\.timezone must be one of the \d+ documented values", call
    )
    user = CreateInvitedUserRequest(
        first_name="F",
        last_name="L",
        email="a@example.com",
        role_name="r",
        user_preferences=Preferences(preferred_language="zzz"),
    )
    call = client.users.create(user)
    await _refused(
        fake, ValueError, r"^body\.user_preferences\.preferred_language must be one of", call
    )


async def test_probe_naive_conversation_starts_at(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    def scenario(starts: datetime) -> CreateSimulationScenarioRequest:
        version = CreateSimulationScenarioRequestInitialVersion(
            objective="o",
            instructions="i",
            initial_message_type="user-message",
            conversation_starts_at=starts,
        )
        return CreateSimulationScenarioRequest(name="n", tags={}, initial_version=version)

    call = client.simulations.create_scenario(scenario(datetime(2025, 1, 1, 12)))
    await _refused(
        fake, ValueError, r"^body\.initial_version\.conversation_starts_at must be", call
    )
    aware = scenario(datetime(2025, 1, 1, 12, tzinfo=UTC))
    assert (
        request_problems(
            "create-simulation-scenario",
            path=None,
            query=None,
            body={
                "name": "n",
                "tags": {},
                "initial_version": {
                    "objective": "o",
                    "instructions": "i",
                    "initial_message_type": "user-message",
                    "conversation_starts_at": aware.initial_version.conversation_starts_at.isoformat(),
                },
            },
        )
        == []
    )


async def test_null_refused_where_not_clearable(fake: FakeAmigoServer, client: AmigoClient) -> None:
    call = client.users.update(_ID, UpdateUserInfoRequest(first_name=NULL))
    await _refused(fake, ValueError, r"^body\.first_name cannot be sent as null", call)


async def test_a_paged_list_is_checked_once_not_per_page(
    fake: FakeAmigoServer, client: AmigoClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import amigo_async._transport as transport_module

    checked: list[str] = []
    real = transport_module.check_request

    def counting(operation_id: str, *args: Any) -> None:
        checked.append(operation_id)
        real(operation_id, *args)

    monkeypatch.setattr(transport_module, "check_request", counting)
    users = [u async for u in client.users.list(sort_by=["last_name"], limit=5)]
    pages = [r for r in fake.requests if r.operation_id == "get-users"]
    assert len(users) == 12 and len(pages) == 3
    assert checked.count("get-users") == 1


def test_starter_counts_and_set_names_are_rules_of_the_pass() -> None:
    body = {
        "service_id": _ID,
        "facets": ["a"],
        "min_count": 5,
        "max_count": 2,
        "generation_instructions": "x",
        "service_version_set_name": " ",
    }
    problems = request_problems("generate-conversation-starter", path=None, query=None, body=body)
    assert [p.message() for p in problems] == [
        "body.service_version_set_name must not be empty",
        "body.max_count must be at least min_count (5); got 2",
    ]
    [paired] = request_problems(
        "get-tool-invocations", path=None, query={"tool_id": [_ID], "version": ["1", "2"]}
    )
    assert paired.loc == ("query", "version")


async def test_a_lazy_stream_is_refused_by_the_pass_at_call_time(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(ValueError, match=r"^body\.initial_message_type needs initial_message"):
        client.conversations.create(_ID, initial_message_type="user-message")
    with pytest.raises(ValueError, match=r"^body\.tags\.k must be at most 100"):
        client.conversations.create(_ID, tags={"k": "v" * 101})
    assert fake.requests == []


async def test_interact_and_prose_rules_are_refused_by_the_pass(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(ValueError, match=r"^conversation_id must match"):
        client.conversations.interact("x", text="hi")
    with pytest.raises(ValueError, match=r"^current_agent_action_type is not a regex"):
        client.conversations.interact(_ID, text="hi", current_agent_action_type="(")
    with pytest.raises(ValueError, match=r"^body must give updates= or deletes="):
        await client.conversations.update_tags(_ID)
    later, earlier = datetime(2021, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"^created_after must not be later than created_before"):
        client.webhooks.list_deliveries(_ID, created_after=later, created_before=earlier)
    assert fake.requests == []


def test_api_key_duration_bounds_are_a_rule_of_the_pass() -> None:
    def problems(duration: str) -> list[str]:
        body = {"duration": duration, "name": "k", "role_name": "DefaultUserRole"}
        return [p.message() for p in request_problems("create-api-key", path=None, query=None, body=body)]

    assert problems("P30D") == []
    assert problems("P91D") == ["body.duration must be between P1D and P90D; got P91D"]
    assert problems("-P1D") == ["body.duration must be an ISO 8601 duration; got '-P1D'"]
