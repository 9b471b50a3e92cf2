"""Webhook destination endpoints (``client.webhooks``): where the platform sends its events.

To verify and parse the deliveries themselves, see `amigo_async.webhooks`. Bodies
are the generated models of `amigo_async.models.webhook_destination`; the
documented constraints of every parameter and body are checked before sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .._pagination import AsyncPager
from ..models.webhook_destination import (
    CreateWebhookDestinationRequest,
    CreateWebhookDestinationResponse,
    GetWebhookDeliveriesResponse,
    GetWebhookDestinationsResponse,
    RotateWebhookDestinationSecretResponse,
    UpdateWebhookDestinationRequest,
    WebhookDeliveryInstance,
    WebhookDestination,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list, timestamp

__all__ = ["WebhooksResource"]


class WebhooksResource(Resource):
    """``client.webhooks``: the webhook destinations of the organization and their deliveries."""

    async def list(self, *, ids: Iterable[str] | None = None) -> list[WebhookDestination]:
        """get-webhook-destinations: every destination, or those with the given ids (not paged)."""
        answer = await self._transport.request_json(
            "get-webhook-destinations",
            GetWebhookDestinationsResponse,
            params={"id": as_list(ids)},
        )
        return answer.webhook_destinations

    async def create(
        self, destination: CreateWebhookDestinationRequest
    ) -> CreateWebhookDestinationResponse:
        """create-webhook-destination: a new destination; the answer holds its signing secret."""
        return await self._transport.request_json(
            "create-webhook-destination",
            CreateWebhookDestinationResponse,
            json_body=json_body("destination", destination, CreateWebhookDestinationRequest),
        )

    async def update(
        self, webhook_destination_id: str, changes: UpdateWebhookDestinationRequest
    ) -> None:
        """update-webhook-destination: change the fields of `changes` that are not None."""
        await self._transport.request_none(
            "update-webhook-destination",
            path_params={"webhook_destination_id": webhook_destination_id},
            json_body=json_body("changes", changes, UpdateWebhookDestinationRequest),
        )

    async def delete(self, webhook_destination_id: str) -> None:
        """delete-webhook-destination: stop deliveries to a destination and remove it."""
        await self._transport.request_none(
            "delete-webhook-destination",
            path_params={"webhook_destination_id": webhook_destination_id},
        )

    async def rotate_secret(
        self, webhook_destination_id: str
    ) -> RotateWebhookDestinationSecretResponse:
        """rotate-webhook-destination-secret: a new secret; both sign until `dual_signing_stops_at`.

        Give both secrets to `amigo_async.webhooks` verification until then.
        """
        return await self._transport.request_json(
            "rotate-webhook-destination-secret",
            RotateWebhookDestinationSecretResponse,
            path_params={"webhook_destination_id": webhook_destination_id},
        )

    def list_deliveries(
        self,
        webhook_destination_id: str,
        *,
        status: str | None = None,
        type: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[WebhookDeliveryInstance]:
        """get-webhook-deliveries: the deliveries to a destination, optionally filtered.

        `status` is ``"success"`` or ``"failed"``; `sort_by` takes ``type``,
        ``status`` and ``created_at``. Pages hold `limit` deliveries (at most 50;
        the cap when left out).
        """
        params = {
            "status": status,
            "type": type,
            "created_after": timestamp(created_after),
            "created_before": timestamp(created_before),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-webhook-deliveries",
            GetWebhookDeliveriesResponse,
            WebhookDeliveryInstance,
            params,
            path_params={"webhook_destination_id": webhook_destination_id},
            limit=limit,
            max_items=max_items,
        )
