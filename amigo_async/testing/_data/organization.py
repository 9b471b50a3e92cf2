"""organization data of the fake server (seeded, deterministic)."""

from __future__ import annotations

import random

import attrs

__all__ = ["OrganizationData"]


@attrs.define
class OrganizationData:
    @classmethod
    def seeded(cls, rng: random.Random) -> OrganizationData:
        return cls()
