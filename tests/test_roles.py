"""client.roles against the fake: roles, assignment, temporary permission grants."""

from __future__ import annotations

import pytest
from _areas import last

from amigo_async import AmigoClient, errors
from amigo_async.models.role import (
    CreateRoleRequest,
    CreateTemporaryPermissionGrantRequest,
    EqualCondition,
    ModifyRoleRequest,
    PermissionGrantInput,
    PermissionGrantInstance,
)
from amigo_async.testing import FakeAmigoServer

_GRANT = PermissionGrantInput(
    permission_name="Conversation:GetConversation",
    conditions={"org_id": EqualCondition(value="x")},
)


async def test_roles_create_list_modify_assign(client: AmigoClient, fake: FakeAmigoServer) -> None:
    role = CreateRoleRequest(
        role_name="Reviewer", description="d", permission_grants=[_GRANT], frontend_view="admin"
    )
    created = await client.roles.create(role)
    method, path, _, body = last(fake, "create-role")
    assert (method, path) == ("POST", "/role/")
    assert body["permission_grants"][0]["conditions"] == {
        "org_id": {"type": "Equals", "value": "x"}
    }
    roles = await client.roles.list(names=["Reviewer"], return_permission_grants=True)
    assert [r.id for r in roles] == [created.role_id]
    assert roles[0].permission_grants[0].conditions["org_id"] == EqualCondition(value="x")
    assert last(fake, "get-roles")[2] == [
        ("name", "Reviewer"),
        ("return_permission_grants", "true"),
    ]
    assert (await client.roles.list(names=["Reviewer"]))[0].permission_grants == []
    modified = await client.roles.update("Reviewer", ModifyRoleRequest(description="new"))
    assert modified.role_id == created.role_id
    assert last(fake, "modify-role")[:2] == ("POST", "/role/Reviewer")
    user_id = next(iter(fake.state.users.users.records))
    await client.roles.assign("Reviewer", user_id)
    assert last(fake, "assign-role")[1:] == ("/role/Reviewer/assign", [], {"user_id": user_id})
    assert fake.state.users.users.get(user_id)["role"] == "Reviewer"
    with pytest.raises(errors.ConflictError):
        await client.roles.create(role)
    with pytest.raises(errors.NotFoundError):
        await client.roles.assign("Nobody", user_id)


async def test_temporary_permission_grants(client: AmigoClient, fake: FakeAmigoServer) -> None:
    grants = [g async for g in client.roles.list_temporary_permission_grants(sort_by=["user_id"])]
    assert len(grants) == 14
    assert [g.user_id for g in grants] == sorted(g.user_id for g in grants)
    assert ("limit", "10") in last(fake, "get-temporary-permission-grants")[2]
    user_id = next(iter(fake.state.users.users.records))
    new = CreateTemporaryPermissionGrantRequest(
        user_id=user_id,
        duration="PT1H",
        permission_grant=PermissionGrantInstance(permission_name="Special", conditions={}),
        tags={"ticket": "T99"},
        justification="incident 4711",
    )
    created = await client.roles.create_temporary_permission_grant(new)
    method, path, _, body = last(fake, "create-temporary-permission-grant")
    assert (method, path, body["duration"]) == ("POST", "/role/temporary_permission_grant/", "PT1H")
    mine = client.roles.list_temporary_permission_grants(
        permission_grant_name="Special", is_expired=False, tags=["ticket:T99"]
    )
    assert [g.id async for g in mine] == [created.temporary_permission_grant_id]
    query = last(fake, "get-temporary-permission-grants")[2]
    assert ("is_expired", "false") in query and ("tag", "ticket:T99") in query
    with pytest.raises(TypeError, match="grant"):
        await client.roles.create_temporary_permission_grant({})  # type: ignore[arg-type]
