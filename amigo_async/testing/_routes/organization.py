"""Organization endpoints of the fake server.

Strict like the real one: requests reach these handlers checked against the
documented schemas (`_request_checks`); here are the prose rules (image formats,
an API key's 1 to 90 days, a state machine's graph), unknown ids
answer 404, duplicates and version mismatches 409, and the documented 400s happen
(deleting an agent or state machine an active service uses, a first agent version
with fields missing, a reference to a missing or deprecated state machine, too
many API keys). After delete-organization every endpoint here answers 404 until
create-organization runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..._durations import parse_iso_duration
from .._app import Call, Reply, Unprocessable, json_reply
from .._crud import Refused, endpoint, listing, with_organization
from .._data._common import PREFERENCE_DEFAULTS
from .._data.organization import MAX_API_KEYS, OrganizationData, Versioned
from ._versions import next_version, selected_versions

# The validation pass has checked the schemas and the prose rules it holds (images, an API
# key's 1 to 90 days, a state machine's names and entry states) before a handler runs.

_OPTIONAL_AGENT_FIELDS = ("voice_config",)
_AGENT_VERSION_FIELDS = (
    "initials",
    "identity",
    "background",
    "behaviors",
    "communication_patterns",
    *_OPTIONAL_AGENT_FIELDS,
)


def _preferences(sent: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if sent is None else {**PREFERENCE_DEFAULTS, **sent}


# -- plumbing: 404 once the organization is deleted, refusals as replies -------------


Endpoint = Callable[[Call, OrganizationData], Awaitable[Reply]]


def _endpoint(
    operation_id: str, *, needs_organization: bool = True
) -> Callable[[Endpoint], Endpoint]:
    """`endpoint`, given the organization's data; 404 once the organization is deleted."""

    def register(function: Endpoint) -> Endpoint:
        @endpoint(operation_id)
        async def serve(call: Call) -> Reply:
            data = call.state.organization_data
            if needs_organization and not data.exists:
                raise Refused(404, "The specified organization does not exist.")
            return await function(call, data)

        return function

    return register


def _with_org(call: Call, record: dict[str, Any]) -> dict[str, Any]:
    return with_organization(record, call.state.organization)


def _filtered(call: Call, records: Mapping[str, Versioned]) -> list[dict[str, Any]]:
    """The `deprecated` and `id` filters of get-agents and get-...-state-machines."""
    deprecated = call.query_bool("deprecated")
    ids = call.query_all("id")
    return [
        record.summary()
        for record in records.values()
        if (deprecated is None or record.deprecated == deprecated) and (not ids or record.id in ids)
    ]


def _live(records: Mapping[str, Versioned], record_id: str, what: str) -> Versioned:
    record = records.get(record_id)
    if record is None:
        raise Refused(404, f"The specified organization or {what} does not exist.")
    return record


def _delete(records: Mapping[str, Versioned], record_id: str, what: str) -> Reply:
    record = _live(records, record_id, what)
    if record.deprecated:
        raise Refused(409, f"The specified {what} is already deleted")
    if record.in_use:
        raise Refused(400, f"An active service exists that utilizes this {what}.")
    record.deprecated = True
    return json_reply(None)


# -- the organization ---------------------------------------------------------------


@_endpoint("get-organization")
async def get_organization(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"org_id": call.state.organization, **data.profile})


@_endpoint("create-organization", needs_organization=False)
async def create_organization(call: Call, data: OrganizationData) -> Reply:
    body = call.json()
    if data.exists:
        raise Refused(409, "Conflicts with existing organization with the same org_id.")
    data.exists = True
    data.user_dimensions = body["user_dimensions"]
    data.profile = {
        "org_name": body["org_name"],
        "title": body["title"],
        "main_description": body["main_description"],
        "sub_description": body["sub_description"],
        "onboarding_instructions": body["onboarding_instructions"],
        "default_user_preferences": _preferences(body.get("default_user_preferences")),
        "tenant_id": f"tenant-{call.state.organization}",
    }
    return json_reply({"org_id": call.state.organization}, 201)


@_endpoint("modify-organization")
async def modify_organization(call: Call, data: OrganizationData) -> Reply:
    body = call.json()
    for name, value in body.items():
        if value is None:
            continue
        if name == "default_user_preferences":
            data.profile[name] = _preferences(value)
        elif name == "user_dimensions":
            data.user_dimensions = value
        elif name in data.profile:
            data.profile[name] = value
    return Reply(204)


@_endpoint("delete-organization")
async def delete_organization(call: Call, data: OrganizationData) -> Reply:
    data.exists = False
    return Reply(204)


@_endpoint("get-user-dimensions")
async def get_user_dimensions(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"user_dimensions": data.user_dimensions})


# -- agents -------------------------------------------------------------------------


@_endpoint("get-agents")
async def get_agents(call: Call, data: OrganizationData) -> Reply:
    return listing(call, "get-agents", _filtered(call, data.agents))


