"""Which credential is used when, the token cache shared by processes, and what a
sign-in's answer must be before its token is sent."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from pathlib import Path

import pytest
from aiohttp import web
from hostile import SIGN_IN_PATH, json_response, serve

from amigo_async import AmigoClient, RateLimit, errors
from amigo_async._token_cache import TokenCache
from amigo_async.testing import FakeAmigoServer


def _key_client(fake: FakeAmigoServer, **options: object) -> AmigoClient:
    return fake.client(
        api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id, **options
    )


def _statuses(fake: FakeAmigoServer, operation_id: str) -> list[int]:
    return [r.status for r in fake.requests if r.operation_id == operation_id]


def _cache_file(directory: Path) -> Path:
    (entry,) = directory.glob("*.json")
    return entry


def _names(directory: Path, pattern: str = "*") -> list[str]:
    return sorted(path.name for path in directory.glob(pattern))


# -- which credential first ------------------------------------------------------


async def test_a_token_in_the_environment_is_used_before_the_api_key(
    fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "AMIGO_ORGANIZATION_ID": fake.organization,
        "AMIGO_BASE_URL": fake.url,
        "AMIGO_TOKEN": fake.token,
        "AMIGO_API_KEY": fake.api_key,
        "AMIGO_API_KEY_ID": fake.api_key_id,
        "AMIGO_USER_ID": fake.user_id,
    }.items():
        monkeypatch.setenv(name, value)
    async with AmigoClient() as client:
        await client.admin.get_models()
    assert fake.sign_ins == 0
    assert _statuses(fake, "get-models") == [200]


async def test_an_expired_token_beside_a_key_signs_in_before_sending(
    fake: FakeAmigoServer,
) -> None:
    stale = fake.issue_token(ttl=-5)
    async with _key_client(fake, token=stale) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 1
    assert _statuses(fake, "get-models") == [200]  # the stale token was never sent


async def test_a_refused_token_beside_a_key_signs_in_once(fake: FakeAmigoServer) -> None:
    async with _key_client(fake, token="not.a-token.known-here") as client:
        await client.admin.get_models()
        await client.admin.get_models()
    assert fake.sign_ins == 1
    assert _statuses(fake, "get-models") == [401, 200, 200]


# -- the token cache -----------------------------------------------------------------


async def test_a_second_process_reuses_the_cached_token(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    for _ in range(3):  # three "processes": three clients, each with its own memory
        async with _key_client(fake, token_cache=tmp_path) as client:
            await client.admin.get_models()
    assert fake.sign_ins == 1
    assert _statuses(fake, "get-models") == [200, 200, 200]


async def test_the_cache_file_is_private_and_never_holds_the_key(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    async with _key_client(fake, token_cache=tmp_path / "cache") as client:
        await client.admin.get_models()
    entry = _cache_file(tmp_path / "cache")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    text = entry.read_text()
    assert fake.api_key not in text and fake.api_key_id not in text
    assert fake.api_key not in entry.name
    assert set(json.loads(text)) == {"id_token", "expires_at", "refresh_at"}
    assert _names(tmp_path / "cache", ".*") == []


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"id_token": 5, "expires_at": 1, "refresh_at": 1}',
        b'{"id_token": "a\\r\\nb", "expires_at": 9e9, "refresh_at": 9e9}',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
async def test_a_corrupt_cache_entry_is_ignored_and_replaced(
    fake: FakeAmigoServer, tmp_path: Path, content: bytes
) -> None:
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    entry = _cache_file(tmp_path)
    entry.write_bytes(content)
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 2
    assert _statuses(fake, "get-models") == [200, 200]
    assert json.loads(entry.read_text())["id_token"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
async def test_a_cache_entry_that_is_not_a_file_is_ignored(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    entry = _cache_file(tmp_path)
    entry.unlink()
    os.mkfifo(entry)  # opening it for reading would wait for a writer for ever
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 2
    assert json.loads(entry.read_text())["id_token"]  # replaced by a regular file


async def test_an_expired_cache_entry_is_ignored(fake: FakeAmigoServer, tmp_path: Path) -> None:
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    entry = _cache_file(tmp_path)
    cached = json.loads(entry.read_text())
    entry.write_text(json.dumps({**cached, "refresh_at": time.time() - 1}))
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 2
    assert json.loads(entry.read_text())["id_token"] != cached["id_token"]


async def test_a_refused_cached_token_is_replaced_not_read_again(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    refused = json.loads(_cache_file(tmp_path).read_text())["id_token"]
    fake.expire_tokens()
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 2
    assert _statuses(fake, "get-models") == [200, 401, 200]
    assert json.loads(_cache_file(tmp_path).read_text())["id_token"] != refused


async def test_a_failed_write_leaves_the_old_entry_whole(
    fake: FakeAmigoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    before = _cache_file(tmp_path).read_bytes()

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    fake.expire_tokens()
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()  # a cache that cannot be written is only a cache
    assert _cache_file(tmp_path).read_bytes() == before
    entry = _cache_file(tmp_path)
    assert _names(tmp_path, ".*") == []  # no temporary file left behind
    assert _names(tmp_path) == sorted([entry.name, entry.with_suffix(".lock").name])


async def test_twenty_clients_starting_together_sign_in_once(tmp_path: Path) -> None:
    limits = {"get-models": RateLimit(1000, per_seconds=1)}
    async with FakeAmigoServer(rate_limits=limits) as fake:
        clients = [_key_client(fake, token_cache=tmp_path, rate_limits=limits) for _ in range(20)]

        async def call(client: AmigoClient) -> None:
            async with client:
                await client.admin.get_models()

        await asyncio.gather(*(call(client) for client in clients))
        assert fake.sign_ins == 1
        assert _statuses(fake, "get-models") == [200] * 20


async def test_the_cache_is_per_caller(fake: FakeAmigoServer, tmp_path: Path) -> None:
    fake.add_api_key("other-key-id", "other-key", [fake.user_id])
    async with _key_client(fake, token_cache=tmp_path) as client:
        await client.admin.get_models()
    async with fake.client(
        api_key="other-key", api_key_id="other-key-id", user_id=fake.user_id, token_cache=tmp_path
    ) as client:
        await client.admin.get_models()
    assert fake.sign_ins == 2
    assert len(_names(tmp_path, "*.json")) == 2


def test_token_cache_takes_a_flag_or_a_directory() -> None:
    options = {"api_key": "k", "api_key_id": "i", "user_id": "u"}
    with pytest.raises(TypeError, match="token_cache"):
        AmigoClient("acme", token_cache=5, **options)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="token_cache"):
        AmigoClient("acme", token_cache="", **options)


# -- what a sign-in must answer ---------------------------------------------------------


@pytest.mark.parametrize(
    "id_token", ["", "a\r\nX-Evil: 1", "a\nb", "a\x00b", "a b", "é", "a" * 40_000]
)
async def test_an_unusable_id_token_is_an_invalid_response(id_token: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.path == SIGN_IN_PATH:
            return json_response({"id_token": id_token, "expires_at": "2099-01-01T00:00:00Z"})
        return json_response({})

    async with serve(handler) as server:
        client = AmigoClient("acme", api_key="k", api_key_id="i", user_id="u", base_url=server.url)
        async with client:
            with pytest.raises(errors.InvalidResponseError) as caught:
                await client.admin.get_models()
    assert caught.value.operation_id == "sign-in-with-api-key"
    assert [seen.path_qs for seen in server.requests] == [SIGN_IN_PATH]  # nothing else sent


@pytest.mark.skipif(os.name != "posix", reason="fcntl locks")
async def test_a_lock_held_too_long_is_given_up(tmp_path: Path) -> None:
    import fcntl

    cache = TokenCache(tmp_path / "entry.json", lock_timeout=0.2)
    async with cache.exclusive():
        started = time.monotonic()
        async with TokenCache(cache.path, lock_timeout=0.2).exclusive():
            waited = time.monotonic() - started
    assert 0.2 <= waited < 5
    descriptor = os.open(cache.path.with_suffix(".lock"), os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released on every exit
    finally:
        os.close(descriptor)
