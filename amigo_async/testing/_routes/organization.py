"""Organization endpoints of the fake server.

Strict like the real one: bodies are checked against the documented schemas
(missing, extra or malformed fields answer 422 with FastAPI's shape), unknown ids
answer 404, duplicates and version mismatches 409, and the documented 400s happen
(deleting an agent or state machine an active service uses, a first agent version
with fields missing, a reference to a missing or deprecated state machine, too
many API keys). After delete-organization every endpoint here answers 404 until
create-organization runs again.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from ..._checks import OBJECT_ID_PATTERN, parse_iso_duration
from ...models.organization import RESULT_PERSISTENCE_VALUES
from ...resources.organization import (
    API_KEY_DURATION,
    AZURE_DEVOPS_TEAM_PATTERN,
    EXTERNAL_STATE_NAME_PATTERN,
    STATE_NAME_PATTERN,
)
from .._app import (
    Call,
    Reply,
    Unprocessable,
    error_reply,
    handler,
    json_reply,
    lax_int,
    paginate,
    paging_of,
)
from .._data.organization import MAX_API_KEYS, OrganizationData, Versioned
from ._versions import selected_versions

# -- a small schema checker: what FastAPI and pydantic would refuse with 422 ------------

Loc = tuple[str | int, ...]
Check = Callable[[Any, Loc], Any]


def _fail(loc: Loc, message: str) -> Unprocessable:
    return Unprocessable(tuple(str(part) for part in ("body", *loc)), message)


def _string(value: Any, loc: Loc) -> str:
    if not isinstance(value, str):
        raise _fail(loc, "str type expected")
    return value


def _text(max_length: int | None = None) -> Check:
    """A stripped non-empty string."""

    def check(value: Any, loc: Loc) -> str:
        text = _string(value, loc).strip()
        if not text:
            raise _fail(loc, "ensure this value has at least 1 characters")
        if max_length is not None and len(text) > max_length:
            raise _fail(loc, f"ensure this value has at most {max_length} characters")
        return text

    return check


def _pattern(pattern: re.Pattern[str], max_length: int | None = None) -> Check:
    def check(value: Any, loc: Loc) -> str:
        text: str = _text(max_length)(value, loc)
        if not pattern.fullmatch(text):
            raise _fail(loc, f"string does not match {pattern.pattern}")
        return text

    return check


def _boolean(value: Any, loc: Loc) -> bool:
    if not isinstance(value, bool):
        raise _fail(loc, "value is not a valid boolean")
    return value


def _integer(minimum: int) -> Check:
    def check(value: Any, loc: Loc) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(loc, "value is not a valid integer")
        if value < minimum:
            raise _fail(loc, f"ensure this value is >= {minimum}")
        return value

    return check


def _seconds(value: Any, loc: Loc) -> float:
    """An audio filler delay: greater than 0, at most 10."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(loc, "value is not a valid number")
    if not 0 < value <= 10:
        raise _fail(loc, "ensure this value is > 0 and <= 10")
    return float(value)


def _one_of(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, loc: Loc) -> str:
        if value not in allowed:
            raise _fail(loc, f"unexpected value; permitted: {', '.join(allowed)}")
        return str(value)

    return check


def _image(magic: bytes) -> Check:
    """Base64 of an image whose first bytes are `magic` (PNG, or ICO for the favicon)."""

    def check(value: Any, loc: Loc) -> str:
        try:
            raw = base64.b64decode(_string(value, loc), validate=True)
        except binascii.Error:
            raise _fail(loc, "invalid base64") from None
        if not raw.startswith(magic):
            raise _fail(loc, "not an image of the documented format")
        return str(value)

    return check


_PNG = _image(b"\x89PNG\r\n\x1a\n")
_ICO = _image(b"\x00\x00\x01\x00")


def _nullable(check: Check) -> Check:
    def nullable(value: Any, loc: Loc) -> Any:
        return None if value is None else check(value, loc)

    return nullable


def _list(check: Check, *, min_items: int = 0, max_items: int | None = None) -> Check:
    def check_list(value: Any, loc: Loc) -> list[Any]:
        if not isinstance(value, list):
            raise _fail(loc, "value is not a valid list")
        if len(value) < min_items:
            raise _fail(loc, f"ensure this value has at least {min_items} items")
        if max_items is not None and len(value) > max_items:
            raise _fail(loc, f"ensure this value has at most {max_items} items")
        return [check(item, (*loc, index)) for index, item in enumerate(value)]

    return check_list


