"""Service data: services with version sets, built from the generated models."""

from __future__ import annotations

import random

import attrs

from ...models.service import ServiceInstance, ServiceUserInfo
from .._crud import Store
from .._samples import sample

__all__ = ["CHAT_SERVICE_ID", "ServiceData"]

SEEDED_SERVICES = 25  # more than one page at the cap (20)
CHAT_SERVICE_ID = "5eed0000000000000000c4a7"
"""The first service listed, active, for every seed: the one conversations can start in."""


@attrs.define
class ServiceData:
    rng: random.Random
    services: Store

    @classmethod
    def seeded(cls, rng: random.Random, organization: str) -> ServiceData:
        services = Store("Service")
        for number in range(SEEDED_SERVICES):
            author = sample(ServiceUserInfo, rng, org_id=organization)
            chat = {"id": CHAT_SERVICE_ID, "name": "chat"} if number == 0 else {}
            services.add(
                sample(
                    ServiceInstance,
                    rng,
                    **{"name": f"service-{number:02d}", **chat},
                    is_active=number % 3 != 1,
                    tags=[{"key": "team", "value": "blue" if number % 2 else "red"}],
                    creator=author,
                    updated_by=author,
                )
            )
        return cls(rng, services)
