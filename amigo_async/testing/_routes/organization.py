"""Organization endpoints of the fake server.

Strict like the real one: requests reach these handlers checked against the
documented schemas (`_request_checks`); here are the prose rules (image formats,
an API key's 1 to 90 days, a state machine's graph), unknown ids
answer 404, duplicates and version mismatches 409, and the documented 400s happen
(deleting an agent or state machine an active service uses, a first agent version
with fields missing, a reference to a missing or deprecated state machine, too
many API keys). After delete-organization every endpoint here answers 404 until
create-organization runs again. Agents and state machines share one shape (a named
record with versions), registered once per kind by `_register_versioned`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..._durations import parse_iso_duration
from .._app import Call, Refused, Reply, Unprocessable, handler, json_reply
from .._crud import listing, matching, with_organization
from .._data._common import PREFERENCE_DEFAULTS
from .._data.organization import MAX_API_KEYS, OrganizationData, Versioned
from ._filters import by_bool
from ._versions import next_version, selected_versions

# The validation pass has checked the schemas and the prose rules it holds (images, an API
# key's 1 to 90 days, a state machine's names and entry states) before a handler runs.

_PROFILE_FIELDS = (
    "org_name",
    "title",
    "main_description",
    "sub_description",
    "onboarding_instructions",
)
_AGENT_VERSION_FIELDS = (
    "initials",
    "identity",
    "background",
    "behaviors",
    "communication_patterns",
    "voice_config",  # the only one a first version may leave out
)


# -- plumbing: 404 once the organization is deleted, refusals as replies -------------


Endpoint = Callable[[Call, OrganizationData], Awaitable[Reply]]


def _endpoint(
    operation_id: str, *, needs_organization: bool = True
) -> Callable[[Endpoint], Endpoint]:
    """`handler`, given the organization's data; 404 once the organization is deleted."""

    def register(function: Endpoint) -> Endpoint:
        @handler(operation_id)
        async def serve(call: Call) -> Reply:
            data = call.state.organization_data
            if needs_organization and not data.exists:
                raise Refused(404, "The specified organization does not exist.")
            return await function(call, data)

        return function

    return register


# -- the organization ---------------------------------------------------------------


@_endpoint("get-organization")
async def get_organization(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"org_id": call.state.organization, **data.profile})


@_endpoint("create-organization", needs_organization=False)
async def create_organization(call: Call, data: OrganizationData) -> Reply:
    if data.exists:
        raise Refused(409, "Conflicts with existing organization with the same org_id.")
    data.exists = True
    tenant = f"tenant-{call.state.organization}"
    data.profile = {"default_user_preferences": None, "tenant_id": tenant}
    _change(data, call.json())  # every profile field: required
    return json_reply({"org_id": call.state.organization}, 201)


@_endpoint("modify-organization")
async def modify_organization(call: Call, data: OrganizationData) -> Reply:
    _change(data, call.json())
    return Reply(204)


def _change(data: OrganizationData, body: dict[str, Any]) -> None:
    """Keep the profile fields and user dimensions `body` sets (None leaves one unchanged);
    the preferences it leaves out take the documented defaults."""
    for name, value in body.items():
        if value is None:
            continue
        if name == "default_user_preferences":
            data.profile[name] = {**PREFERENCE_DEFAULTS, **value}
        elif name == "user_dimensions":
            data.user_dimensions = value
        elif name in _PROFILE_FIELDS:
            data.profile[name] = value


@_endpoint("delete-organization")
async def delete_organization(call: Call, data: OrganizationData) -> Reply:
    data.exists = False
    return Reply(204)


@_endpoint("get-user-dimensions")
async def get_user_dimensions(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"user_dimensions": data.user_dimensions})


# -- agents and service hierarchical state machines ---------------------------------

Records = Callable[[OrganizationData], dict[str, Versioned]]
Build = Callable[[Call, OrganizationData, Versioned], dict[str, Any] | None]


