"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import admin, conversation, organization, prompt_logs, tools, user

__all__ = ["admin", "conversation", "organization", "prompt_logs", "tools", "user"]
