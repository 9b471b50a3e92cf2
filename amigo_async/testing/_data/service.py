"""Service data: services with version sets, built from the generated models."""

from __future__ import annotations

import random

import attrs

from ...models.service import ServiceInstance, ServiceUserInfo
from .._crud import Store
from .._samples import sample

__all__ = ["ServiceData"]

SEEDED_SERVICES = 25  # more than one page at the cap (20)


@attrs.define
class ServiceData:
    rng: random.Random
    services: Store

    @classmethod
    def seeded(cls, rng: random.Random, organization: str) -> ServiceData:
        services = Store("Service")
        for number in range(SEEDED_SERVICES):
            author = sample(ServiceUserInfo, rng, org_id=organization)
            services.add(
                sample(
                    ServiceInstance,
                    rng,
                    name=f"service-{number:02d}",
                    is_active=number % 3 != 0,
                    tags=[{"key": "team", "value": "blue" if number % 2 else "red"}],
                    creator=author,
                    updated_by=author,
                )
            )
        return cls(rng, services)
