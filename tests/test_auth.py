"""Credentials: Bearer and Basic, optional headers, API-key sign-in, refresh, single flight."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest

from amigo_async import RateLimit, errors
from amigo_async.testing import FakeAmigoServer


def _last_headers(fake: FakeAmigoServer, operation_id: str) -> dict[str, str]:
    return next(r.headers for r in reversed(fake.requests) if r.operation_id == operation_id)


async def test_bearer_token_is_accepted(fake: FakeAmigoServer) -> None:
    async with fake.client() as client:
        await client.admin.get_models()
    assert fake.requests[-1].status == 200
    assert fake.requests[-1].user_id == fake.user_id


async def test_basic_auth_uses_org_underscore_user_and_the_jwt(fake: FakeAmigoServer) -> None:
    async with fake.client(auth_scheme="basic", user_id=fake.user_id) as client:
        await client.admin.get_models()
    assert fake.requests[-1].status == 200


async def test_basic_auth_with_the_wrong_user_is_refused(fake: FakeAmigoServer) -> None:
    async with fake.client(auth_scheme="basic", user_id="someone-else") as client:
        with pytest.raises(errors.AuthenticationError):
            await client.admin.get_models()


async def test_basic_header_format() -> None:
    from amigo_async._auth import TokenCredentials

    credentials = TokenCredentials("jwt", "acme", "basic", "u1")

    ready = credentials.ready_authorization()
    assert ready is not None
    _, header = ready
    scheme, _, value = header.partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value).decode() == "acme_u1:jwt"


async def test_optional_org_and_mongo_cluster_headers(fake: FakeAmigoServer) -> None:
    async with fake.client(org_id_header="other-org", mongo_cluster="cluster-7") as client:
        await client.admin.get_models()
    headers = {k.lower(): v for k, v in _last_headers(fake, "get-models").items()}
    assert headers["x-org-id"] == "other-org"
    assert headers["x-mongo-cluster-name"] == "cluster-7"


async def test_optional_headers_are_absent_by_default(fake: FakeAmigoServer) -> None:
    async with fake.client() as client:
        await client.admin.get_models()
    headers = {k.lower() for k in _last_headers(fake, "get-models")}
    assert "x-org-id" not in headers and "x-mongo-cluster-name" not in headers


async def test_wrong_token_is_an_authentication_error(fake: FakeAmigoServer) -> None:
    async with fake.client(token="not-a-token") as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            await client.admin.get_models()
    assert caught.value.status == 401
    assert fake.count("get-models") == 1  # a fixed token is not retried


def _api_key_client(fake: FakeAmigoServer, **options: object):  # type: ignore[no-untyped-def]
    return fake.client(
        api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id, **options
    )


async def test_api_key_signs_in_with_the_documented_headers(fake: FakeAmigoServer) -> None:
    async with _api_key_client(fake) as client:
        await client.admin.get_models()
    sign_in = next(r for r in fake.requests if r.operation_id == "sign-in-with-api-key")
    assert sign_in.method == "POST"
    assert sign_in.raw_path == f"/v1/{fake.organization}/user/signin_with_api_key"
    headers = {k.lower(): v for k, v in sign_in.headers.items()}
    assert headers["x-api-key-id"] == fake.api_key_id
    assert headers["x-user-id"] == fake.user_id
    assert "authorization" not in headers
    assert fake.requests[-1].status == 200


async def test_a_hundred_coroutines_sign_in_exactly_once() -> None:
    limits = {"get-models": RateLimit(1000, per_seconds=1)}
    async with FakeAmigoServer(rate_limits=limits) as roomy:
        async with _api_key_client(roomy, rate_limits=limits) as client:
            await asyncio.gather(*(client.admin.get_models() for _ in range(100)))
        assert roomy.sign_ins == 1
        assert client.stats.sign_ins == 1
        assert roomy.count("get-models") == 100


async def test_token_is_refreshed_before_it_expires() -> None:
    async with FakeAmigoServer(token_ttl=1.0) as fake:
        async with _api_key_client(fake) as client:
            await client.admin.get_models()
            await asyncio.sleep(1.0)
            await client.admin.get_models()
        assert fake.sign_ins == 2
        assert all(r.status != 401 for r in fake.requests)


async def test_a_401_gets_one_retry_with_a_fresh_token(fake: FakeAmigoServer) -> None:
    async with _api_key_client(fake) as client:
        await client.admin.get_models()
        fake.expire_tokens()  # the server forgets the token before its expiry
        await client.admin.get_models()
    assert [r.status for r in fake.requests if r.operation_id == "get-models"] == [200, 401, 200]
    assert fake.sign_ins == 2


async def test_a_second_401_is_raised_not_retried_forever() -> None:
    async with FakeAmigoServer(token_ttl=0.0) as fake:  # every issued token is already stale
        async with _api_key_client(fake) as client:
            with pytest.raises(errors.AuthenticationError):
                await client.admin.get_models()
        assert [r.status for r in fake.requests if r.operation_id == "get-models"] == [401, 401]


async def test_wrong_api_key_is_an_authentication_error(fake: FakeAmigoServer) -> None:
    async with fake.client(
        api_key="wrong", api_key_id=fake.api_key_id, user_id=fake.user_id
    ) as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            await client.admin.get_models()
    assert caught.value.operation_id == "sign-in-with-api-key"
    assert "wrong" not in str(caught.value) and "wrong" not in repr(caught.value)


async def test_sign_in_is_paced_by_its_own_documented_limit() -> None:
    limit = RateLimit(2, per_seconds=0.5)
    async with FakeAmigoServer(rate_limits={"sign-in-with-api-key": limit}) as fake:
        async with _api_key_client(fake, rate_limits={"sign-in-with-api-key": limit}) as client:
            started = time.monotonic()
            for _ in range(3):
                fake.expire_tokens()
                await client.admin.get_models()
            assert time.monotonic() - started >= 0.5
        assert fake.rate_limited["sign-in-with-api-key"] == 0
