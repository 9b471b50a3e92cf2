"""Fake Dynamic Behavior Set endpoints: sets, versions, invocations."""

from __future__ import annotations

from typing import Any

from ...models import unstructure
from ...models.dynamic_behavior_set import (
    CreateDynamicBehaviorSetRequest,
    CreateDynamicBehaviorSetVersionRequest,
    DynamicBehaviorSetVersion,
    UpdateDynamicBehaviorSetRequest,
)
from .._app import Call, Reply, handler, json_reply
from .._crud import body_of, fields_of, listing, matching, tagged
from .._samples import sample
from .._state import object_id
from ._filters import (
    authored,
    by_bool,
    by_creator,
    creator,
    distinct,
    searched,
    tag_keys,
    touched,
)
from ._versions import next_version, selected_versions

_ID = "dynamic_behavior_set_id"


def _set_id(call: Call) -> str:
    set_id = call.path(_ID)
    call.state.dynamic_behavior_sets.sets.get(set_id)  # 404 if unknown
    return set_id


def _active(record: dict[str, Any]) -> bool:
    return bool(record["is_active"])


def _filtered(call: Call) -> list[dict[str, Any]]:
    items = call.state.dynamic_behavior_sets.sets.values()
    items = by_bool(call, items, "is_active")
    items = matching(call, items, "applied_to_service", "applied_to_services")
    return tagged(call, by_creator(call, items), "tag")


@handler("get-dynamic-behavior-sets")
async def get_sets(call: Call) -> Reply:
    items = matching(call, _filtered(call), "id")
    filter_values = {
        "applied_to_services_ids": distinct(items, "applied_to_services"),
        "creators": distinct(items, "creator"),
        "tags": tag_keys(items),
    }
    return listing(call, "get-dynamic-behavior-sets", items, extra={"filter_values": filter_values})


@handler("search-dynamic-behavior-sets")
async def search_sets(call: Call) -> Reply:
    return json_reply({"dynamic_behavior_sets": searched(call, _filtered(call), "name")})


@handler("create-dynamic-behavior-set")
async def create_set(call: Call) -> Reply:
    request = body_of(call, CreateDynamicBehaviorSetRequest)
    data = call.state.dynamic_behavior_sets
    if request.initial_version.is_active:
        data.sets.unique("name", request.name, counted=_active)
    record = data.sets.add(
        {
            "id": object_id(data.rng),
            "name": request.name,
            "is_active": request.initial_version.is_active,
            "applied_to_services": request.applied_to_services,
            "tags": request.tags,
            **authored(call),
        }
    )
    first = unstructure(request.initial_version)
    data.versions[record["id"]] = [_version(call, record["id"], 1, first)]
    data.invocations[record["id"]] = []
    return json_reply({"dynamic_behavior_set_id": record["id"]}, 201)


def _version(call: Call, set_id: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    version = sample(
        DynamicBehaviorSetVersion,
        call.state.dynamic_behavior_sets.rng,
        dynamic_behavior_set_id=set_id,
        version=number,
        creator=creator(call),
        org_id=call.state.organization,
    )
    version["conversation_triggers"] = body["conversation_triggers"]
    version["actions"] = body["actions"]
    return version


@handler("update-dynamic-behavior-set")
async def update_set(call: Call) -> Reply:
    sets = call.state.dynamic_behavior_sets.sets
    record = sets.get(call.path(_ID))
    set_id = record["id"]
    update = body_of(call, UpdateDynamicBehaviorSetRequest)
    if update.name is not None or update.is_active:
        name = update.name if update.name is not None else record["name"]
        if update.is_active if update.is_active is not None else record["is_active"]:
            sets.unique("name", name, but=set_id, counted=_active)
    sets.update(set_id, touched(call, fields_of(update)))
    return Reply(204)


@handler("delete-dynamic-behavior-instruction")
async def delete_set(call: Call) -> Reply:
    call.state.dynamic_behavior_sets.sets.delete(call.path(_ID))
    return json_reply({})


@handler("get-dynamic-behavior-set-versions")
async def get_versions(call: Call) -> Reply:
    versions = call.state.dynamic_behavior_sets.versions[_set_id(call)]
    return listing(call, "get-dynamic-behavior-set-versions", selected_versions(call, versions))


@handler("create-dynamic-behavior-set-version")
async def create_version(call: Call) -> Reply:
    set_id = _set_id(call)
    versions = call.state.dynamic_behavior_sets.versions[set_id]
    number = next_version(call, versions)
    request = body_of(call, CreateDynamicBehaviorSetVersionRequest)
    versions.append(_version(call, set_id, number, unstructure(request)))
    return json_reply({"new_version_number": number}, 201)


@handler("get-dynamic-behavior-invocations")
async def get_invocations(call: Call) -> Reply:
    invocations = call.state.dynamic_behavior_sets.invocations[_set_id(call)]
    return listing(call, "get-dynamic-behavior-invocations", invocations)
