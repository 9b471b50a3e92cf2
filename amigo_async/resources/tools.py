"""Tool endpoints."""

from __future__ import annotations

from ._base import Resource

__all__ = ["ToolsResource"]


class ToolsResource(Resource):
    pass