@_endpoint("create-agent")
async def create_agent(call: Call, data: OrganizationData) -> Reply:
    name = call.json()["agent_name"].strip()
    if any(agent.name == name for agent in data.agents.values()):
        raise Refused(409, "An Agent with the same name already exists.")
    agent = Versioned(data.new_id(), name)
    data.agents[agent.id] = agent
    return json_reply({"id": agent.id}, 201)


@_endpoint("create-agent-version")
async def create_agent_version(call: Call, data: OrganizationData) -> Reply:
    agent_id = call.path("agent_id")
    body = call.json()
    agent = _live(data.agents, agent_id, "agent")
    if agent.deprecated:
        raise Refused(404, "The specified organization or agent does not exist.")
    number = next_version(call, agent.versions, refusal=409)
    previous = agent.versions[-1] if agent.versions else {}
    fields = {
        name: body[name] if body.get(name) is not None else previous.get(name)
        for name in _AGENT_VERSION_FIELDS
    }
    missing = [n for n, v in fields.items() if v is None and n not in _OPTIONAL_AGENT_FIELDS]
    if missing:
        raise Refused(400, f"The initial version needs every field; missing: {', '.join(missing)}.")
    user = call.user_id or ""
    version = data.agent_version(agent.id, number, fields, user)
    agent.versions.append(version)
    return json_reply(
        {"id": version["id"], "version": number, "created_at": version["created_at"]}, 201
    )


@_endpoint("delete-agent")
async def delete_agent(call: Call, data: OrganizationData) -> Reply:
    return _delete(data.agents, call.path("agent_id"), "agent")


@_endpoint("get-agent-versions")
async def get_agent_versions(call: Call, data: OrganizationData) -> Reply:
    agent = _live(data.agents, call.path("agent_id"), "agent")
    versions = [_with_org(call, v) for v in selected_versions(call, agent.versions)]
    return listing(call, "get-agent-versions", versions)


# -- service hierarchical state machines --------------------------------------------

_MACHINES = "get-service-hierarchical-state-machines"
_MACHINE_VERSIONS = "get-service-hierarchical-state-machine-versions"


@_endpoint(_MACHINES)
async def get_state_machines(call: Call, data: OrganizationData) -> Reply:
    machines = _filtered(call, data.state_machines)
    return listing(call, _MACHINES, machines)


@_endpoint("create-service-hierarchical-state-machine")
async def create_state_machine(call: Call, data: OrganizationData) -> Reply:
    name = call.json()["state_machine_name"].strip()
    if any(machine.name == name for machine in data.state_machines.values()):
        raise Refused(409, "A state machine with the same name already exists.")
    machine = Versioned(data.new_id(), name)
    data.state_machines[machine.id] = machine
    return json_reply({"id": machine.id}, 201)


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


@_endpoint("create-service-hierarchical-state-machine-version")
async def create_state_machine_version(call: Call, data: OrganizationData) -> Reply:
    machine_id = call.path("service_hierarchical_state_machine_id")
    dry_run = call.query_bool("dry_run") or False
    body = call.json()
    machine = _live(data.state_machines, machine_id, "state machine")
    if machine.deprecated:
        raise Refused(404, "The specified organization, state machine, or tool does not exist.")
    number = next_version(call, machine.versions, refusal=409)
    _check_graph(body, data)
    if dry_run:
        return json_reply(None, 201)
    version = data.state_machine_version(machine.id, number, body, call.user_id or "")
    machine.versions.append(version)
    return json_reply(
        {"id": version["id"], "version": number, "created_at": version["created_at"]}, 201
    )


@_endpoint("delete-service-hierarchical-state-machine")
async def delete_state_machine(call: Call, data: OrganizationData) -> Reply:
    return _delete(data.state_machines, call.path("state_machine_id"), "state machine")


@_endpoint(_MACHINE_VERSIONS)
async def get_state_machine_versions(call: Call, data: OrganizationData) -> Reply:
    machine_id = call.path("service_hierarchical_state_machine_id")
    machine = _live(data.state_machines, machine_id, "state machine")
    versions = [_with_org(call, v) for v in selected_versions(call, machine.versions)]
    return listing(call, _MACHINE_VERSIONS, versions)


# -- API keys -----------------------------------------------------------------------


@_endpoint("get-api-keys")
async def get_api_keys(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"api_keys": [_with_org(call, key) for key in data.api_keys.values()]})


@_endpoint("create-api-key")
async def create_api_key(call: Call, data: OrganizationData) -> Reply:
    body = {"name": None, "role_name": "DefaultAdministratorRole", **call.json()}
    duration = parse_iso_duration(body["duration"])
    if body["role_name"] not in data.roles:
        raise Refused(404, "The specified organization or role does not exist.")
    if len(data.api_keys) >= MAX_API_KEYS:
        raise Refused(400, "The organization has reached the maximum API key limit.")
    user = call.user_id or ""
    entry = data.add_api_key(body["name"], duration, body["role_name"], user)
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