def _pair(first: Check, second: Check) -> Check:
    def check(value: Any, loc: Loc) -> list[Any]:
        if not isinstance(value, list) or len(value) != 2:
            raise _fail(loc, "expected a list of 2 items")
        return [first(value[0], (*loc, 0)), second(value[1], (*loc, 1))]

    return check


_REQUIRED = object()


def _object(fields: Mapping[str, Check], optional: Mapping[str, Any] | None = None) -> Check:
    """An object with `fields` (all required) and `optional` fields (name -> default).

    Unknown fields are ignored, as everywhere in the fake: the snapshot's schemas
    do not forbid extras.
    """
    optional = optional or {}

    def check(value: Any, loc: Loc) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail(loc, "value is not a valid dict")
        result: dict[str, Any] = {}
        for name, field in fields.items():
            if name in value:
                result[name] = field(value[name], (*loc, name))
            elif name in optional:
                result[name] = optional[name]
            else:
                raise _fail((*loc, name), "field required")
        return result

    return check


def _tagged(tag: str, variants: Mapping[str, Check]) -> Check:
    def check(value: Any, loc: Loc) -> Any:
        if not isinstance(value, dict):
            raise _fail(loc, "value is not a valid dict")
        variant = variants.get(str(value.get(tag)))
        if variant is None:
            raise _fail((*loc, tag), f"no match for discriminator {value.get(tag)!r}")
        return variant(value, loc)

    return check


def _either(first: Check, second: Check) -> Check:
    def check(value: Any, loc: Loc) -> Any:
        try:
            return first(value, loc)
        except Unprocessable:
            return second(value, loc)

    return check


def _duration(value: Any, loc: Loc) -> timedelta:
    try:
        duration = parse_iso_duration(_string(value, loc))
    except ValueError:
        raise _fail(loc, "invalid duration format") from None
    if not API_KEY_DURATION[0] <= duration <= API_KEY_DURATION[1]:
        raise _fail(loc, "the duration must be between 1 and 90 days")
    return duration


# -- the documented bodies ----------------------------------------------------------

_LANGUAGE = _pattern(re.compile(r"^[a-z]{3}$"))
_STATE = _pattern(STATE_NAME_PATTERN)
_NEXT_STATE = _either(_STATE, _pair(_pattern(EXTERNAL_STATE_NAME_PATTERN), _STATE))
_TEXTS = _list(_text())
_FILLERS = _list(_text(), max_items=5)

_PREFERENCES = _object(
    {
        "enable_response_recommendation": _boolean,
        "preferred_language": _nullable(_LANGUAGE),
        "conversations_visible_to_admins": _boolean,
        "user_model_visible_to_admins": _boolean,
        "timezone": _nullable(_text()),
        "audio_keyterms": _list(_string),
    },
    {
        "enable_response_recommendation": False,
        "preferred_language": None,
        "conversations_visible_to_admins": True,
        "user_model_visible_to_admins": True,
        "timezone": None,
        "audio_keyterms": [],
    },
)
_USER_DIMENSION = _object({"description": _text(), "tags": _TEXTS})

_NEW_ORGANIZATION = _object(
    {
        "org_name": _text(),
        "title": _text(),
        "main_description": _text(),
        "sub_description": _text(),
        "user_dimensions": _list(_USER_DIMENSION),
        "logo": _PNG,
        "square_logo": _PNG,
        "favicon": _ICO,
        "signup_page_headshot": _PNG,
        "default_user_preferences": _PREFERENCES,
        "onboarding_instructions": _TEXTS,
        "azure_devops_team_name": _pattern(AZURE_DEVOPS_TEAM_PATTERN, 20),
    },
    {"default_user_preferences": None},
)
_ORGANIZATION_UPDATE_FIELDS: dict[str, Check] = {
    "title": _text(),
    "main_description": _text(),
    "sub_description": _text(),
    "logo": _PNG,
    "square_logo": _PNG,
    "favicon": _ICO,
    "signup_page_headshot": _PNG,
    "user_dimensions": _list(_USER_DIMENSION, min_items=1),
    "default_user_preferences": _PREFERENCES,
    "onboarding_instructions": _TEXTS,
}
_ORGANIZATION_UPDATE = _object(
    {name: _nullable(check) for name, check in _ORGANIZATION_UPDATE_FIELDS.items()},
    dict.fromkeys(_ORGANIZATION_UPDATE_FIELDS),
)

