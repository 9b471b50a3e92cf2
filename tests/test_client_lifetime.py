"""A client used without ``async with`` works; one dropped unclosed says how to close it."""

from __future__ import annotations

import gc
import warnings

import pytest

from amigo_async.testing import FakeAmigoServer


async def test_a_client_used_without_async_with_works_and_closes(fake: FakeAmigoServer) -> None:
    client = fake.client()
    assert await client.admin.get_models()
    await client.aclose()
    assert client.closed
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        del client
        gc.collect()


async def test_a_client_dropped_unclosed_warns_naming_amigo_client(fake: FakeAmigoServer) -> None:
    client = fake.client()
    await client.admin.get_models()
    with pytest.warns(ResourceWarning) as caught:
        del client
        gc.collect()
    messages = [str(w.message) for w in caught]
    assert any(
        "unclosed AmigoClient for organization 'acme'" in m and "await client.aclose()" in m
        for m in messages
    ), messages
    assert not any(fake.token in m for m in messages)


def test_a_client_never_used_holds_nothing_and_warns_nothing() -> None:
    from amigo_async import AmigoClient

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        client = AmigoClient("acme", token="t")
        del client
        gc.collect()
