"""A token cache another local user can touch: planted, linked, damaged or locked entries.

Every case must end with the client signing in itself (never using a planted token)
and no exception but an AmigoError escaping."""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from pathlib import Path

import pytest

from amigo_async import AmigoClient, Timeouts
from amigo_async._token_cache import TokenCache
from amigo_async.testing import FakeAmigoServer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="owners, modes and symlinks")

_PLANTED = {"id_token": "planted.by.attacker", "expires_at": 4e9, "refresh_at": 4e9}


def _key_client(fake: FakeAmigoServer, directory: Path, **options: object) -> AmigoClient:
    return fake.client(
        api_key=fake.api_key,
        api_key_id=fake.api_key_id,
        user_id=fake.user_id,
        token_cache=directory,
        **options,
    )


def _entry_path(fake: FakeAmigoServer, directory: Path) -> Path:
    cache = _key_client(fake, directory)._transport.credentials.cache  # type: ignore[attr-defined]
    assert isinstance(cache, TokenCache)
    return cache.path


def _private_cache(fake: FakeAmigoServer, tmp_path: Path) -> tuple[Path, Path]:
    """A cache directory only the user may use, and where its entry goes."""
    directory = tmp_path / "cache"
    entry = _entry_path(fake, directory)
    directory.mkdir(mode=0o700)
    return directory, entry


def _planted_token_sent(fake: FakeAmigoServer) -> bool:
    """The fake answers 401 to a token it never issued (it records no credentials)."""
    return any(r.status == 401 for r in fake.requests if r.operation_id == "get-models")


async def _one_call(fake: FakeAmigoServer, directory: Path, **options: object) -> None:
    async with _key_client(fake, directory, **options) as client:
        await client.admin.get_models()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "amigo_async.token_cache"]


async def test_a_symlink_at_the_entry_is_not_followed(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    directory, entry = _private_cache(fake, tmp_path)
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps(_PLANTED))
    planted.chmod(0o600)
    entry.symlink_to(planted)
    await _one_call(fake, directory)
    assert fake.sign_ins == 1
    assert not _planted_token_sent(fake)
    assert not entry.is_symlink()  # replaced by our own entry
    assert json.loads(planted.read_text()) == _PLANTED  # never written through


async def test_an_entry_others_may_read_is_refused_with_one_warning(
    fake: FakeAmigoServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    entry = _entry_path(fake, tmp_path)
    entry.write_text(json.dumps(_PLANTED))
    entry.chmod(0o644)
    async with _key_client(fake, tmp_path) as client:
        await client.admin.get_models()
        client._transport.credentials.invalidate(  # type: ignore[attr-defined]
            client._transport.credentials._current  # type: ignore[attr-defined]
        )
        await client.admin.get_models()
    assert fake.sign_ins >= 1
    assert not _planted_token_sent(fake)
    assert len([w for w in _warnings(caplog) if "not private" in w]) == 1
    assert entry.stat().st_mode & 0o077 == 0  # the next sign-in wrote a private entry


@pytest.mark.skipif(os.getuid() != 0, reason="chown to another user needs root")
async def test_an_entry_of_another_user_is_refused(fake: FakeAmigoServer, tmp_path: Path) -> None:
    entry = _entry_path(fake, tmp_path)
    entry.write_text(json.dumps(_PLANTED))
    entry.chmod(0o600)
    os.chown(entry, 65534, 65534)
    await _one_call(fake, tmp_path)
    assert fake.sign_ins == 1
    assert not _planted_token_sent(fake)


async def test_a_directory_others_may_write_is_not_used(
    fake: FakeAmigoServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    entry = _entry_path(fake, shared)
    entry.write_text(json.dumps(_PLANTED))
    entry.chmod(0o600)
    await _one_call(fake, shared)
    await _one_call(fake, shared)
    assert fake.sign_ins == 2  # no cache at all: each client signs in
    assert not _planted_token_sent(fake)
    assert json.loads(entry.read_text()) == _PLANTED  # nothing written there either
    assert not entry.with_suffix(".lock").exists()
    assert any("writable by other users" in w for w in _warnings(caplog))


async def test_a_symlink_at_the_lock_file_is_not_followed(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    directory, entry = _private_cache(fake, tmp_path)
    target = tmp_path / "created-through-the-lock"
    entry.with_suffix(".lock").symlink_to(target)
    await _one_call(fake, directory)
    assert fake.sign_ins == 1
    assert not target.exists()


def _huge_expiry(entry: Path) -> None:
    entry.write_text('{"id_token": "a.b.c", "expires_at": 1%s, "refresh_at": 1}' % ("0" * 400))


def _huge_refresh(entry: Path) -> None:
    entry.write_text('{"id_token": "a.b.c", "expires_at": 4e9, "refresh_at": 1%s}' % ("0" * 400))


def _directory(entry: Path) -> None:
    entry.mkdir()


def _text_times(entry: Path) -> None:
    entry.write_text('{"id_token": "a.b.c", "expires_at": "4e9", "refresh_at": "4e9"}')


@pytest.mark.parametrize("damage", [_huge_expiry, _huge_refresh, _directory, _text_times])
async def test_a_damaged_entry_is_ignored_and_healed(
    fake: FakeAmigoServer, tmp_path: Path, damage: object
) -> None:
    directory, entry = _private_cache(fake, tmp_path)
    damage(entry)  # type: ignore[operator]
    if entry.is_file():
        entry.chmod(0o600)
    await _one_call(fake, directory)
    await _one_call(fake, directory)
    assert fake.sign_ins == 1  # the second client used the healed entry
    assert json.loads(entry.read_text())["id_token"]


async def test_the_lock_wait_is_bounded_by_the_call_timeout(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    entry = _entry_path(fake, tmp_path)
    holder = TokenCache(entry)
    async with holder.exclusive():  # another "process" holds the lock and never lets go
        started = time.monotonic()
        await _one_call(fake, tmp_path, timeouts=Timeouts(total=0.5))
        waited = time.monotonic() - started
    assert waited < 5  # was 90 s
    assert fake.sign_ins == 1


@pytest.fixture(autouse=True)
def _log_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="amigo_async.token_cache")


async def test_an_entry_outliving_its_token_s_exp_is_not_sent(
    fake: FakeAmigoServer, tmp_path: Path
) -> None:
    """The entry's own times say "good for years", the JWT's `exp` has passed: signing in
    beats sending a token the server will refuse (outside probe, session 6)."""
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(b'{"exp": 1000}').rstrip(b"=").decode()
    expired = f"{header}.{claims}.signature"
    directory, entry = _private_cache(fake, tmp_path)
    entry.write_text(json.dumps({**_PLANTED, "id_token": expired}))
    entry.chmod(0o600)
    await _one_call(fake, directory)
    assert fake.sign_ins == 1
    assert not _planted_token_sent(fake)
