"""Shared fixtures: a fresh fake server per test, and a client pointed at it."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import Mock

import aiohttp
import aioresponses.core
import pytest

from amigo_async import AmigoClient
from amigo_async.testing import FakeAmigoServer


@pytest.fixture(autouse=True)
def _no_amigo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's real credentials."""
    for name in (
        "AMIGO_API_KEY",
        "AMIGO_API_KEY_ID",
        "AMIGO_USER_ID",
        "AMIGO_ORGANIZATION_ID",
        "AMIGO_BASE_URL",
        "AMIGO_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _private_cache_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The CLI caches tokens under the user cache directory: never the developer's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmigoServer]:
    async with FakeAmigoServer() as server:
        yield server


@pytest.fixture
async def client(fake: FakeAmigoServer) -> AsyncIterator[AmigoClient]:
    async with fake.client() as amigo:
        yield amigo


class _ResponseWithStreamWriter(aiohttp.ClientResponse):
    """aiohttp 3.14 (a security release) added a required `stream_writer`; aioresponses
    0.7.x does not pass it yet (pnuckowski/aioresponses#289). Supply a stand-in."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
            kwargs.setdefault("stream_writer", Mock(output_size=0))
        super().__init__(method, url, **kwargs)


aioresponses.core.ClientResponse = _ResponseWithStreamWriter  # type: ignore[misc]


async def send_raw(
    fake: FakeAmigoServer, method: str, path: str, *, json: Any = None
) -> tuple[int, str]:
    """Send a request the client would refuse to build, straight to the fake (its own checks)."""
    url = f"{fake.url}/v1/{fake.organization}{path}"
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=json, headers=headers) as response,
    ):
        return response.status, await response.text()
