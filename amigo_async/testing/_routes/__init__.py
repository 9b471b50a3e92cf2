"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import (
    admin,
    dynamic_behavior_set,
    metric,
    organization,
    prompt_logs,
    simulation,
    tools,
    user,
)

__all__ = [
    "admin",
    "dynamic_behavior_set",
    "metric",
    "organization",
    "prompt_logs",
    "simulation",
    "tools",
    "user",
]