_NEW_AGENT = _object({"agent_name": _text(256)})
_IDENTITY = _object(
    {
        "name": _text(),
        "role": _text(),
        "developed_by": _text(),
        "default_spoken_language": _LANGUAGE,
        "relationship_to_developer": _object(
            {
                "ownership": _text(),
                "type": _text(),
                "conversation_visibility": _text(),
                "thought_visibility": _text(),
            }
        ),
    }
)
_AGENT_VERSION_FIELDS: dict[str, Check] = {
    "initials": _text(3),
    "identity": _IDENTITY,
    "background": _text(),
    "behaviors": _TEXTS,
    "communication_patterns": _TEXTS,
    "voice_config": _object({"voice_id": _text()}),
}
_NEW_AGENT_VERSION = _object(
    {name: _nullable(check) for name, check in _AGENT_VERSION_FIELDS.items()},
    dict.fromkeys(_AGENT_VERSION_FIELDS),
)

_NEW_STATE_MACHINE = _object({"state_machine_name": _text(256)})
_TOOL_CALL_SPEC = _object(
    {
        "tool_id": _pattern(OBJECT_ID_PATTERN),
        "version_constraint": _string,
        "additional_instruction": _text(),
        "audio_fillers": _FILLERS,
        "audio_filler_triggered_after": _seconds,
        "result_persistence": _one_of(RESULT_PERSISTENCE_VALUES),
    }
)
_SPECS = _list(_TOOL_CALL_SPEC)
_EXIT_CONDITIONS = _list(_object({"description": _text(), "next_state": _NEXT_STATE}))
_STATES = _tagged(
    "type",
    {
        "action": _object(
            {
                "type": _string,
                "name": _STATE,
                "objective": _text(),
                "actions": _list(_text(), min_items=1),
                "intra_state_navigation_guidelines": _TEXTS,
                "action_guidelines": _TEXTS,
                "boundary_constraints": _TEXTS,
                "exit_conditions": _EXIT_CONDITIONS,
                "action_tool_call_specs": _SPECS,
                "exit_condition_tool_call_specs": _SPECS,
                "skip_active_memory_retrieval": _boolean,
            }
        ),
        "decision": _object(
            {
                "type": _string,
                "name": _STATE,
                "exit_conditions": _EXIT_CONDITIONS,
                "decision_guidelines": _TEXTS,
                "objective": _text(),
                "tool_call_specs": _SPECS,
                "audio_fillers": _FILLERS,
                "audio_filler_triggered_after": _seconds,
            }
        ),
        "recall": _object(
            {
                "type": _string,
                "name": _STATE,
                "queries": _nullable(_list(_string, min_items=1)),
                "requested_information": _nullable(_text()),
                "next_state": _NEXT_STATE,
            }
        ),
        "annotation": _object(
            {"type": _string, "name": _STATE, "inner_thought": _text(), "next_state": _NEXT_STATE}
        ),
        "reflection": _object(
            {
                "type": _string,
                "name": _STATE,
                "problem": _text(),
                "word_limit": _integer(1),
                "next_state": _NEXT_STATE,
                "tool_call_specs": _SPECS,
                "audio_fillers": _FILLERS,
                "audio_filler_triggered_after": _seconds,
            }
        ),
        "tool-call": _object(
            {
                "type": _string,
                "name": _STATE,
                "next_state": _NEXT_STATE,
                "designated_tool": _TOOL_CALL_SPEC,
                "designated_tool_call_params_generation_audio_fillers": _FILLERS,
                "designated_tool_call_params_generation_audio_filler_triggered_after": _seconds,
                "designated_tool_call_objective": _text(),
                "designated_tool_call_context": _text(),
                "designated_tool_call_guidances": _TEXTS,
                "designated_tool_call_validations": _TEXTS,
                "tool_call_specs": _SPECS,
            }
        ),
    },
)


