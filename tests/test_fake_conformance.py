"""Issue 18, item 7: what schemathesis found the fake answering wrong, one test each."""

from __future__ import annotations

import aiohttp
import pytest
from _areas import answer, problems, response_schema
from conftest import send_raw

from amigo_async.testing import FakeAmigoServer


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/tool/", "GET,POST"),
        ("PUT", "/tool/git/info/refs", "GET,POST"),
        ("PATCH", "/organization/", "DELETE,GET,POST,PUT"),
    ],
)
async def test_a_405_lists_every_method_of_the_path(
    fake: FakeAmigoServer, method: str, path: str, allowed: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{fake.url}/v1/{fake.organization}{path}") as response,
    ):
        assert response.status == 405
        assert response.headers["Allow"] == allowed


@pytest.mark.parametrize("git_path", ["objects/info/packs", "HEAD", "git-upload-pack"])
async def test_the_git_interface_answers_only_documented_statuses(
    fake: FakeAmigoServer, git_path: str
) -> None:
    status, text = await send_raw(fake, "GET", f"/tool/git/{git_path}")
    assert status == 200
    assert text == "0000"


async def test_dumb_git_info_refs_lists_the_branch(fake: FakeAmigoServer) -> None:
    status, text = await send_raw(fake, "GET", "/tool/git/info/refs")
    assert status == 200
    assert text.endswith("\trefs/heads/main\n")


async def test_an_integer_written_3_0_is_read_as_3(fake: FakeAmigoServer) -> None:
    status, text = await send_raw(fake, "GET", "/tool/?limit=3.0")
    assert status == 200, text
    assert text.count('"name"') == 3
    status, _ = await send_raw(fake, "GET", "/tool/?limit=3.5")
    assert status == 422


def _invite(email: str, preferences: dict[str, object]) -> dict[str, object]:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
        "role_name": "DefaultUserRole",
        "user_preferences": preferences,
    }


async def test_nulls_in_non_nullable_invited_preferences_are_refused(
    fake: FakeAmigoServer,
) -> None:
    nulls = {"enable_response_recommendation": None, "conversations_visible_to_admins": None}
    status, refused = await answer(
        fake, "create-invited-user", "/user/", json_body=_invite("n@example.com", nulls)
    )
    assert status == 422
    assert [e["loc"][-1] for e in refused["detail"]] == [
        "enable_response_recommendation",
        "conversations_visible_to_admins",
    ]
    assert all(u["email"] != "n@example.com" for u in fake.state.users.users.values())


async def test_an_invited_user_with_partial_preferences_lists_as_documented(
    fake: FakeAmigoServer,
) -> None:
    partial = {"timezone": None, "audio_keyterms": ["Amigo"]}
    status, created = await answer(
        fake, "create-invited-user", "/user/", json_body=_invite("p@example.com", partial)
    )
    assert status == 201, created
    for operation_id, path, query in (
        ("get-users", "/user/", {"user_id": created["user_id"]}),
        ("search-users", "/user/search/", {"query": "p@example.com"}),
    ):
        status, listed = await answer(fake, operation_id, path, query=query)
        assert status == 200, listed
        schema = response_schema(operation_id, "200")
        assert schema is not None
        assert problems(listed, schema) == []
        assert listed["users"][0]["preferences"]["audio_keyterms"] == ["Amigo"]


async def test_an_optional_query_value_is_read_by_its_type(fake: FakeAmigoServer) -> None:
    """`is_active: bool | None` arrives as the text "true": read as a bool, not refused."""
    status, text = await send_raw(fake, "GET", "/dynamic_behavior_set/?is_active=true")
    assert status == 200, text
    status, text = await send_raw(fake, "GET", "/dynamic_behavior_set/?is_active=maybe")
    assert status == 422
    assert '"loc":["query","is_active"]' in text.replace(" ", "")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/organization/api_key/", {"duration": "P9367Y5673M9999D", "name": "k"}),
        (
            "/role/temporary_permission_grant/",
            {
                "duration": "P9367Y5673M9999D",
                "user_id": "USER",
                "permission_grant": {"permission_name": "Tool:GetTool", "conditions": {}},
                "tags": {},
                "justification": "a long enough test",
            },
        ),
        ("/organization/", {"favicon": "\u00fc\u00df"}),
    ],
)
async def test_what_once_answered_500_is_a_422(
    fake: FakeAmigoServer, path: str, body: dict[str, object]
) -> None:
    if body.get("user_id") == "USER":
        body["user_id"] = next(iter(fake.state.users.users.records))
    status, text = await send_raw(fake, "POST", path, json=body)
    assert status == 422, text
    assert text.startswith('{"detail":[{"loc":["body",')
    assert '"duration"' in text or '"favicon"' in text


@pytest.mark.parametrize("body", [b"{", b"\xff", b"[" * 100_000 + b"]" * 100_000])
async def test_a_body_that_is_not_json_is_a_422(fake: FakeAmigoServer, body: bytes) -> None:
    url = f"{fake.url}/v1/{fake.organization}/admin/sql_query"
    headers = {"Authorization": f"Bearer {fake.token}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        assert response.status == 422
        detail = (await response.json())["detail"]
    assert detail[0]["type"] == "json_invalid"


async def test_a_whole_float_for_an_integer_body_field_is_accepted(
    fake: FakeAmigoServer,
) -> None:
    """`retry_attempts: 3.0` passes the validation pass (lax mode) and the handler alike."""
    body = {"url": "https://example.com/hook", "accepted_types": [], "retry_attempts": 3.0}
    status, created = await answer(
        fake, "create-webhook-destination", "/webhook_destination/", json_body=body
    )
    assert status == 201, created


async def test_any_object_for_a_not_set_field_leaves_it_alone(fake: FakeAmigoServer) -> None:
    user_id, user = next(iter(fake.state.users.users.records.items()))
    before = user["preferences"]["preferred_language"]
    status, text = await send_raw(
        fake, "POST", f"/user/{user_id}", json={"preferred_language": {"x": 1}}
    )
    assert status == 204, text
    assert user["preferences"]["preferred_language"] == before
