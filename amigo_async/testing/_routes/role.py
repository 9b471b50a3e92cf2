"""Role endpoints of the fake server, on the generic CRUD helpers.

Roles are keyed by name. Bodies are checked by the generated request models
(422); an unknown role or user answers 404, a taken role name 409.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..._durations import parse_iso_duration
from ...models.role import (
    AssignRoleRequest,
    CreateRoleRequest,
    CreateTemporaryPermissionGrantRequest,
    ModifyRoleRequest,
    RoleInstance,
    TemporaryPermissionGrant,
)
from .._app import Call, Reply, Unprocessable, handler, json_reply
from .._crud import body_of, fields_of, listing, matching, tagged
from .._samples import sample
from ._filters import creator


@handler("get-roles")
async def get_roles(call: Call) -> Reply:
    items = matching(call, call.state.roles.roles.values(), "id")
    items = matching(call, items, "name")
    if not call.query_bool("return_permission_grants"):
        items = [{**item, "permission_grants": []} for item in items]
    return json_reply({"roles": items})


@handler("create-role")
async def create_role(call: Call) -> Reply:
    data = call.state.roles
    body = fields_of(body_of(call, CreateRoleRequest))
    data.roles.unique("name", body["role_name"])
    record = sample(
        RoleInstance,
        data.rng,
        name=body.pop("role_name"),
        **body,
    )
    data.roles.add(record)
    return json_reply({"role_id": record["id"]}, 201)


@handler("modify-role")
async def modify_role(call: Call) -> Reply:
    changes = fields_of(body_of(call, ModifyRoleRequest))
    role = call.state.roles.roles.update(call.path("role_name"), changes)
    return json_reply({"role_id": role["id"]})


@handler("assign-role")
async def assign_role(call: Call) -> Reply:
    role = call.state.roles.roles.get(call.path("role_name"))
    body = body_of(call, AssignRoleRequest)
    call.state.users.users.get(body.user_id)["role"] = role["name"]
    return json_reply({"role_id": role["id"]})


@handler("create-temporary-permission-grant")
async def create_temporary_permission_grant(call: Call) -> Reply:
    data = call.state.roles
    body = fields_of(body_of(call, CreateTemporaryPermissionGrantRequest))
    call.state.users.users.get(body["user_id"])
    now = datetime.now(UTC)
    try:  # P9367Y5673M9999D ends past the year 9999: no expiry date can say when
        expires = now + parse_iso_duration(body.pop("duration"))
    except (ValueError, OverflowError):
        raise Unprocessable(("body", "duration"), "invalid or too long a duration") from None
    record = sample(
        TemporaryPermissionGrant,
        data.rng,
        **body,
        org_id=call.state.organization,
        created_at=now.isoformat(),
        updated_at=now.isoformat(),
        expires_at=expires.isoformat(),
        creator=creator(call),
    )
    data.grants.add(record)
    answer = {"temporary_permission_grant_id": record["_id"], "expires_at": record["expires_at"]}
    return json_reply(answer, 201)


@handler("get-temporary-permission-grants")
async def get_temporary_permission_grants(call: Call) -> Reply:
    items = matching(call, call.state.roles.grants.values(), "id", "_id")
    items = matching(call, items, "user_id")
    items = matching(call, items, "creator", "creator.user_id")
    items = matching(call, items, "permission_grant_name", "permission_grant.permission_name")
    expired = call.query_bool("is_expired")
    now = datetime.now(UTC)
    items = [
        item
        for item in tagged(call, items, "tag")
        if expired is None or (datetime.fromisoformat(item["expires_at"]) <= now) == expired
    ]
    return listing(call, "get-temporary-permission-grants", items)