def _references(value: Any, loc: Loc) -> dict[str, list[Any]]:
    if not isinstance(value, dict):
        raise _fail(loc, "value is not a valid dict")
    pair = _pair(_pattern(OBJECT_ID_PATTERN), _integer(1))
    return {
        _STATE(name, (*loc, name)): pair(target, (*loc, name)) for name, target in value.items()
    }


_NEW_STATE_MACHINE_VERSION = _object(
    {
        "description": _text(),
        "states": _list(_STATES, min_items=1),
        "new_user_initial_state": _STATE,
        "returning_user_initial_state": _STATE,
        "terminal_state": _STATE,
        "references": _references,
        "global_intra_state_navigation_guidelines": _TEXTS,
        "global_action_guidelines": _TEXTS,
        "global_boundary_constraints": _TEXTS,
    }
)

_NEW_API_KEY = _object(
    {"name": _nullable(_text()), "duration": _duration, "role_name": _string},
    {"role_name": "DefaultAdministratorRole"},
)


def _body(call: Call, check: Check) -> Any:
    return check(call.json(), ())


# -- plumbing: 404 once the organization is deleted, refusals as replies -------------


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


Endpoint = Callable[[Call, OrganizationData], Awaitable[Reply]]


def _endpoint(
    operation_id: str, *, needs_organization: bool = True
) -> Callable[[Endpoint], Endpoint]:
    def register(function: Endpoint) -> Endpoint:
        async def serve(call: Call) -> Reply:
            data = call.state.organization_data
            try:
                if needs_organization and not data.exists:
                    raise _Refused(404, "The specified organization does not exist.")
                return await function(call, data)
            except _Refused as refused:
                return error_reply(refused.status, refused.detail)

        handler(operation_id)(serve)
        return function

    return register


def _with_org(call: Call, record: dict[str, Any]) -> dict[str, Any]:
    """A stored record as sent: the organization id on it and on its creator."""
    org = call.state.organization
    rendered = {**record, "org_id": org}
    if "creator" in record:
        rendered["creator"] = {**record["creator"], "org_id": org}
    return rendered


def _listing(call: Call, operation_id: str, items: list[Any], key: str) -> Reply:
    listing = paging_of(operation_id)
    page, has_more, token = paginate(
        call,
        items,
        default_limit=listing.default_limit,
        max_limit=listing.cap,
        first_token=listing.first_token,
    )
    return json_reply({key: page, "has_more": has_more, "continuation_token": token})


def _filtered(call: Call, records: Mapping[str, Versioned]) -> list[dict[str, Any]]:
    """The `deprecated` and `id` filters of get-agents and get-...-state-machines."""
    deprecated = call.query_bool("deprecated")
    ids = call.query_all("id")
    for index, value in enumerate(ids):
        if not OBJECT_ID_PATTERN.match(value):
            raise Unprocessable(("query", "id", str(index)), "string does not match ^[a-f0-9]{24}$")
    if len(set(ids)) != len(ids):
        raise Unprocessable(("query", "id"), "the list has duplicated items")
    return [
        record.summary()
        for record in records.values()
        if (deprecated is None or record.deprecated == deprecated) and (not ids or record.id in ids)
    ]


