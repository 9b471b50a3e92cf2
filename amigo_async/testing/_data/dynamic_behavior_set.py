"""Dynamic behaviour set data: sets, their versions and invocations."""

from __future__ import annotations

import random
from typing import Any

import attrs

from ...models.dynamic_behavior_set import (
    DynamicBehaviorInvocation,
    DynamicBehaviorSetInstance,
    DynamicBehaviorSetVersion,
)
from .._crud import Store
from .._samples import sample

__all__ = ["DynamicBehaviorSetData"]

SEEDED_SETS = 3
SEEDED_VERSIONS = 12  # of the first set: more than one page at the cap (10)
SEEDED_INVOCATIONS = 35  # of the first set: more than one page at the cap (30)


@attrs.define
class DynamicBehaviorSetData:
    rng: random.Random
    sets: Store
    versions: dict[str, list[dict[str, Any]]]
    invocations: dict[str, list[dict[str, Any]]]

    @classmethod
    def seeded(cls, rng: random.Random) -> DynamicBehaviorSetData:
        sets = Store("Dynamic behavior set")
        versions: dict[str, list[dict[str, Any]]] = {}
        invocations: dict[str, list[dict[str, Any]]] = {}
        for number in range(SEEDED_SETS):
            record = sets.add(
                sample(
                    DynamicBehaviorSetInstance,
                    rng,
                    name=f"behaviour-{number}",
                    is_active=number != 2,
                    tags={"team": "care" if number else "sales", "tier": None},
                )
            )
            count = SEEDED_VERSIONS if number == 0 else 1
            versions[record["id"]] = [
                sample(
                    DynamicBehaviorSetVersion,
                    rng,
                    dynamic_behavior_set_id=record["id"],
                    version=index + 1,
                )
                for index in range(count)
            ]
            count = SEEDED_INVOCATIONS if number == 0 else 0
            invocations[record["id"]] = [
                sample(
                    DynamicBehaviorInvocation,
                    rng,
                    dynamic_behavior_set_version_info=[record["id"], 1],
                )
                for _ in range(count)
            ]
        return cls(rng, sets, versions, invocations)
