"""client.users against the fake: every user operation, paging, documented errors."""

from __future__ import annotations

import pytest
from _areas import last

from amigo_async import AmigoClient, errors
from amigo_async.models.user import (
    CreateInvitedUserRequest,
    DeleteRequest,
    ModifyUserVariablesRequest,
    UpdateUserInfoRequest,
    UpsertRequest,
)
from amigo_async.testing import FakeAmigoServer


def _invite(email: str) -> CreateInvitedUserRequest:
    return CreateInvitedUserRequest(
        first_name="Ada", last_name="Lovelace", email=email, role_name="DefaultUserRole"
    )


async def test_invite_update_variables_delete(client: AmigoClient, fake: FakeAmigoServer) -> None:
    created = await client.users.create(_invite("ada@example.com"))
    method, path, _, body = last(fake, "create-invited-user")
    assert (method, path, body["email"]) == ("POST", "/user/", "ada@example.com")
    key = created.user_id
    await client.users.update(key, UpdateUserInfoRequest(first_name="Augusta", timezone="UTC"))
    method, path, _, body = last(fake, "update-user-info")
    assert (method, path, body["first_name"]) == ("POST", f"/user/{key}", "Augusta")
    found = await client.users.search("augusta")
    assert [u.user_id for u in found] == [key] and found[0].preferences.timezone == "UTC"
    assert last(fake, "search-users")[2] == [("query", "augusta")]
    changes = ModifyUserVariablesRequest(
        upserts=[UpsertRequest(name="plan", value="pro", is_secret=False)],
        deletes=[],
    )
    await client.users.update_variables(key, changes)
    assert last(fake, "modify-user-variables")[:2] == ("POST", f"/user/{key}/variable")
    [user] = [u async for u in client.users.list(ids=[key])]
    assert user.nonsensitive_variables == {"plan": "pro"}
    with pytest.raises(errors.BadRequestError):
        await client.users.update_variables(
            key, ModifyUserVariablesRequest(deletes=[DeleteRequest(name="nothing")])
        )
    await client.users.delete(key)
    assert last(fake, "delete-user")[:2] == ("DELETE", f"/user/{key}")
    with pytest.raises(errors.NotFoundError):
        await client.users.get_user_model(key)
    with pytest.raises(errors.ConflictError):
        await client.users.create(_invite("user01@example.com"))


async def test_lists_page_sort_and_filter(client: AmigoClient, fake: FakeAmigoServer) -> None:
    users = [u async for u in client.users.list(sort_by=["last_name"], limit=5)]
    assert [u.last_name for u in users] == sorted(u.last_name for u in users) and len(users) == 12
    assert ("limit", "5") in last(fake, "get-users")[2]
    picked = [u async for u in client.users.list(emails=["user03@example.com"])]
    assert [u.email for u in picked] == ["user03@example.com"]
    key = users[0].user_id
    memories = [m async for m in client.users.list_memories(key, sort_by=["-created_at"])]
    assert len(memories) == 7
    assert [m.created_at for m in memories] == sorted(
        (m.created_at for m in memories), reverse=True
    )
    method, path, query, _ = last(fake, "get-memories")
    assert (method, path) == ("GET", f"/user/{key}/memory") and ("limit", "50") in query
    model = await client.users.get_user_model(key)
    assert last(fake, "get-user-model")[1] == f"/user/{key}/user_model"
    assert model.user_models


async def test_sign_in_with_email_needs_no_token(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    await client.users.sign_in_with_email("user02@example.com", "https://app.example.com/")
    method, path, _, body = last(fake, "sign-in-with-email")
    assert (method, path) == ("POST", "/user/signin")
    assert body == {"redirect_link": "https://app.example.com/", "email": "user02@example.com"}
    assert fake.state.users.sign_in_emails == ["user02@example.com"]
    with pytest.raises(errors.NotFoundError):
        await client.users.sign_in_with_email("nobody@example.com", "https://app.example.com/")
    with pytest.raises(TypeError, match="query"):
        await client.users.search(3)  # type: ignore[arg-type]
