"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import (
    admin,
    conversation,
    organization,
    prompt_logs,
    role,
    service,
    tools,
    user,
    webhook_destination,
)

__all__ = [
    "admin",
    "conversation",
    "organization",
    "prompt_logs",
    "role",
    "service",
    "tools",
    "user",
    "webhook_destination",
]
