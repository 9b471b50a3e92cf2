"""client.dynamic_behavior_sets against the fake server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

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
from amigo_async.models.dynamic_behavior_set import (
    CreateDynamicBehaviorSetRequest,
    CreateDynamicBehaviorSetRequestInitialVersion,
    CreateDynamicBehaviorSetVersionRequest,
    InjectInstructionActionInput,
    UpdateDynamicBehaviorSetRequest,
)
from amigo_async.testing import FakeAmigoServer

PREFIX = "/v1/acme/dynamic_behavior_set"


def new_set(name: str = "refunds", *, active: bool = True) -> CreateDynamicBehaviorSetRequest:
    action = InjectInstructionActionInput(
        instruction="Offer a refund.", overrides_instructions=False
    )
    return CreateDynamicBehaviorSetRequest(
        name=name,
        tags={"team": "care"},
        applied_to_services=[],
        initial_version=CreateDynamicBehaviorSetRequestInitialVersion(
            is_active=active, conversation_triggers=["refund"], actions=[action]
        ),
    )


def first_set(fake: FakeAmigoServer) -> str:
    return next(iter(fake.state.dynamic_behavior_sets.sets.records))


async def test_every_operation_is_sent_as_documented(
    client: AmigoClient, fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = capture_replies(monkeypatch, "dynamic_behavior_set")
    sets = client.dynamic_behavior_sets
    created = await sets.create(new_set())
    set_id = created.dynamic_behavior_set_id
    request = recorded(fake, "create-dynamic-behavior-set")
    assert (request.method, request.raw_path) == ("POST", f"{PREFIX}/")
    assert sent_body(request)["initial_version"]["actions"][0]["type"] == "inject-instruction"

    listed = await sets.list(ids=[set_id], is_active=True, tag=["team:care"]).to_list()
    assert [s.id for s in listed] == [set_id]
    assert query(recorded(fake, "get-dynamic-behavior-sets")) == {
        "id": [set_id],
        "is_active": ["true"],
        "tag": ["team:care"],
        "limit": ["50"],
        "continuation_token": ["0"],
    }

    found = await sets.search("refunds", creator=[f"acme,{fake.user_id}"])
    assert [s.id for s in found] == [set_id]
    assert query(recorded(fake, "search-dynamic-behavior-sets")) == {
        "query": ["refunds"],
        "creator": [f"acme,{fake.user_id}"],
    }

    await sets.update(set_id, UpdateDynamicBehaviorSetRequest(name="refunds-2"))
    request = recorded(fake, "update-dynamic-behavior-set")
    assert (request.method, request.raw_path) == ("POST", f"{PREFIX}/{set_id}/")
    assert sent_body(request) == {"name": "refunds-2"}  # fields left at None are left out

    version = CreateDynamicBehaviorSetVersionRequest(
        conversation_triggers=["money back"], actions=[]
    )
    answer = await sets.create_version(set_id, version, version=2)
    assert answer.new_version_number == 2
    request = recorded(fake, "create-dynamic-behavior-set-version")
    assert (request.raw_path, query(request)) == (f"{PREFIX}/{set_id}/version/", {"version": ["2"]})
    assert sent_body(request) == {"conversation_triggers": ["money back"], "actions": []}

    versions = await sets.list_versions(set_id, version="1-latest", sort_by=["-version"]).to_list()
    assert [v.version for v in versions] == [2, 1]
    assert query(recorded(fake, "get-dynamic-behavior-set-versions"))["sort_by"] == ["-version"]

    assert await sets.list_invocations(set_id).to_list() == []
    request = recorded(fake, "get-dynamic-behavior-invocations")
    assert (request.method, request.raw_path) == ("GET", f"{PREFIX}/{set_id}/invocation/")

    await sets.delete(set_id)
    request = recorded(fake, "delete-dynamic-behavior-instruction")
    assert (request.method, request.raw_path) == ("DELETE", f"{PREFIX}/{set_id}/")
    assert {r.operation_id for r in fake.requests} == {op for op, _ in replies} and len(
        {op for op, _ in replies}
    ) == 8
    assert schema_problems(replies) == []


async def test_lists_page_at_the_documented_caps(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    set_id = first_set(fake)
    sets = client.dynamic_behavior_sets
    versions = await sets.list_versions(set_id).to_list()
    assert len(versions) == len(fake.state.dynamic_behavior_sets.versions[set_id]) > 10
    tokens = [query(r)["continuation_token"] for r in fake.requests]
    assert tokens == [["0"], ["10"]]
    assert all(query(r)["limit"] == ["10"] for r in fake.requests)
    invocations = [i async for i in sets.list_invocations(set_id, sort_by=["+invoked_at"])]
    assert [i.invoked_at for i in invocations] == sorted(i.invoked_at for i in invocations)
    assert query(recorded(fake, "get-dynamic-behavior-invocations"))["limit"] == ["30"]
    pages = [page async for page in sets.list(limit=2).pages()]
    assert [len(p.items) for p in pages] == [2, 1]
    assert "filter_values" in pages[0].extra


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.list(sort_by=["name"]), "sort_by"),
        (lambda s: s.list(tag=["no-colon"]), "tag"),
        (lambda s: s.list(creator=["just-a-user"]), "creator"),
        (lambda s: s.list_versions("a" * 24, version="first"), "version"),
    ],
)
async def test_prose_conventions_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer, call: Any, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await call(client.dynamic_behavior_sets).to_list()
    assert fake.requests == []


async def test_documented_errors(client: AmigoClient, fake: FakeAmigoServer) -> None:
    sets = client.dynamic_behavior_sets
    with pytest.raises(errors.NotFoundError):
        await sets.delete("0" * 24)
    await sets.create(new_set("twin"))
    with pytest.raises(errors.ConflictError):
        await sets.create(new_set("twin"))
    await sets.create(new_set("twin", active=False))  # an inactive twin is allowed
    with pytest.raises(errors.BadRequestError):
        await sets.create_version(
            first_set(fake),
            CreateDynamicBehaviorSetVersionRequest(conversation_triggers=["late"], actions=[]),
            version=2,
        )
    with pytest.raises(TypeError, match="dynamic_behavior_set"):
        await sets.create({"name": "x"})  # type: ignore[arg-type]


def test_sync_facade() -> None:
    with sync_client() as (client, fake):
        names = [s.name for s in client.dynamic_behavior_sets.list(limit=2)]
        assert names == [s["name"] for s in fake.state.dynamic_behavior_sets.sets.values()]


async def test_the_fake_answers_422_for_a_body_that_does_not_fit(fake: FakeAmigoServer) -> None:
    status, text = await send_raw(fake, "POST", "/dynamic_behavior_set/", json={"name": "x"})
    assert status == 422 and "tags" in text
    status, _ = await send_raw(fake, "DELETE", "/dynamic_behavior_set/not-an-id/")
    assert status == 422


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.delete("not-an-id"), "dynamic_behavior_set_id"),
        (
            lambda s: s.create_version(
                "a" * 24,
                CreateDynamicBehaviorSetVersionRequest(conversation_triggers=["x"], actions=[]),
                version=1,
            ),
            "version",
        ),
        (lambda s: s.create(new_set("")), "name"),
        (lambda s: s.list(ids=["A" * 24]).to_list(), "id"),
        (lambda s: s.list_invocations("a" * 24, limit=31).to_list(), "limit"),
    ],
)
async def test_documented_constraints_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await call(client.dynamic_behavior_sets)
    assert fake.requests == []
