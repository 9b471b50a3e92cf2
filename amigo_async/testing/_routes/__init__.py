"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import (
    admin,
    conversation,
    dynamic_behavior_set,
    metric,
    organization,
    prompt_logs,
    role,
    service,
    simulation,
    tools,
    user,
    webhook_destination,
)

__all__ = [
    "admin",
    "conversation",
    "dynamic_behavior_set",
    "metric",
    "organization",
    "prompt_logs",
    "role",
    "service",
    "simulation",
    "tools",
    "user",
    "webhook_destination",
]
