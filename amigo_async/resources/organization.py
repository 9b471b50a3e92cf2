"""Organization endpoints: the organization, agents, state machines, API keys, user dimensions.

Every method is keyed to one operationId (named first in its docstring) and checks
its input before anything is sent, so a bad id, an over-cap limit or a misspelt
state name never spends a rate-limit token. The four lists come back as
`AsyncPager`s; their documented caps, defaults and first tokens are in the
operations table (`amigo_async._spec`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .._checks import (
    check_count,
    check_duration,
    check_header_value,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_optional_bool,
    check_pattern,
    check_str_list,
)
from .._pagination import AsyncPager
from ..models import unstructure
from ..models.organization import (
    DEFAULT_API_KEY_ROLE,
    RESULT_PERSISTENCE_VALUES,
    ActionState,
    Agent,
    AgentIdentity,
    AgentList,
    AgentVersion,
    AgentVersionList,
    AnnotationState,
    ApiKey,
    ApiKeyList,
    Created,
    CreatedApiKey,
    CreatedOrganization,
    DecisionState,
    DeletedApiKey,
    ExitCondition,
    NewAgent,
    NewAgentVersion,
    NewApiKey,
    NewOrganization,
    NewStateMachine,
    NewStateMachineVersion,
    NextState,
    Organization,
    OrganizationUpdate,
    RecallState,
    ReflectionState,
    State,
    StateMachine,
    StateMachineList,
    StateMachineVersion,
    StateMachineVersionList,
    ToolCallSpec,
    ToolCallState,
    UnknownState,
    UserDimension,
    UserDimensionList,
    UserPreferences,
    VersionCreated,
    VoiceConfig,
)
from ._base import Resource
from ._listing import VERSION_SELECTOR_PATTERN, versions_pager

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = [
    "API_KEY_DURATION",
    "AZURE_DEVOPS_TEAM_PATTERN",
    "EXTERNAL_STATE_NAME_PATTERN",
    "STATE_NAME_PATTERN",
    "VERSION_SELECTOR_PATTERN",
    "OrganizationResource",
]

STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
"""State names and reference names of a service hierarchical state machine."""

EXTERNAL_STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")
"""``reference.state``: a state of a referenced machine, first half of a `NextState` pair."""

AZURE_DEVOPS_TEAM_PATTERN = re.compile(r"^[a-z-]+$")
_AZURE_DEVOPS_TEAM_MAX = 20

API_KEY_DURATION = (timedelta(days=1), timedelta(days=90))
"""create-api-key: the documented bounds of a key's lifetime."""

_NAME_MAX = 256  # agent and state machine names
_INITIALS_MAX = 3
_AUDIO_FILLERS_MAX = 5
_AUDIO_FILLER_AFTER_MAX = 10.0  # seconds; must also be > 0
_LANGUAGE = re.compile(r"^[a-z]{3}$")  # ISO 639-3

"""operationId -> the documented pagination facts of the organization lists."""