def _register_versioned(stem: str, what: str, records: Records, build: Build) -> None:
    """The five operations of a versioned kind (`stem`: ``agent`` or
    ``service-hierarchical-state-machine``); `build` makes a new version's fields from the
    request, or None when nothing is to be stored (a dry run)."""

    def named(call: Call, data: OrganizationData, *, live: bool = False) -> Versioned:
        """The record the operation's path names (its last parameter); 404 if unknown, or
        deprecated when a `live` one is needed."""
        record = records(data).get(call.path(call.operation.path_parameters[-1]))
        if record is None or (live and record.deprecated):
            raise Refused(404, f"The specified organization or {what} does not exist.")
        return record

    @_endpoint(f"get-{stem}s")
    async def get_all(call: Call, data: OrganizationData) -> Reply:
        items = matching(call, [record.summary() for record in records(data).values()], "id")
        return listing(call, f"get-{stem}s", by_bool(call, items, "deprecated"))

    @_endpoint(f"create-{stem}")
    async def create(call: Call, data: OrganizationData) -> Reply:
        name = call.json()[f"{what.replace(' ', '_')}_name"].strip()
        if any(record.name == name for record in records(data).values()):
            raise Refused(409, f"{what.capitalize()} names are unique: {name!r} is taken.")
        record = data.add(records(data), name, f"{stem.replace('-', '_')}_id")
        return json_reply({"id": record.id}, 201)

    @_endpoint(f"create-{stem}-version")
    async def create_version(call: Call, data: OrganizationData) -> Reply:
        record = named(call, data, live=True)
        number = next_version(call, record.versions, refusal=409)
        fields = build(call, data, record)
        if fields is None:
            return json_reply(None, 201)
        version = data.add_version(record, fields, call.user_id or "")
        answer = {"id": version["id"], "version": number, "created_at": version["created_at"]}
        return json_reply(answer, 201)

    @_endpoint(f"delete-{stem}")
    async def delete(call: Call, data: OrganizationData) -> Reply:
        record = named(call, data)
        if record.deprecated:
            raise Refused(409, f"The specified {what} is already deleted")
        if record.in_use:
            raise Refused(400, f"An active service exists that utilizes this {what}.")
        record.deprecated = True
        return json_reply(None)

    @_endpoint(f"get-{stem}-versions")
    async def get_versions(call: Call, data: OrganizationData) -> Reply:
        versions = selected_versions(call, named(call, data).versions)
        served = [with_organization(v, call.state.organization) for v in versions]
        return listing(call, f"get-{stem}-versions", served)


def _agent_version(call: Call, data: OrganizationData, agent: Versioned) -> dict[str, Any]:
    """The fields sent, the others kept from the latest version: a first one needs them all."""
    body = call.json()
    previous = agent.versions[-1] if agent.versions else {}
    fields = {
        name: body[name] if body.get(name) is not None else previous.get(name)
        for name in _AGENT_VERSION_FIELDS
    }
    missing = [n for n, v in fields.items() if v is None and n != "voice_config"]
    if missing:
        raise Refused(400, f"The initial version needs every field; missing: {', '.join(missing)}.")
    return fields


def _state_machine_version(
    call: Call, data: OrganizationData, machine: Versioned
) -> dict[str, Any] | None:
    """The version sent, its graph checked; None for a dry run."""
    body: dict[str, Any] = call.json()
    _check_graph(body, data)
    return None if call.query_bool("dry_run") else body


def _check_graph(body: dict[str, Any], data: OrganizationData) -> None:
    """What neither the schema nor the pass says: transitions to known states and references."""
    states = body["states"]
    names = [state["name"] for state in states]
    for index, state in enumerate(states):
        targets = [c["next_state"] for c in state.get("exit_conditions", [])]
        targets += [state["next_state"]] if "next_state" in state else []
        for target in targets:
            internal = isinstance(target, str)
            if internal and target not in names:
                raise Unprocessable(("body", "states", str(index)), f"unknown state {target!r}")
            if not internal and target[0].split(".")[0] not in body["references"]:
                raise Unprocessable(
                    ("body", "states", str(index)), f"unknown reference {target[0]!r}"
                )
    for name, (machine_id, version) in body["references"].items():
        machine = data.state_machines.get(machine_id)
        if machine is None or machine.deprecated or version > len(machine.versions):
            raise Refused(
                400,
                f"Reference {name!r} depends on a state machine that either doesn't exist "
                "or is deprecated.",
            )


_register_versioned("agent", "agent", lambda data: data.agents, _agent_version)
_register_versioned(
    "service-hierarchical-state-machine",
    "state machine",
    lambda data: data.state_machines,
    _state_machine_version,
)


# -- API keys -----------------------------------------------------------------------


@_endpoint("get-api-keys")
async def get_api_keys(call: Call, data: OrganizationData) -> Reply:
    keys = [with_organization(key, call.state.organization) for key in data.api_keys.values()]
    return json_reply({"api_keys": keys})


@_endpoint("create-api-key")
async def create_api_key(call: Call, data: OrganizationData) -> Reply:
    body = {"name": None, "role_name": "DefaultAdministratorRole", **call.json()}
    duration = parse_iso_duration(body["duration"])
    role = call.state.roles.roles.records.get(body["role_name"])
    if role is None:
        raise Refused(404, "The specified organization or role does not exist.")
    if len(data.api_keys) >= MAX_API_KEYS:
        raise Refused(400, "The organization has reached the maximum API key limit.")
    user = call.user_id or ""
    entry = data.add_api_key(body["name"], duration, role["id"], user)
    secret = "amigo-key-" + "".join(f"{data.rng.getrandbits(8):02x}" for _ in range(24))
    call.server.add_api_key(entry["key_id"], secret, {user})  # the new key can sign in
    return json_reply(
        {"api_key_id": entry["key_id"], "api_key": secret, "expires_at": entry["expires_at"]}, 201
    )


@_endpoint("delete-api-key")
async def delete_api_key(call: Call, data: OrganizationData) -> Reply:
    key_id = call.path("api_key_id")
    if data.api_keys.pop(key_id, None) is None:
        raise Refused(404, "The specified organization or the API key does not exist.")
    call.server.remove_api_key(key_id)
    return json_reply({"deleted_key_id": key_id})
