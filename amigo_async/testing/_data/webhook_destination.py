"""Webhook destination data: destinations, their secrets and deliveries."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import attrs

from ...models.webhook_destination import (
    WEBHOOK_DELIVERY_STATUS_VALUES,
    WEBHOOK_TYPE_VALUES,
    WebhookDeliveryInstance,
    WebhookDestination,
)
from .._crud import Store
from .._samples import sample

__all__ = ["WebhookData", "new_secret"]

SEEDED_DESTINATIONS = 3
SEEDED_DELIVERIES = 60  # per destination: more than one page at the cap (50)


def new_secret(rng: random.Random) -> str:
    return f"whsec_{rng.getrandbits(128):032x}"


@attrs.define
class WebhookData:
    rng: random.Random
    destinations: Store
    secrets: dict[str, str]  # destination id -> current secret
    dual_signing_until: dict[str, datetime]  # destination id -> end of a rotation
    deliveries: dict[str, list[dict[str, Any]]]

    @classmethod
    def seeded(cls, rng: random.Random) -> WebhookData:
        destinations = Store("Webhook destination")
        deliveries: dict[str, list[dict[str, Any]]] = {}
        for number in range(SEEDED_DESTINATIONS):
            record = destinations.add(
                sample(
                    WebhookDestination,
                    rng,
                    url=f"https://hooks.example.com/{number}",
                    accepted_types=list(WEBHOOK_TYPE_VALUES[: number + 1]),
                )
            )
            deliveries[record["id"]] = [
                sample(
                    WebhookDeliveryInstance,
                    rng,
                    type=WEBHOOK_TYPE_VALUES[index % len(WEBHOOK_TYPE_VALUES)],
                    status=WEBHOOK_DELIVERY_STATUS_VALUES[index % 2],
                )
                for index in range(SEEDED_DELIVERIES)
            ]
        secrets = {key: new_secret(rng) for key in destinations.records}
        return cls(rng, destinations, secrets, {}, deliveries)
