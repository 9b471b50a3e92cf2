"""Admin data: the LLM model list."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["AdminData"]

_MODEL_NAMES = (
    "azure_gpt-4o-2024-08-06",
    "azure_gpt-4.1-2025-04-14",
    "azure_o4-mini-2025-04-16",
    "google_gemini-2.5-pro",
    "anthropic_claude-sonnet-4",
)
_PARAMETERS = {"type": "object", "properties": {"temperature": {"type": "number", "default": 1.0}}}


@attrs.define
class AdminData:
    models: list[dict[str, Any]]

    @classmethod
    def seeded(cls) -> AdminData:
        return cls([{"name": name, "params_model_schema": _PARAMETERS} for name in _MODEL_NAMES])