def _selected_versions(call: Call, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `version` selector and `sort_by` of the two versions lists."""
    chosen = selected_versions(call, versions)
    for entry in call.query_all("sort_by"):
        if entry.lstrip("+-") != "version" or len(entry) - len(entry.lstrip("+-")) > 1:
            raise Unprocessable(("query", "sort_by"), f"unsupported sort field {entry!r}")
    order = call.query_all("sort_by")
    if order and order[0].startswith("-"):
        chosen = sorted(chosen, key=lambda v: v["version"], reverse=True)
    return chosen


def _expected_version(call: Call, record: Versioned) -> int:
    """The next version number; 409 if the `version` query names another one."""
    following = len(record.versions) + 1
    asked = call.query("version")
    if asked is not None:
        try:
            number = lax_int(asked)
        except ValueError:
            raise Unprocessable(("query", "version"), "value is not a valid integer") from None
        if number < 1:
            raise Unprocessable(("query", "version"), "ensure this value is greater than 0")
        if number != following:
            raise _Refused(409, "The specified version is not the expected next version.")
    return following


def _live(records: Mapping[str, Versioned], record_id: str, what: str) -> Versioned:
    record = records.get(record_id)
    if record is None:
        raise _Refused(404, f"The specified organization or {what} does not exist.")
    return record


def _delete(records: Mapping[str, Versioned], record_id: str, what: str) -> Reply:
    record = _live(records, record_id, what)
    if record.deprecated:
        raise _Refused(409, f"The specified {what} is already deleted")
    if record.in_use:
        raise _Refused(400, f"An active service exists that utilizes this {what}.")
    record.deprecated = True
    return json_reply(None)


# -- the organization ---------------------------------------------------------------


@_endpoint("get-organization")
async def get_organization(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"org_id": call.state.organization, **data.profile})


@_endpoint("create-organization", needs_organization=False)
async def create_organization(call: Call, data: OrganizationData) -> Reply:
    # The snapshot: Bearer only (its `security` lists no Basic), the cluster header required.
    if not call.request.headers.get("Authorization", "").lower().startswith("bearer "):
        raise _Refused(401, "Invalid authorization credentials.")
    if not call.request.headers.get("x-mongo-cluster-name", "").strip():
        raise Unprocessable(("header", "x-mongo-cluster-name"), "field required")
    body = _body(call, _NEW_ORGANIZATION)
    if data.exists:
        raise _Refused(409, "Conflicts with existing organization with the same org_id.")
    data.exists = True
    data.user_dimensions = body["user_dimensions"]
    data.profile = {
        "org_name": body["org_name"],
        "title": body["title"],
        "main_description": body["main_description"],
        "sub_description": body["sub_description"],
        "onboarding_instructions": body["onboarding_instructions"],
        "default_user_preferences": body["default_user_preferences"],
        "tenant_id": f"tenant-{call.state.organization}",
    }
    return json_reply({"org_id": call.state.organization}, 201)


@_endpoint("modify-organization")
async def modify_organization(call: Call, data: OrganizationData) -> Reply:
    body = _body(call, _ORGANIZATION_UPDATE)
    for name, value in body.items():
        if value is None:
            continue
        if name == "user_dimensions":
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
    return _listing(call, "get-agents", _filtered(call, data.agents), "agents")


@_endpoint("create-agent")
async def create_agent(call: Call, data: OrganizationData) -> Reply:
    name = _body(call, _NEW_AGENT)["agent_name"]
    if any(agent.name == name for agent in data.agents.values()):
        raise _Refused(409, "An Agent with the same name already exists.")
    agent = Versioned(data.new_id(), name)
    data.agents[agent.id] = agent
    return json_reply({"id": agent.id}, 201)


@_endpoint("create-agent-version")
async def create_agent_version(call: Call, data: OrganizationData) -> Reply:
    agent_id = call.object_id("agent_id")
    body = _body(call, _NEW_AGENT_VERSION)
    agent = _live(data.agents, agent_id, "agent")
    if agent.deprecated:
        raise _Refused(404, "The specified organization or agent does not exist.")
    number = _expected_version(call, agent)
    previous = agent.versions[-1] if agent.versions else {}
    fields = {
        name: body[name] if body[name] is not None else previous.get(name)
        for name in _AGENT_VERSION_FIELDS
    }
    missing = [name for name, value in fields.items() if value is None and name != "voice_config"]
    if missing:
        raise _Refused(
            400, f"The initial version needs every field; missing: {', '.join(missing)}."
        )
    user = call.user_id or ""
    version = data.agent_version(agent.id, number, fields, user)
    agent.versions.append(version)
    return json_reply(
        {"id": version["id"], "version": number, "created_at": version["created_at"]}, 201
    )


@_endpoint("delete-agent")
async def delete_agent(call: Call, data: OrganizationData) -> Reply:
    return _delete(data.agents, call.object_id("agent_id"), "agent")


@_endpoint("get-agent-versions")
async def get_agent_versions(call: Call, data: OrganizationData) -> Reply:
    agent = _live(data.agents, call.object_id("agent_id"), "agent")
    versions = [_with_org(call, v) for v in _selected_versions(call, agent.versions)]
    return _listing(call, "get-agent-versions", versions, "agent_versions")


# -- service hierarchical state machines --------------------------------------------

_MACHINES = "get-service-hierarchical-state-machines"
_MACHINE_VERSIONS = "get-service-hierarchical-state-machine-versions"


@_endpoint(_MACHINES)
async def get_state_machines(call: Call, data: OrganizationData) -> Reply:
    machines = _filtered(call, data.state_machines)
    return _listing(call, _MACHINES, machines, "service_hierarchical_state_machines")


@_endpoint("create-service-hierarchical-state-machine")
async def create_state_machine(call: Call, data: OrganizationData) -> Reply:
    name = _body(call, _NEW_STATE_MACHINE)["state_machine_name"]
    if any(machine.name == name for machine in data.state_machines.values()):
        raise _Refused(409, "A state machine with the same name already exists.")
    machine = Versioned(data.new_id(), name)
    data.state_machines[machine.id] = machine
    return json_reply({"id": machine.id}, 201)


def _check_graph(body: dict[str, Any], data: OrganizationData) -> None:
    """What the schema alone does not say: names, entry states and references."""
    states = body["states"]
    names = [state["name"] for state in states]
    if len(set(names)) != len(names):
        raise Unprocessable(("body", "states"), "state names must be unique")
    actions = {state["name"] for state in states if state["type"] == "action"}
    for field in ("new_user_initial_state", "returning_user_initial_state", "terminal_state"):
        if body[field] not in actions:
            raise Unprocessable(("body", field), "must be an internal action state")
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
            raise _Refused(
                400,
                f"Reference {name!r} depends on a state machine that either doesn't exist "
                "or is deprecated.",
            )


@_endpoint("create-service-hierarchical-state-machine-version")
async def create_state_machine_version(call: Call, data: OrganizationData) -> Reply:
    machine_id = call.object_id("service_hierarchical_state_machine_id")
    dry_run = call.query_bool("dry_run") or False
    body = _body(call, _NEW_STATE_MACHINE_VERSION)
    machine = _live(data.state_machines, machine_id, "state machine")
    if machine.deprecated:
        raise _Refused(404, "The specified organization, state machine, or tool does not exist.")
    number = _expected_version(call, machine)
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
    return _delete(data.state_machines, call.object_id("state_machine_id"), "state machine")


@_endpoint(_MACHINE_VERSIONS)
async def get_state_machine_versions(call: Call, data: OrganizationData) -> Reply:
    machine_id = call.object_id("service_hierarchical_state_machine_id")
    machine = _live(data.state_machines, machine_id, "state machine")
    versions = [_with_org(call, v) for v in _selected_versions(call, machine.versions)]
    return _listing(call, _MACHINE_VERSIONS, versions, "state_machine_versions")


# -- API keys -----------------------------------------------------------------------


@_endpoint("get-api-keys")
async def get_api_keys(call: Call, data: OrganizationData) -> Reply:
    return json_reply({"api_keys": [_with_org(call, key) for key in data.api_keys.values()]})


@_endpoint("create-api-key")
async def create_api_key(call: Call, data: OrganizationData) -> Reply:
    body = _body(call, _NEW_API_KEY)
    if body["role_name"] not in data.roles:
        raise _Refused(404, "The specified organization or role does not exist.")
    if len(data.api_keys) >= MAX_API_KEYS:
        raise _Refused(400, "The organization has reached the maximum API key limit.")
    user = call.user_id or ""
    entry = data.add_api_key(body["name"], body["duration"], body["role_name"], user)
    secret = "amigo-key-" + "".join(f"{data.rng.getrandbits(8):02x}" for _ in range(24))
    call.server.add_api_key(entry["key_id"], secret, {user})  # the new key can sign in
    return json_reply(
        {"api_key_id": entry["key_id"], "api_key": secret, "expires_at": entry["expires_at"]}, 201
    )


@_endpoint("delete-api-key")
async def delete_api_key(call: Call, data: OrganizationData) -> Reply:
    key_id = call.path("api_key_id")
    if data.api_keys.pop(key_id, None) is None:
        raise _Refused(404, "The specified organization or the API key does not exist.")
    call.server._api_keys.pop(key_id, None)
    return json_reply({"deleted_key_id": key_id})
