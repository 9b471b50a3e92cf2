"""Service endpoints of the fake server, on the generic CRUD helpers.

Bodies are checked by the generated request models (422); unknown ids answer
404, a taken name 409; the ``release`` version set cannot be deleted (400).
"""

from __future__ import annotations

from ...models.service import (
    CreateServiceRequest,
    ServiceInstance,
    UpdateServiceRequest,
    UpsertServiceVersionSetRequest,
)
from .._app import Call, Refused, Reply, handler, json_reply
from .._crud import body_of, fields_of, listing, matching, tag_list, tagged
from .._samples import sample
from ._filters import by_bool, creator, tag_keys


@handler("get-services")
async def get_services(call: Call) -> Reply:
    store = call.state.services.services
    items = by_bool(call, tagged(call, matching(call, store.values(), "id")), "is_active")
    every_tag = sorted(tag_keys(store.values()))
    return listing(call, "get-services", items, {"filter_values": {"tags": every_tag}})


@handler("create-service")
async def create_service(call: Call) -> Reply:
    data = call.state.services
    body = fields_of(body_of(call, CreateServiceRequest))
    data.services.unique("name", body["name"])
    author = creator(call)
    release = body.pop("release_version_set") or {
        "agent_version_number": None,
        "service_hierarchical_state_machine_version_number": None,
        "llm_model_preferences": {},
    }
    record = sample(
        ServiceInstance,
        data.rng,
        **{**body, "tags": tag_list(body["tags"])},
        version_sets={"release": release},
        creator=author,
        updated_by=author,
    )
    data.services.add(record)
    return json_reply({"id": record["id"]}, 201)


@handler("update-service")
async def update_service(call: Call) -> Reply:
    store = call.state.services.services
    service = store.get(call.path("service_id"))
    changes = fields_of(body_of(call, UpdateServiceRequest))
    if changes["name"] not in (None, service["name"]):
        store.unique("name", changes["name"])
    if changes["tags"] is not None:
        changes["tags"] = tag_list(changes["tags"])
    store.update(service["id"], changes)
    return json_reply(None)


@handler("upsert-service-version-set")
async def upsert_service_version_set(call: Call) -> Reply:
    service = call.state.services.services.get(call.path("service_id"))
    body = fields_of(body_of(call, UpsertServiceVersionSetRequest))
    service["version_sets"][call.path("version_set_name").strip()] = body["version_set"]
    return Reply(204)


@handler("delete-service-version-set")
async def delete_service_version_set(call: Call) -> Reply:
    service = call.state.services.services.get(call.path("service_id"))
    name = call.path("version_set_name")
    if name == "release":
        raise Refused(400, "The release version set cannot be deleted.")
    if service["version_sets"].pop(name, None) is None:
        raise Refused(404, f"Version set {name} not found.")
    return Reply(204)
