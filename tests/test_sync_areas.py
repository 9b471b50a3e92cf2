"""The blocking facade picks up services, users, roles and webhooks with no code of its own."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from anyio.from_thread import start_blocking_portal

from amigo_async.models.webhook_destination import UpdateWebhookDestinationRequest
from amigo_async.sync import AmigoClient
from amigo_async.testing import FakeAmigoServer


@pytest.fixture
def fake() -> Iterator[FakeAmigoServer]:
    with start_blocking_portal() as portal:
        server = portal.call(functools.partial(FakeAmigoServer))
        with portal.wrap_async_context_manager(server):
            yield server


@pytest.fixture
def client(fake: FakeAmigoServer) -> Iterator[AmigoClient]:
    with AmigoClient(fake.organization, base_url=fake.url, token=fake.token) as sync_client:
        yield sync_client


def test_services_page_as_a_plain_iterator(client: AmigoClient, fake: FakeAmigoServer) -> None:
    assert len(list(client.services.list(limit=7))) == 25
    assert fake.count("get-services") == 4


def test_users_search_blocks(client: AmigoClient) -> None:
    assert [u.email for u in client.users.search("user05")] == ["user05@example.com"]


def test_roles_list_blocks(client: AmigoClient) -> None:
    assert {r.name for r in client.roles.list()} >= {"DefaultUserRole"}


def test_webhooks_update_blocks(client: AmigoClient, fake: FakeAmigoServer) -> None:
    key = next(iter(fake.state.webhooks.destinations.records))
    client.webhooks.update(key, UpdateWebhookDestinationRequest(retry_attempts=4))
    assert fake.state.webhooks.destinations.get(key)["retry_attempts"] == 4