class OrganizationResource(Resource):
    """``client.organization``: the organization the client is bound to and what it owns."""

    def __init__(self, transport: Transport, mongo_cluster: str | None = None) -> None:
        super().__init__(transport)
        self._mongo_cluster = mongo_cluster

    # -- the organization -----------------------------------------------------

    async def get(self) -> Organization:
        """get-organization: names, descriptions and onboarding texts of the organization."""
        return await self._transport.request_json("get-organization", Organization)

    async def create(
        self, organization: NewOrganization, *, mongo_cluster: str | None = None
    ) -> CreatedOrganization:
        """create-organization: create the organization this client is bound to.

        Its id is the client's ``organization``; 409 if it exists already. The
        documents require the ``x-mongo-cluster-name`` header: give `mongo_cluster`
        here or ``mongo_cluster=`` to the client. The operation accepts only a
        Bearer token, so it is sent as one even by a client configured for Basic.
        """
        _check_new_organization(_require("organization", organization, NewOrganization))
        cluster = mongo_cluster if mongo_cluster is not None else self._mongo_cluster
        if cluster is None:
            raise ValueError(
                "create-organization requires the x-mongo-cluster-name header: "
                "pass mongo_cluster= to this call or to AmigoClient"
            )
        check_non_empty("mongo_cluster", check_header_value("mongo_cluster", cluster))
        return await self._transport.request_json(
            "create-organization",
            CreatedOrganization,
            json_body=unstructure(organization),
            headers={"x-mongo-cluster-name": cluster},
            bearer_only=True,
        )

    async def update(self, update: OrganizationUpdate) -> None:
        """modify-organization: change the fields of `update` that are not None."""
        _check_organization_update(_require("update", update, OrganizationUpdate))
        await self._transport.request_none("modify-organization", json_body=unstructure(update))

    async def delete(self) -> None:
        """delete-organization: delete the organization this client is bound to."""
        await self._transport.request_none("delete-organization")

    async def get_user_dimensions(self) -> list[UserDimension]:
        """get-user-dimensions: the user dimensions configured for the organization."""
        body = await self._transport.request_json("get-user-dimensions", UserDimensionList)
        return body.user_dimensions

    # -- agents ---------------------------------------------------------------

    def list_agents(
        self,
        *,
        deprecated: bool | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[Agent]:
        """get-agents: every agent, optionally only (non-)deprecated ones or the given ids.

        Pages hold `limit` agents (at most 20; the cap when left out).
        """
        params = {
            "deprecated": check_optional_bool("deprecated", deprecated),
            "id": _unique_ids("ids", ids),
        }
        return self._transport.paginate(
            "get-agents", AgentList, params, limit=limit, max_items=max_items
        )

    async def create_agent(self, name: str) -> Created:
        """create-agent: a new agent without versions; 409 if the name is taken."""
        body = NewAgent(_text("name", name, max_length=_NAME_MAX))
        return await self._transport.request_json(
            "create-agent", Created, json_body=unstructure(body)
        )

    async def create_agent_version(
        self, agent_id: str, agent_version: NewAgentVersion, *, version: int | None = None
    ) -> VersionCreated:
        """create-agent-version: a new version; fields left at None keep the latest version's.

        With `version`, the server refuses (409) unless it is the agent's next version
        number, which guards against two writers racing.
        """
        check_object_id("agent_id", agent_id)
        _check_new_agent_version(_require("agent_version", agent_version, NewAgentVersion))
        return await self._transport.request_json(
            "create-agent-version",
            VersionCreated,
            path_params={"agent_id": agent_id},
            params={"version": _positive_int("version", version)},
            json_body=unstructure(agent_version),
        )

    async def delete_agent(self, agent_id: str) -> None:
        """delete-agent: delete an agent; it stays listed as deprecated.

        400 while an active service uses it, 409 if it is deleted already.
        """
        check_object_id("agent_id", agent_id)
        await self._transport.request_none("delete-agent", path_params={"agent_id": agent_id})

    def list_agent_versions(
        self,
        agent_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[AgentVersion]:
        """get-agent-versions: an agent's versions.

        `version` picks one (``3``, ``"latest"``) or an inclusive range (``"2-5"``,
        ``"1-latest"``); `sort_by` takes ``"+version"`` or ``"-version"``. Pages hold at
        most 10.
        """
        check_object_id("agent_id", agent_id)
        return versions_pager(
            self._transport,
            "get-agent-versions",
            AgentVersionList,
            {"agent_id": agent_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    # -- service hierarchical state machines ----------------------------------

    def list_state_machines(
        self,
        *,
        deprecated: bool | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[StateMachine]:
        """get-service-hierarchical-state-machines: every state machine (pages of at most 50)."""
        params = {
            "deprecated": check_optional_bool("deprecated", deprecated),
            "id": _unique_ids("ids", ids),
        }
        return self._transport.paginate(
            "get-service-hierarchical-state-machines",
            StateMachineList,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def create_state_machine(self, name: str) -> Created:
        """create-service-hierarchical-state-machine: a new, empty state machine (409 if taken)."""
        body = NewStateMachine(_text("name", name, max_length=_NAME_MAX))
        return await self._transport.request_json(
            "create-service-hierarchical-state-machine", Created, json_body=unstructure(body)
        )

    async def create_state_machine_version(
        self,
        state_machine_id: str,
        state_machine_version: NewStateMachineVersion,
        *,
        version: int | None = None,
        dry_run: bool = False,
    ) -> VersionCreated | None:
        """create-service-hierarchical-state-machine-version: a new, complete version.

        With `dry_run` the server only validates it and nothing is stored (the answer is
        None). With `version`, the server refuses (409) unless it is the next version.
        """
        operation_id = "create-service-hierarchical-state-machine-version"
        check_object_id("state_machine_id", state_machine_id)
        _check_new_state_machine_version(
            _require("state_machine_version", state_machine_version, NewStateMachineVersion)
        )
        if not isinstance(dry_run, bool):
            raise TypeError(f"dry_run must be True or False, not {type(dry_run).__name__}")
        return await self._transport.request_optional_json(
            operation_id,
            VersionCreated,
            path_params={"service_hierarchical_state_machine_id": state_machine_id},
            params={"version": _positive_int("version", version), "dry_run": dry_run or None},
            json_body=unstructure(state_machine_version),
        )

    async def delete_state_machine(self, state_machine_id: str) -> None:
        """delete-service-hierarchical-state-machine: delete it; it stays listed as deprecated.

        400 while an active service uses it, 409 if it is deleted already.
        """
        check_object_id("state_machine_id", state_machine_id)
        await self._transport.request_none(
            "delete-service-hierarchical-state-machine",
            path_params={"state_machine_id": state_machine_id},
        )

    def list_state_machine_versions(
        self,
        state_machine_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[StateMachineVersion]:
        """get-service-hierarchical-state-machine-versions: a state machine's versions.

        `version` and `sort_by` as in `list_agent_versions`; pages hold at most 10.
        """
        check_object_id("state_machine_id", state_machine_id)
        return versions_pager(
            self._transport,
            "get-service-hierarchical-state-machine-versions",
            StateMachineVersionList,
            {"service_hierarchical_state_machine_id": state_machine_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    # -- API keys -------------------------------------------------------------

    async def list_api_keys(self) -> list[ApiKey]:
        """get-api-keys: the organization's API keys (metadata only, never the secrets)."""
        body = await self._transport.request_json("get-api-keys", ApiKeyList)
        return body.api_keys

    async def create_api_key(
        self,
        duration: timedelta | str,
        *,
        name: str | None = None,
        role_name: str = DEFAULT_API_KEY_ROLE,
    ) -> CreatedApiKey:
        """create-api-key: a key valid for `duration` (1 to 90 days; ISO 8601 or a timedelta).

        The answer holds the secret, shown only this once; its repr masks it. `role_name`
        caps what the key can authenticate as.
        """
        request = NewApiKey(
            duration=check_duration(
                "duration", duration, minimum=API_KEY_DURATION[0], maximum=API_KEY_DURATION[1]
            ),
            name=None if name is None else _text("name", name),
            role_name=_text("role_name", role_name),
        )
        return await self._transport.request_json(
            "create-api-key", CreatedApiKey, json_body=unstructure(request)
        )

    async def delete_api_key(self, api_key_id: str) -> DeletedApiKey:
        """delete-api-key: revoke a key by its `key_id`."""
        return await self._transport.request_json(
            "delete-api-key",
            DeletedApiKey,
            path_params={"api_key_id": _text("api_key_id", api_key_id)},
        )


# -- input checks -------------------------------------------------------------------


def _require(name: str, value: Any, cls: type[Any]) -> Any:
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__}, not {type(value).__name__}")
    return value


def _text(name: str, value: object, *, max_length: int | None = None) -> str:
    """A documented "stripped non-empty string", optionally bounded in length."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    check_non_empty(name, value)
    if max_length is not None and len(value.strip()) > max_length:
        raise ValueError(f"{name} must be at most {max_length} characters; got {len(value)}")
    return value


def _texts(
    name: str, values: Iterable[object] | None, *, min_items: int = 0, max_items: int | None = None
) -> None:
    items = check_str_list(name, values, min_items=min_items, max_items=max_items)
    for index, item in enumerate(items or ()):
        _text(f"{name}[{index}]", item)


def _positive_int(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1; got {value}")
    return value


def _unique_ids(name: str, values: Iterable[str] | None) -> list[str] | None:
    """Ids for an `id` filter; repeats are dropped (the server wants unique items)."""
    ids = check_object_ids(name, values)
    return None if ids is None else list(dict.fromkeys(ids))


def _check_user_dimensions(name: str, dimensions: object, *, min_items: int = 0) -> None:
    if not isinstance(dimensions, list | tuple):
        raise TypeError(f"{name} must be a list of UserDimension")
    check_count(name, dimensions, min_items=min_items)
    for index, dimension in enumerate(dimensions):
        where = f"{name}[{index}]"
        _require(where, dimension, UserDimension)
        _text(f"{where}.description", dimension.description)
        _texts(f"{where}.tags", dimension.tags)


def _check_preferences(name: str, preferences: UserPreferences | None) -> None:
    if preferences is None:
        return
    _require(name, preferences, UserPreferences)
    if preferences.preferred_language is not None:
        check_pattern(
            f"{name}.preferred_language",
            preferences.preferred_language,
            _LANGUAGE,
            "an ISO 639-3 code",
        )
    if preferences.timezone is not None:
        _text(f"{name}.timezone", preferences.timezone)
    check_str_list(f"{name}.audio_keyterms", preferences.audio_keyterms)


def _check_image(name: str, value: object) -> None:
    if not isinstance(value, bytes | bytearray):
        raise TypeError(f"{name} must be the image's bytes, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")


_IMAGES = ("logo", "square_logo", "favicon", "signup_page_headshot")


def _check_new_organization(organization: NewOrganization) -> None:
    for field in ("org_name", "title", "main_description", "sub_description"):
        _text(field, getattr(organization, field))
    for field in _IMAGES:
        _check_image(field, getattr(organization, field))
    _check_user_dimensions("user_dimensions", organization.user_dimensions)
    _texts("onboarding_instructions", organization.onboarding_instructions)
    team = _text(
        "azure_devops_team_name",
        organization.azure_devops_team_name,
        max_length=_AZURE_DEVOPS_TEAM_MAX,
    )
    check_pattern("azure_devops_team_name", team, AZURE_DEVOPS_TEAM_PATTERN)
    _check_preferences("default_user_preferences", organization.default_user_preferences)


def _check_organization_update(update: OrganizationUpdate) -> None:
    if update == OrganizationUpdate():
        raise ValueError("update must set at least one field (None means: leave unchanged)")
    for field in ("title", "main_description", "sub_description"):
        if getattr(update, field) is not None:
            _text(field, getattr(update, field))
    for field in _IMAGES:
        if getattr(update, field) is not None:
            _check_image(field, getattr(update, field))
    if update.user_dimensions is not None:
        _check_user_dimensions("user_dimensions", update.user_dimensions, min_items=1)
    if update.onboarding_instructions is not None:
        _texts("onboarding_instructions", update.onboarding_instructions)
    _check_preferences("default_user_preferences", update.default_user_preferences)


def _check_new_agent_version(agent_version: NewAgentVersion) -> None:
    if agent_version.initials is not None:
        _text("initials", agent_version.initials, max_length=_INITIALS_MAX)
    if agent_version.identity is not None:
        identity = _require("identity", agent_version.identity, AgentIdentity)
        for field in ("name", "role", "developed_by"):
            _text(f"identity.{field}", getattr(identity, field))
        check_pattern(
            "identity.default_spoken_language",
            identity.default_spoken_language,
            _LANGUAGE,
            "an ISO 639-3 code",
        )
        relationship = identity.relationship_to_developer
        for field in ("ownership", "type", "conversation_visibility", "thought_visibility"):
            _text(f"identity.relationship_to_developer.{field}", getattr(relationship, field))
    if agent_version.background is not None:
        _text("background", agent_version.background)
    if agent_version.behaviors is not None:
        _texts("behaviors", agent_version.behaviors)
    if agent_version.communication_patterns is not None:
        _texts("communication_patterns", agent_version.communication_patterns)
    if agent_version.voice_config is not None:
        voice = _require("voice_config", agent_version.voice_config, VoiceConfig)
        _text("voice_config.voice_id", voice.voice_id)


def _check_state_name(name: str, value: object) -> str:
    return check_pattern(name, value, STATE_NAME_PATTERN)


def _check_next_state(name: str, value: NextState) -> None:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} must be a state name or a (reference.state, state) pair")
        check_pattern(f"{name}[0]", value[0], EXTERNAL_STATE_NAME_PATTERN)
        _check_state_name(f"{name}[1]", value[1])
    else:
        _check_state_name(name, value)


def _check_audio(name: str, fillers: list[str], after: float) -> None:
    _texts(f"{name}audio_fillers", fillers, max_items=_AUDIO_FILLERS_MAX)
    _check_filler_delay(f"{name}audio_filler_triggered_after", after)


def _check_filler_delay(name: str, after: object) -> None:
    if isinstance(after, bool) or not isinstance(after, int | float):
        raise TypeError(f"{name} must be a number of seconds")
    if not 0 < after <= _AUDIO_FILLER_AFTER_MAX:
        raise ValueError(f"{name} must be in (0, {_AUDIO_FILLER_AFTER_MAX:g}] seconds; got {after}")


def _check_tool_call_specs(name: str, specs: Iterable[ToolCallSpec]) -> None:
    for index, spec in enumerate(specs):
        _check_tool_call_spec(f"{name}[{index}]", spec)


def _check_tool_call_spec(name: str, spec: ToolCallSpec) -> None:
    _require(name, spec, ToolCallSpec)
    check_object_id(f"{name}.tool_id", spec.tool_id)
    _text(f"{name}.version_constraint", spec.version_constraint)
    _text(f"{name}.additional_instruction", spec.additional_instruction)
    _check_audio(f"{name}.", spec.audio_fillers, spec.audio_filler_triggered_after)
    check_one_of(f"{name}.result_persistence", spec.result_persistence, RESULT_PERSISTENCE_VALUES)


def _check_exit_conditions(name: str, conditions: Iterable[ExitCondition]) -> None:
    for index, condition in enumerate(conditions):
        where = f"{name}[{index}]"
        _require(where, condition, ExitCondition)
        _text(f"{where}.description", condition.description)
        _check_next_state(f"{where}.next_state", condition.next_state)


def _check_state(name: str, state: State) -> None:
    if isinstance(state, UnknownState):
        return  # a newer state type, sent back as it was received
    _require(name, state, State)  # type: ignore[arg-type]
    _check_state_name(f"{name}.name", state.name)
    if isinstance(state, ActionState):
        _text(f"{name}.objective", state.objective)
        _texts(f"{name}.actions", state.actions, min_items=1)
        for field in (
            "intra_state_navigation_guidelines",
            "action_guidelines",
            "boundary_constraints",
        ):
            _texts(f"{name}.{field}", getattr(state, field))
        _check_exit_conditions(f"{name}.exit_conditions", state.exit_conditions)
        _check_tool_call_specs(f"{name}.action_tool_call_specs", state.action_tool_call_specs)
        _check_tool_call_specs(
            f"{name}.exit_condition_tool_call_specs", state.exit_condition_tool_call_specs
        )
    elif isinstance(state, DecisionState):
        _text(f"{name}.objective", state.objective)
        _texts(f"{name}.decision_guidelines", state.decision_guidelines)
        _check_exit_conditions(f"{name}.exit_conditions", state.exit_conditions)
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)
        _check_audio(f"{name}.", state.audio_fillers, state.audio_filler_triggered_after)
    elif isinstance(state, RecallState):
        if (state.queries is None) == (state.requested_information is None):
            raise ValueError(f"{name}: give exactly one of queries and requested_information")
        if state.queries is not None:
            _texts(f"{name}.queries", state.queries, min_items=1)
        if state.requested_information is not None:
            _text(f"{name}.requested_information", state.requested_information)
        _check_next_state(f"{name}.next_state", state.next_state)
    elif isinstance(state, AnnotationState):
        _text(f"{name}.inner_thought", state.inner_thought)
        _check_next_state(f"{name}.next_state", state.next_state)
    elif isinstance(state, ReflectionState):
        _text(f"{name}.problem", state.problem)
        if _positive_int(f"{name}.word_limit", state.word_limit) is None:
            raise ValueError(f"{name}.word_limit is required")
        _check_next_state(f"{name}.next_state", state.next_state)
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)
        _check_audio(f"{name}.", state.audio_fillers, state.audio_filler_triggered_after)
    elif isinstance(state, ToolCallState):
        _check_next_state(f"{name}.next_state", state.next_state)
        _check_tool_call_spec(f"{name}.designated_tool", state.designated_tool)
        _texts(
            f"{name}.designated_tool_call_params_generation_audio_fillers",
            state.designated_tool_call_params_generation_audio_fillers,
            max_items=_AUDIO_FILLERS_MAX,
        )
        _check_filler_delay(
            f"{name}.designated_tool_call_params_generation_audio_filler_triggered_after",
            state.designated_tool_call_params_generation_audio_filler_triggered_after,
        )
        _text(f"{name}.designated_tool_call_objective", state.designated_tool_call_objective)
        _text(f"{name}.designated_tool_call_context", state.designated_tool_call_context)
        _texts(f"{name}.designated_tool_call_guidances", state.designated_tool_call_guidances)
        _texts(f"{name}.designated_tool_call_validations", state.designated_tool_call_validations)
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)


def _check_new_state_machine_version(machine: NewStateMachineVersion) -> None:
    _text("description", machine.description)
    if not isinstance(machine.states, list | tuple):
        raise TypeError("states must be a list of states")
    check_count("states", machine.states, min_items=1)
    names: set[str] = set()
    for index, state in enumerate(machine.states):
        _check_state(f"states[{index}]", state)
        if state.name is not None and state.name in names:
            raise ValueError(f"states[{index}].name: {state.name!r} is used twice")
        if state.name is not None:
            names.add(state.name)
    actions = {s.name for s in machine.states if isinstance(s, ActionState)}
    for field in ("new_user_initial_state", "returning_user_initial_state", "terminal_state"):
        value = _check_state_name(field, getattr(machine, field))
        if value not in actions:
            raise ValueError(
                f"{field} must name one of this machine's action states; got {value!r}"
            )
    for reference, target in machine.references.items():
        _check_state_name(f"references key {reference!r}", reference)
        if not isinstance(target, tuple) or len(target) != 2:
            raise TypeError(f"references[{reference!r}] must be a (state machine id, version) pair")
        check_object_id(f"references[{reference!r}][0]", target[0])
        _positive_int(f"references[{reference!r}][1]", target[1])
    for field in (
        "global_intra_state_navigation_guidelines",
        "global_action_guidelines",
        "global_boundary_constraints",
    ):
        _texts(field, getattr(machine, field))
