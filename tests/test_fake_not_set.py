"""The snapshot's `_NotSet` sentinel: `{}` for a field typed `X | _NotSet | null` means "leave
it unchanged" (the official SDK sends it by default); `null` erases a user's preference."""

from __future__ import annotations

from conftest import send_raw

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
