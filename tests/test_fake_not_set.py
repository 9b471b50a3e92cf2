"""The snapshot's `_NotSet` sentinel: `{}` for a field typed `X | _NotSet | null` means "leave
it unchanged" (the official SDK sends it by default); `null` erases a user's preference."""

from __future__ import annotations

import json

import pytest
from conftest import send_raw

from amigo_async import NULL
from amigo_async.models.user import UpdateUserInfoRequest
from amigo_async.testing import FakeAmigoServer


async def test_empty_object_leaves_user_preferences_alone(fake: FakeAmigoServer) -> None:
    user_id, user = next(iter(fake.state.users.users.records.items()))
    before = dict(user["preferences"])
    body = {"first_name": "Kept", "preferred_language": {}, "timezone": {}}
    assert (await send_raw(fake, "POST", f"/user/{user_id}", json=body))[0] == 204
    assert user["preferences"] == before
    assert user["first_name"] == "Kept"


async def test_null_erases_language_and_timezone(fake: FakeAmigoServer) -> None:
    user_id, user = next(iter(fake.state.users.users.records.items()))
    body = {"preferred_language": None, "timezone": None}
    assert (await send_raw(fake, "POST", f"/user/{user_id}", json=body))[0] == 204
    assert user["preferences"]["preferred_language"] is None
    assert user["preferences"]["timezone"] is None


async def test_empty_object_elsewhere_is_still_refused(fake: FakeAmigoServer) -> None:
    user_id = next(iter(fake.state.users.users.records))
    status, _ = await send_raw(fake, "POST", f"/user/{user_id}", json={"first_name": {}})
    assert status == 422


async def test_other_not_set_fields(fake: FakeAmigoServer) -> None:
    metric_id = next(iter(fake.state.metrics.metrics.records))
    status, _ = await send_raw(fake, "POST", f"/metric/{metric_id}/", json={"additional_notes": {}})
    assert status == 200
    test_set = next(iter(fake.state.simulations.unit_test_sets.records))
    path = f"/simulation/unit_test_set/{test_set}"
    assert (await send_raw(fake, "POST", path, json={"description": {}}))[0] == 204


async def test_the_client_clears_a_clearable_field_with_null(fake: FakeAmigoServer) -> None:
    """NULL sends JSON null (erase); None leaves the field out (keep)."""
    user_id, user = next(iter(fake.state.users.users.records.items()))
    async with fake.client() as client:
        await client.users.update(user_id, UpdateUserInfoRequest(first_name="Kept"))
        assert user["preferences"]["timezone"] is not None  # left out: unchanged
        await client.users.update(user_id, UpdateUserInfoRequest(timezone=NULL))
    sent = [r for r in fake.requests if r.operation_id == "update-user-info"][-1]
    assert json.loads(sent.body) == {"timezone": None}
    assert user["preferences"]["timezone"] is None


async def test_null_is_refused_before_sending_where_the_documents_do_not_allow_it(
    fake: FakeAmigoServer,
) -> None:
    user_id = next(iter(fake.state.users.users.records))
    before = len(fake.requests)
    async with fake.client() as client:
        with pytest.raises(ValueError, match=r"body\.first_name cannot be sent as null"):
            await client.users.update(user_id, UpdateUserInfoRequest(first_name=NULL))
    assert len(fake.requests) == before
