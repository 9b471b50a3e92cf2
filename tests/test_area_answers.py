"""Every answer the fake gives for services, users, roles and webhook destinations fits the
snapshot's response schema (success and documented errors)."""

from __future__ import annotations

from typing import Any

from _areas import answer, problems, response_schema

from amigo_async.testing import FakeAmigoServer


def _calls(fake: FakeAmigoServer) -> list[tuple[str, str, Any, Any]]:
    state = fake.state
    service = next(iter(state.services.services.records))
    user = next(iter(state.users.users.records))
    hook = next(iter(state.webhooks.destinations.records))
    role = {
        "role_name": "R",
        "description": "d",
        "permission_grants": [],
        "frontend_view": "client",
    }
    grant = {
        "user_id": user,
        "duration": "PT1H",
        "permission_grant": {"permission_name": "P", "conditions": {}},
        "tags": {},
        "justification": "j",
    }
    return [
        ("get-services", "/service/", None, {"limit": "3"}),
        ("get-services", "/service/", None, {"limit": "99"}),  # 422
        ("update-service", f"/service/{service}/", {"name": "renamed"}, None),
        ("update-service", f"/service/{'0' * 24}/", {}, None),  # 404
        ("get-users", "/user/", None, {"limit": "2"}),
        ("search-users", "/user/search/", None, {"query": "user"}),
        ("get-user-model", f"/user/{user}/user_model", None, None),
        ("get-memories", f"/user/{user}/memory", None, {"limit": "2"}),
        ("create-invited-user", "/user/", {"first_name": "a"}, None),  # 422
        ("get-roles", "/role/", None, {"return_permission_grants": "true"}),
        ("create-role", "/role/", role, None),
        ("modify-role", "/role/R", {"description": "x"}, None),
        ("assign-role", "/role/R/assign", {"user_id": user}, None),
        ("create-temporary-permission-grant", "/role/temporary_permission_grant/", grant, None),
        ("get-temporary-permission-grants", "/role/temporary_permission_grants/", None, None),
        ("get-webhook-destinations", "/webhook_destination/", None, None),
        (
            "rotate-webhook-destination-secret",
            f"/webhook_destination/{hook}/rotate-secret",
            None,
            None,
        ),
        ("get-webhook-deliveries", f"/webhook_destination/{hook}/delivery", None, {"limit": "4"}),
        (
            "create-webhook-destination",
            "/webhook_destination/",
            {"url": "https://h", "accepted_types": []},
            None,
        ),
    ]


async def test_every_answer_fits_the_snapshot(fake: FakeAmigoServer) -> None:
    checked = 0
    for operation_id, path, body, query in _calls(fake):
        status, data = await answer(fake, operation_id, path, json_body=body, query=query)
        schema = response_schema(operation_id, str(status))  # KeyError: an undocumented status
        if schema and data is not None:
            assert problems(data, schema) == [], (operation_id, status)
            checked += 1
    assert checked >= 12


def test_the_validator_can_fail() -> None:
    schema = {"$ref": "#/components/schemas/WebhookDestination"}
    assert problems({"id": 3}, schema)
