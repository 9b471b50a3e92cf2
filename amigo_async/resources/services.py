"""Service endpoints (``client.services``): list, create and update services; version sets.

Bodies are the generated models of `amigo_async.models.service`; the documented
constraints of every parameter and body are checked before sending.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._arguments import check_model
from .._pagination import AsyncPager
from ..models.service import (
    CreateServiceRequest,
    CreateServiceResponse,
    GetServicesResponse,
    ServiceInstance,
    UpdateServiceRequest,
    UpsertServiceVersionSetRequest,
    VersionSetInput,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list

__all__ = ["ServicesResource"]


class ServicesResource(Resource):
    """``client.services``: the services of the organization (an agent bound to a state machine)."""

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_active: bool | None = None,
        tags: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[ServiceInstance]:
        """get-services: every service, optionally filtered.

        `tags` entries are ``"key:value"`` (``"key:*"`` any value, ``"key:"`` no
        value); `sort_by` takes ``name`` and ``is_active``, ``-`` first for
        descending. Pages hold `limit` services (at most 20; the cap when left out).
        """
        params = {
            "id": as_list(ids),
            "is_active": is_active,
            "tags": as_list(tags),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-services",
            GetServicesResponse,
            ServiceInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def create(self, service: CreateServiceRequest) -> CreateServiceResponse:
        """create-service: a new service; 409 if its name is taken, 404 for a missing agent."""
        return await self._transport.request_json(
            "create-service",
            CreateServiceResponse,
            json_body=json_body("service", service, CreateServiceRequest),
        )

    async def update(self, service_id: str, changes: UpdateServiceRequest) -> None:
        """update-service: change the fields of `changes` that are not None."""
        await self._transport.request_none(
            "update-service",
            path_params={"service_id": service_id},
            json_body=json_body("changes", changes, UpdateServiceRequest),
        )

    async def upsert_version_set(
        self, service_id: str, version_set_name: str, version_set: VersionSetInput
    ) -> None:
        """upsert-service-version-set: create or replace one named version set of a service."""
        body = UpsertServiceVersionSetRequest(
            version_set=check_model("version_set", version_set, VersionSetInput)
        )
        await self._transport.request_none(
            "upsert-service-version-set",
            path_params={"service_id": service_id, "version_set_name": version_set_name},
            json_body=json_body("version_set", body, UpsertServiceVersionSetRequest),
        )

    async def delete_version_set(self, service_id: str, version_set_name: str) -> None:
        """delete-service-version-set: remove one named version set (``release`` cannot go)."""
        await self._transport.request_none(
            "delete-service-version-set",
            path_params={"service_id": service_id, "version_set_name": version_set_name},
        )
