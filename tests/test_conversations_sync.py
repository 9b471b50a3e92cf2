"""client.conversations through the blocking facade: streams iterate, collect() blocks."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from anyio.from_thread import start_blocking_portal

from amigo_async.models.conversation import InteractionCompleteEvent
from amigo_async.sync import AmigoClient
from amigo_async.testing import FakeAmigoServer


@pytest.fixture
def fake() -> Iterator[FakeAmigoServer]:
    with start_blocking_portal() as portal:
        server = portal.call(functools.partial(FakeAmigoServer))
        with portal.wrap_async_context_manager(server):
            yield server


def test_a_blocking_chat(fake: FakeAmigoServer) -> None:
    with AmigoClient(fake.organization, base_url=fake.url, token=fake.token) as client:
        greeting = client.conversations.create(fake.state.conversations.service_id).collect()
        events = list(client.conversations.interact(greeting.conversation_id, text="hi"))
        assert isinstance(events[-1], InteractionCompleteEvent)
        client.conversations.finish(greeting.conversation_id)
    assert fake.count("finish-conversation") == 1
