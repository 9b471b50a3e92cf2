"""Deterministic generators shared by the data modules."""

from __future__ import annotations

import random

__all__ = ["PREFERENCE_DEFAULTS", "area_rng", "object_id"]

PREFERENCE_DEFAULTS = {  # the documented defaults: stored preferences never hold null there
    "enable_response_recommendation": False,
    "conversations_visible_to_admins": True,
    "user_model_visible_to_admins": True,
    "audio_keyterms": [],
}


def area_rng(seed: int, area: str) -> random.Random:
    """One generator per area, so seeding a new area never changes another's data."""
    return random.Random(f"{seed}:{area}")


def object_id(rng: random.Random) -> str:
    """A 24-hex-digit id, the documented `^[a-f0-9]{24}$` form."""
    return f"{rng.getrandbits(96):024x}"
