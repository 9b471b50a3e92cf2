"""tools data of the fake server (seeded, deterministic)."""

from __future__ import annotations

import random

import attrs

__all__ = ["ToolData"]


@attrs.define
class ToolData:
    @classmethod
    def seeded(cls, rng: random.Random) -> ToolData:
        return cls()
