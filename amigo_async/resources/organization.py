"""Organization endpoints."""

from __future__ import annotations

from ._base import Resource

__all__ = ["OrganizationResource"]


class OrganizationResource(Resource):
    pass
