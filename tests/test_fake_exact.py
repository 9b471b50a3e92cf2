"""Issue 18, item 7: the fake answers exactly what the snapshot and its prose rules say.

Found by schemathesis: `limit=0` refused where the snapshot's minimum is 0 and sign-in
headers present but empty refused with 422 (ST202, valid requests refused); `?version=null`
next to an unknown query parameter answered 500 (ST101: an unknown parameter switched the
pass's prose rules off). Found by reading: a non-ASCII API key answered 500
(`hmac.compare_digest` refuses such a str).
"""

from __future__ import annotations

import json

import aiohttp
import pytest
from conftest import send_raw

from amigo_async.testing import FakeAmigoServer

_SIGN_IN = "/user/signin_with_api_key"


async def test_limit_zero_where_the_snapshot_allows_it_is_an_empty_page(
    fake: FakeAmigoServer,
) -> None:
    path = "/organization/service_hierarchical_state_machine"
    status, text = await send_raw(fake, "GET", f"{path}?limit=0&continuation_token=1")
    assert status == 200, text
    answer = json.loads(text)
    assert answer["service_hierarchical_state_machines"] == []
    total = len(
        json.loads((await send_raw(fake, "GET", path))[1])["service_hierarchical_state_machines"]
    )
    assert answer["has_more"] is (total > 1)


async def test_limit_zero_is_still_refused_where_the_minimum_is_exclusive(
    fake: FakeAmigoServer,
) -> None:
    status, _ = await send_raw(fake, "GET", "/organization/agent?limit=0")
    assert status == 422


async def _sign_in(fake: FakeAmigoServer, headers: dict[str, str]) -> tuple[int, str]:
    url = f"{fake.url}/v1/{fake.organization}{_SIGN_IN}"
    async with aiohttp.ClientSession() as session, session.post(url, headers=headers) as response:
        return response.status, await response.text()


@pytest.mark.parametrize(
    ("header", "value"),
    [("x-user-id", ""), ("x-api-key-id", ""), ("x-api-key", ""), ("x-api-key", "kéy")],
)
async def test_a_present_but_unknown_sign_in_header_is_the_documented_401(
    fake: FakeAmigoServer, header: str, value: str
) -> None:
    headers = {"x-api-key": fake.api_key, "x-api-key-id": fake.api_key_id}
    headers["x-user-id"] = fake.user_id
    status, text = await _sign_in(fake, {**headers, header: value})
    assert status == 401, text
    assert "requested user is not found" in text
    assert fake.sign_ins == 0


@pytest.mark.parametrize(
    "query",
    [
        "version=null&x-unknown=42",  # was a 500: the selector reached the handler unchecked
        "version=0-x&x-unknown=42",
        "sort_by=bogus&x-unknown=42",
    ],
)
async def test_an_unknown_query_parameter_does_not_switch_the_prose_rules_off(
    fake: FakeAmigoServer, query: str
) -> None:
    """Unknown query parameters are ignored (FastAPI does), the documented ones still checked."""
    persona = next(iter(fake.state.simulations.personas.records))
    status, text = await send_raw(fake, "GET", f"/simulation/persona/{persona}/version/?{query}")
    assert status == 422, text
    assert '"loc":["query",' in text and "x-unknown" not in text


async def test_an_unknown_query_parameter_is_still_ignored(fake: FakeAmigoServer) -> None:
    persona = next(iter(fake.state.simulations.personas.records))
    status, text = await send_raw(fake, "GET", f"/simulation/persona/{persona}/version/?x=1")
    assert status == 200, text
