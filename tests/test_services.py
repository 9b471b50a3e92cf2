"""client.services against the fake: every operation's request, pagination, documented errors."""

from __future__ import annotations

import pytest
from _areas import last

from amigo_async import AmigoClient, errors
from amigo_async.models.service import (
    CreateServiceRequest,
    UpdateServiceRequest,
    VersionSetInput,
)
from amigo_async.testing import FakeAmigoServer

_SET = VersionSetInput(
    agent_version_number=1,
    service_hierarchical_state_machine_version_number=2,
    llm_model_preferences={},
)


def _new(name: str) -> CreateServiceRequest:
    return CreateServiceRequest(
        service_hierarchical_state_machine_id="a" * 24,
        agent_id="b" * 24,
        name=name,
        description="d",
        is_active=True,
        keyterms=["k"],
        tags={"team": "green"},
    )


async def test_list_pages_at_the_cap_with_filters_and_sort(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    services = [s async for s in client.services.list(sort_by=["-name"])]
    assert len(services) == 25
    assert [s.name for s in services] == sorted((s.name for s in services), reverse=True)
    method, path, query, body = last(fake, "get-services")
    assert (method, path, body) == ("GET", "/service/", None)
    assert ("limit", "20") in query and ("sort_by", "-name") in query
    first = next(r for r in fake.requests if r.operation_id == "get-services")
    assert ("continuation_token", "0") in first.query
    active = [s async for s in client.services.list(is_active=False, tags=["team:red"])]
    assert active and all(not s.is_active and s.tags[0].value == "red" for s in active)
    assert ("is_active", "false") in last(fake, "get-services")[2]
    one = services[3].id
    assert [s.id async for s in client.services.list(ids=[one])] == [one]


async def test_create_update_and_version_sets(client: AmigoClient, fake: FakeAmigoServer) -> None:
    created = await client.services.create(_new("fresh"))
    method, path, _, body = last(fake, "create-service")
    assert (method, path, body["name"], body["tags"]) == (
        "POST",
        "/service/",
        "fresh",
        {"team": "green"},
    )
    await client.services.update(created.id, UpdateServiceRequest(description="new"))
    method, path, _, body = last(fake, "update-service")
    assert (method, path, body["description"]) == ("POST", f"/service/{created.id}/", "new")
    await client.services.upsert_version_set(created.id, "edge", _SET)
    method, path, _, body = last(fake, "upsert-service-version-set")
    assert (method, path) == ("PUT", f"/service/{created.id}/version_sets/edge/")
    assert body == {
        "version_set": {
            "agent_version_number": 1,
            "service_hierarchical_state_machine_version_number": 2,
            "llm_model_preferences": {},
        }
    }
    stored = fake.state.services.services.get(created.id)
    assert stored["description"] == "new" and "edge" in stored["version_sets"]
    await client.services.delete_version_set(created.id, "edge")
    assert last(fake, "delete-service-version-set")[:2] == (
        "DELETE",
        f"/service/{created.id}/version_sets/edge/",
    )
    assert "edge" not in stored["version_sets"]


async def test_documented_errors(client: AmigoClient, fake: FakeAmigoServer) -> None:
    with pytest.raises(errors.ConflictError):
        await client.services.create(_new("service-01"))
    with pytest.raises(errors.NotFoundError):
        await client.services.update("c" * 24, UpdateServiceRequest(name="x"))
    some = next(iter(fake.state.services.services.records))
    with pytest.raises(errors.BadRequestError):
        await client.services.delete_version_set(some, "release")


async def test_wrong_argument_types_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    with pytest.raises(TypeError, match="service"):
        await client.services.create({"name": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sort_by"):
        client.services.list(sort_by=["created_at"])
    with pytest.raises(TypeError, match="is_active"):
        client.services.list(is_active="yes")  # type: ignore[arg-type]
    assert not [r for r in fake.requests if r.operation_id.endswith("service")]
