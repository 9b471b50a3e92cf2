"""Fake endpoint handlers, one module per area; importing this registers them all."""

from . import admin, user

__all__ = ["admin", "user"]
