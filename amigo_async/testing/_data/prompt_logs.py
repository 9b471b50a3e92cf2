"""prompt logs data of the fake server (seeded, deterministic)."""

from __future__ import annotations

import random

import attrs

__all__ = ["PromptLogData"]


@attrs.define
class PromptLogData:
    @classmethod
    def seeded(cls, rng: random.Random) -> PromptLogData:
        return cls()
