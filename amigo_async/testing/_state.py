"""The fake server's data: seeded, deterministic, and mutable by the endpoints.

Each area keeps its own data class; `FakeState` only groups them. The same
seed always gives the same ids, names and contents.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

__all__ = ["AdminData", "FakeState", "area_rng", "object_id"]


def area_rng(seed: int, area: str) -> random.Random:
    """One generator per area, so seeding a new area never changes another's data."""
    return random.Random(f"{seed}:{area}")


def object_id(rng: random.Random) -> str:
    """A 24-hex-digit id, the documented `^[a-f0-9]{24}$` form."""
    return f"{rng.getrandbits(96):024x}"


_MODEL_NAMES = (
    "azure_gpt-4o-2024-08-06",
    "azure_gpt-4.1-2025-04-14",
    "azure_o4-mini-2025-04-16",
    "google_gemini-2.5-pro",
    "anthropic_claude-sonnet-4",
)


@attrs.define
class AdminData:
    models: list[dict[str, Any]]

    @classmethod
    def seeded(cls, rng: random.Random) -> AdminData:
        models = [
            {
                "name": name,
                "params_model_schema": {
                    "type": "object",
                    "properties": {"temperature": {"type": "number", "default": 1.0}},
                },
            }
            for name in _MODEL_NAMES
        ]
        return cls(models=models)


@attrs.define
class FakeState:
    seed: int
    organization: str
    admin: AdminData

    @classmethod
    def seeded(cls, seed: int, organization: str) -> FakeState:
        return cls(
            seed=seed,
            organization=organization,
            admin=AdminData.seeded(area_rng(seed, "admin")),
        )
