"""Issue 13, item 15: the fake server as strict as the snapshot, and no stricter.

`limit=0` is refused (the snapshot's exclusive minimum), get-organization needs no
credentials, unknown body fields are ignored everywhere, envvar values and flags are typed, sign-in headers
are checked before the request counts, X-RateLimit-Reset is an epoch timestamp,
the 429 text says "per minute", and create-organization wants Bearer and the
cluster header.
"""

from __future__ import annotations

import base64
import time

import aiohttp
import pytest
from conftest import send_raw

from amigo_async import AmigoClient, RateLimit
from amigo_async.testing import FakeAmigoServer


async def _raw(
    fake: FakeAmigoServer,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    json: object = None,
) -> tuple[int, str, dict[str, str]]:
    url = f"{fake.url}/v1/{fake.organization}{path}"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers or {}, json=json) as response,
    ):
        return response.status, await response.text(), dict(response.headers)


async def test_the_fake_refuses_limit_zero_as_the_snapshot_does(fake: FakeAmigoServer) -> None:
    """The snapshot's `exclusiveMinimum: 0`: a FastAPI-style 422 naming the parameter."""
    status, text = await send_raw(fake, "GET", "/tool/?limit=0")
    assert status == 422
    assert '"loc":["query","limit"]' in text.replace(" ", "")


async def test_the_client_refuses_limit_zero_for_a_pager(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(ValueError, match="limit"):
        client.tools.list(limit=0)
    assert fake.requests == []


async def test_get_organization_needs_no_credentials_on_the_fake(fake: FakeAmigoServer) -> None:
    status, text, _ = await _raw(fake, "GET", "/organization/")
    assert status == 200
    assert fake.organization in text


async def test_get_organization_still_refuses_wrong_credentials(fake: FakeAmigoServer) -> None:
    status, _, _ = await _raw(
        fake, "GET", "/organization/", headers={"Authorization": "Bearer wrong"}
    )
    assert status == 401


async def test_unknown_body_fields_are_ignored_by_admin_too(fake: FakeAmigoServer) -> None:
    status, _ = await send_raw(
        fake,
        "POST",
        "/admin/sql_query",
        json={"sql_query": "select 1", "async_query": False, "x": 1},
    )
    assert status == 200


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"name": "API_KEY", "value": "v", "is_secret": "yes"}, "is_secret"),
        ({"name": "API_KEY", "value": 123, "is_secret": False}, "value"),
    ],
)
async def test_envvar_items_of_the_wrong_type_are_422(
    fake: FakeAmigoServer, item: dict[str, object], field: str
) -> None:
    tool = fake.state.tools.tools[0]["id"]
    status, text = await send_raw(fake, "POST", f"/tool/{tool}/envvar", json={"inserts": [item]})
    assert status == 422
    assert field in text


@pytest.mark.parametrize("missing", ["x-api-key", "x-api-key-id", "x-user-id"])
async def test_sign_in_without_its_headers_is_refused_before_it_counts(
    missing: str,
) -> None:
    async with FakeAmigoServer(
        rate_limits={"sign-in-with-api-key": RateLimit(1, per_seconds=60)}
    ) as fake:
        headers = {"x-api-key": fake.api_key, "x-api-key-id": fake.api_key_id}
        headers["x-user-id"] = fake.user_id
        partial = {k: v for k, v in headers.items() if k != missing}
        for _ in range(3):
            status, text, _ = await _raw(fake, "POST", "/user/signin_with_api_key", headers=partial)
            assert status == 422
            assert missing in text
        status, _, _ = await _raw(fake, "POST", "/user/signin_with_api_key", headers=headers)
    assert status == 200  # the refused ones used none of the one allowed sign-in
    assert fake.sign_ins == 1


async def test_rate_limit_reset_is_an_epoch_timestamp(fake: FakeAmigoServer) -> None:
    status, _, headers = await _raw(
        fake, "GET", "/admin/get_models/", headers={"Authorization": f"Bearer {fake.token}"}
    )
    assert status == 200
    reset = float(headers["X-RateLimit-Reset"])
    assert time.time() - 1 <= reset <= time.time() + 61


async def test_the_429_text_says_per_minute_as_the_documents_do() -> None:
    async with FakeAmigoServer(rate_limits={"get-models": RateLimit(1, per_seconds=60)}) as fake:
        for _ in range(2):
            status, text = await send_raw(fake, "GET", "/admin/get_models/")
    assert status == 429
    assert "of 1 request per minute for this endpoint" in text


async def test_create_organization_on_the_fake_requires_the_cluster_header(
    fake: FakeAmigoServer,
) -> None:
    status, text, _ = await _raw(
        fake, "PUT", "/organization/", headers={"Authorization": f"Bearer {fake.token}"}, json={}
    )
    assert status == 422
    assert "x-mongo-cluster-name" in text


async def test_create_organization_on_the_fake_refuses_basic(fake: FakeAmigoServer) -> None:
    basic = base64.b64encode(f"{fake.organization}_{fake.user_id}:{fake.token}".encode()).decode()
    headers = {"Authorization": f"Basic {basic}", "x-mongo-cluster-name": "c"}
    status, _, _ = await _raw(fake, "PUT", "/organization/", headers=headers, json={})
    assert status == 401
