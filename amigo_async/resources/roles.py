"""Role endpoints (``client.roles``): roles, their assignment, and temporary permission grants.

The snapshot's operationId of the role list is auto-generated
(``get_roles_v1__organization__role__get``); the operations table calls it
``get-roles``. Bodies are the generated models of `amigo_async.models.role`;
the documented constraints of every parameter and body are checked before sending.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._pagination import AsyncPager
from ..models.role import (
    AssignRoleRequest,
    AssignRoleResponse,
    CreateRoleRequest,
    CreateRoleResponse,
    CreateTemporaryPermissionGrantRequest,
    CreateTemporaryPermissionGrantResponse,
    GetRolesResponse,
    GetTemporaryPermissionGrantsResponse,
    ModifyRoleRequest,
    ModifyRoleResponse,
    RoleInstance,
    TemporaryPermissionGrant,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list

__all__ = ["RolesResource"]


class RolesResource(Resource):
    """``client.roles``: what users may do in the organization."""

    async def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        names: Iterable[str] | None = None,
        return_permission_grants: bool | None = None,
    ) -> list[RoleInstance]:
        """get-roles: the roles (one answer, not paged); their grants only when asked for."""
        params = {
            "id": as_list(ids),
            "name": as_list(names),
            "return_permission_grants": return_permission_grants,
        }
        answer = await self._transport.request_json("get-roles", GetRolesResponse, params=params)
        return answer.roles

    async def create(self, role: CreateRoleRequest) -> CreateRoleResponse:
        """create-role: a new role; 409 if its name is taken."""
        return await self._transport.request_json(
            "create-role", CreateRoleResponse, json_body=json_body("role", role, CreateRoleRequest)
        )

    async def update(self, role_name: str, changes: ModifyRoleRequest) -> ModifyRoleResponse:
        """modify-role: change the fields of `changes` that are not None."""
        return await self._transport.request_json(
            "modify-role",
            ModifyRoleResponse,
            path_params={"role_name": role_name},
            json_body=json_body("changes", changes, ModifyRoleRequest),
        )

    async def assign(self, role_name: str, user_id: str) -> AssignRoleResponse:
        """assign-role: give a user the role (replacing the one they had)."""
        body = AssignRoleRequest(user_id=user_id)
        return await self._transport.request_json(
            "assign-role",
            AssignRoleResponse,
            path_params={"role_name": role_name},
            json_body=json_body("user_id", body, AssignRoleRequest),
        )

    async def create_temporary_permission_grant(
        self, grant: CreateTemporaryPermissionGrantRequest
    ) -> CreateTemporaryPermissionGrantResponse:
        """create-temporary-permission-grant: a permission beyond a user's role, for a while."""
        return await self._transport.request_json(
            "create-temporary-permission-grant",
            CreateTemporaryPermissionGrantResponse,
            json_body=json_body("grant", grant, CreateTemporaryPermissionGrantRequest),
        )

    def list_temporary_permission_grants(
        self,
        *,
        ids: Iterable[str] | None = None,
        user_ids: Iterable[str] | None = None,
        permission_grant_name: str | None = None,
        is_expired: bool | None = None,
        creators: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[TemporaryPermissionGrant]:
        """get-temporary-permission-grants: the grants, optionally filtered.

        `tags` entries are ``"key:value"``; `sort_by` takes ``user_id``,
        ``expires_at`` and ``permission_grant.permission_name``. Pages hold
        `limit` grants (at most 10; the cap when left out).
        """
        params = {
            "id": as_list(ids),
            "user_id": as_list(user_ids),
            "permission_grant_name": permission_grant_name,
            "is_expired": is_expired,
            "creator": as_list(creators),
            "tag": as_list(tags),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-temporary-permission-grants",
            GetTemporaryPermissionGrantsResponse,
            TemporaryPermissionGrant,
            params,
            limit=limit,
            max_items=max_items,
        )
