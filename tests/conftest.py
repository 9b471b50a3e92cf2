"""Shared fixtures: a fresh fake server per test, and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

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


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmigoServer]:
    async with FakeAmigoServer() as server:
        yield server


@pytest.fixture
async def client(fake: FakeAmigoServer) -> AsyncIterator[AmigoClient]:
    async with fake.client() as amigo:
        yield amigo
