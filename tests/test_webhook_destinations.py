"""client.webhooks (webhook destinations) against the fake: requests, paging, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from _areas import last

from amigo_async import AmigoClient, errors
from amigo_async.models.webhook_destination import (
    CreateWebhookDestinationRequest,
    UpdateWebhookDestinationRequest,
)
from amigo_async.testing import FakeAmigoServer


async def test_the_destination_lifecycle(client: AmigoClient, fake: FakeAmigoServer) -> None:
    new = CreateWebhookDestinationRequest(
        url="https://receiver.example.com/hook",
        accepted_types=["conversation-post-processing-complete"],
    )
    created = await client.webhooks.create(new)
    method, path, _, body = last(fake, "create-webhook-destination")
    assert (method, path, body["url"]) == ("POST", "/webhook_destination/", new.url)
    assert created.secret == fake.state.webhooks.secrets[created.webhook_destination_id]
    key = created.webhook_destination_id
    listed = await client.webhooks.list(ids=[key])
    assert [d.url for d in listed] == [new.url]
    assert last(fake, "get-webhook-destinations")[2] == [("id", key)]
    await client.webhooks.update(key, UpdateWebhookDestinationRequest(retry_attempts=5))
    method, path, _, body = last(fake, "update-webhook-destination")
    assert (method, path, body["retry_attempts"]) == ("POST", f"/webhook_destination/{key}", 5)
    rotated = await client.webhooks.rotate_secret(key)
    assert last(fake, "rotate-webhook-destination-secret")[:2] == (
        "POST",
        f"/webhook_destination/{key}/rotate-secret",
    )
    assert rotated.secret != created.secret and rotated.dual_signing_stops_at > datetime.now(UTC)
    with pytest.raises(errors.ConflictError):
        await client.webhooks.rotate_secret(key)  # the previous rotation is still dual-signing
    await client.webhooks.delete(key)
    assert last(fake, "delete-webhook-destination")[:2] == ("DELETE", f"/webhook_destination/{key}")
    with pytest.raises(errors.NotFoundError):
        await client.webhooks.delete(key)
    with pytest.raises(errors.ConflictError):
        await client.webhooks.create(
            CreateWebhookDestinationRequest(url="https://hooks.example.com/0", accepted_types=[])
        )


async def test_deliveries_page_at_the_cap_with_filters(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    key = next(iter(fake.state.webhooks.destinations.records))
    deliveries = [d async for d in client.webhooks.list_deliveries(key, sort_by=["created_at"])]
    assert len(deliveries) == 60
    assert [d.created_at for d in deliveries] == sorted(d.created_at for d in deliveries)
    method, path, query, _ = last(fake, "get-webhook-deliveries")
    assert (method, path) == ("GET", f"/webhook_destination/{key}/delivery")
    assert ("limit", "50") in query and ("continuation_token", "50") in query
    failed = [d async for d in client.webhooks.list_deliveries(key, status="failed")]
    assert failed and all(d.status == "failed" for d in failed) and len(failed) < 60
    after = datetime(2025, 6, 1, tzinfo=UTC)
    late = [d async for d in client.webhooks.list_deliveries(key, created_after=after)]
    assert all(d.created_at >= after for d in late)
    assert ("created_after", after.isoformat()) in last(fake, "get-webhook-deliveries")[2]


async def test_bad_arguments_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    key = "a" * 24
    with pytest.raises(ValueError, match="created_after"):
        client.webhooks.list_deliveries(key, created_after=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="created_after"):
        client.webhooks.list_deliveries(
            key,
            created_after=datetime(2025, 2, 1, tzinfo=UTC),
            created_before=datetime(2025, 1, 1, tzinfo=UTC),
        )
    with pytest.raises(TypeError, match="changes"):
        await client.webhooks.update(key, {"retry_attempts": 3})  # type: ignore[arg-type]
    assert not fake.requests
