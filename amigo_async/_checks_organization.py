"""Facts of the organization endpoints the fake server also reads, and the argument-type guard.

Values are judged by the transport's one validation pass (`amigo_async._validation`,
prose rules in `amigo_async._rules`); what remains here are the patterns and bounds the
fake's handlers share and `require_type`, which refuses a dict where a model is wanted
before it is unstructured.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

__all__ = [
    "API_KEY_DURATION",
    "AZURE_DEVOPS_TEAM_PATTERN",
    "EXTERNAL_STATE_NAME_PATTERN",
    "STATE_NAME_PATTERN",
    "require_type",
]

STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
"""State names and reference names of a service hierarchical state machine."""

EXTERNAL_STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")
"""``reference.state``: a state of a referenced machine, first half of a `NextState` pair."""

AZURE_DEVOPS_TEAM_PATTERN = re.compile(r"^[a-z-]+$")

API_KEY_DURATION = (timedelta(days=1), timedelta(days=90))
"""create-api-key: the documented bounds of a key's lifetime."""


def require_type(name: str, value: Any, cls: type[Any]) -> Any:
    """`value` itself when it is a `cls`: a dict or another model is refused by name."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__}, not {type(value).__name__}")
    return value
