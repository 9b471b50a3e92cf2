"""Webhook destination endpoints of the fake server, on the generic CRUD helpers.

Bodies are checked by the generated request models (422); unknown ids answer
404, a second destination for the same URL 409, and so does rotating a secret
while the previous rotation's dual signing is still running.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ...models.webhook_destination import (
    CreateWebhookDestinationRequest,
    UpdateWebhookDestinationRequest,
    WebhookDestination,
)
from .._app import Call, Refused, Reply, handler, json_reply
from .._crud import body_of, fields_of, listing, matching
from .._data.webhook_destination import new_secret
from .._samples import sample
from ._filters import between, now

DUAL_SIGNING = timedelta(minutes=30)  # the documents: both secrets sign for about 30 minutes
_DEFAULT_RETRY_ATTEMPTS = 3


@handler("get-webhook-destinations")
async def get_webhook_destinations(call: Call) -> Reply:
    items = matching(call, call.state.webhooks.destinations.values(), "id")
    return json_reply({"webhook_destinations": items})


@handler("create-webhook-destination")
async def create_webhook_destination(call: Call) -> Reply:
    data = call.state.webhooks
    body = body_of(call, CreateWebhookDestinationRequest)
    data.destinations.unique("url", body.url)
    retry = body.retry_attempts if body.retry_attempts is not None else _DEFAULT_RETRY_ATTEMPTS
    record = sample(
        WebhookDestination,
        data.rng,
        url=body.url,
        accepted_types=list(body.accepted_types),
        retry_attempts=retry,
        secret_generated_at=now(),
    )
    data.destinations.add(record)
    data.secrets[record["id"]] = secret = new_secret(data.rng)
    data.deliveries[record["id"]] = []
    return json_reply({"webhook_destination_id": record["id"], "secret": secret}, 201)


@handler("update-webhook-destination")
async def update_webhook_destination(call: Call) -> Reply:
    changes = fields_of(body_of(call, UpdateWebhookDestinationRequest))
    call.state.webhooks.destinations.update(call.path("webhook_destination_id"), changes)
    return Reply(204)


@handler("delete-webhook-destination")
async def delete_webhook_destination(call: Call) -> Reply:
    data = call.state.webhooks
    destination = data.destinations.delete(call.path("webhook_destination_id"))
    data.secrets.pop(destination["id"], None)
    return Reply(204)


@handler("rotate-webhook-destination-secret")
async def rotate_webhook_destination_secret(call: Call) -> Reply:
    data = call.state.webhooks
    destination = data.destinations.get(call.path("webhook_destination_id"))
    rotated = datetime.now(UTC)
    if data.dual_signing_until.get(destination["id"], rotated) > rotated:
        raise Refused(409, "A secret rotation is already in progress for this destination.")
    data.secrets[destination["id"]] = secret = new_secret(data.rng)
    data.dual_signing_until[destination["id"]] = stops = rotated + DUAL_SIGNING
    destination["secret_generated_at"] = rotated.isoformat()
    return json_reply({"secret": secret, "dual_signing_stops_at": stops.isoformat()})


@handler("get-webhook-deliveries")
async def get_webhook_deliveries(call: Call) -> Reply:
    data = call.state.webhooks
    destination = data.destinations.get(call.path("webhook_destination_id"))
    items = matching(call, data.deliveries.get(destination["id"], []), "status")
    items = matching(call, items, "type")
    items = between(call, items, "created_after", "created_before")
    return listing(call, "get-webhook-deliveries", items)
