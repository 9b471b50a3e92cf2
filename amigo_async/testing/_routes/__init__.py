"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import (  # noqa: F401
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
