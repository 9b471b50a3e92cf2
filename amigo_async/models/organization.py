"""Organization models: the organization, agents, service hierarchical state machines, API keys.

Responses are read by the shared converter. Request bodies are the classes named
``New...`` and ``OrganizationUpdate``; for the "only updated if not null" bodies
(`OrganizationUpdate`, `NewAgentVersion`) a field left at None is not sent, so the
server keeps its current value.

A state machine's states are a union tagged by ``type``. A state of a type this
client does not know becomes an `UnknownState` that keeps the raw payload, so a
newer server never breaks a listing (and the state can be sent back unchanged).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Literal

import attrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._converter import converter
from ._unions import register_tagged_union

__all__ = [
    "DEFAULT_API_KEY_ROLE",
    "RESULT_PERSISTENCE_VALUES",
    "ActionState",
    "Agent",
    "AgentIdentity",
    "AgentList",
    "AgentVersion",
    "AgentVersionList",
    "AnnotationState",
    "ApiKey",
    "ApiKeyList",
    "Created",
    "CreatedApiKey",
    "CreatedOrganization",
    "Creator",
    "DecisionState",
    "DeletedApiKey",
    "ExitCondition",
    "NewAgent",
    "NewAgentVersion",
    "NewApiKey",
    "NewOrganization",
    "NewStateMachine",
    "NewStateMachineVersion",
    "NextState",
    "Organization",
    "OrganizationUpdate",
    "RecallState",
    "ReflectionState",
    "RelationshipToDeveloper",
    "State",
    "StateMachine",
    "StateMachineList",
    "StateMachineVersion",
    "StateMachineVersionList",
    "ToolCallSpec",
    "ToolCallState",
    "UnknownState",
    "UserDimension",
    "UserDimensionList",
    "UserPreferences",
    "VersionCreated",
    "VoiceConfig",
    "VoiceSettings",
]

RESULT_PERSISTENCE_VALUES = ("ephemeral", "persisted-preferred", "persisted")
"""The documented `ToolCallSpec.result_persistence` values (a response may bring others)."""


DEFAULT_API_KEY_ROLE = "DefaultAdministratorRole"
"""The role a new API key gets when none is named."""


def _image_repr(value: bytes | None) -> str:
    return "None" if value is None else f"<{len(value)} bytes>"


def _secret_repr(_: str) -> str:
    return "'[redacted]'"


# -- the organization -------------------------------------------------------------


@attrs.frozen
class UserDimension:
    description: str
    tags: list[str]


@attrs.frozen
class UserDimensionList:
    user_dimensions: list[UserDimension]


@attrs.frozen
class UserPreferences:
    """Default preferences for the organization's users (unset fields keep the server default)."""

    enable_response_recommendation: bool = False
    preferred_language: str | None = None  # ISO 639-3
    conversations_visible_to_admins: bool = True
    user_model_visible_to_admins: bool = True
    timezone: str | None = None  # IANA tz name; UTC when None
    audio_keyterms: list[str] = attrs.field(factory=list)


@attrs.frozen
class Organization:
    org_id: str
    org_name: str
    title: str
    main_description: str
    sub_description: str
    onboarding_instructions: list[str]
    default_user_preferences: UserPreferences | None = None  # only for user credentials
    tenant_id: str | None = None  # only with Organization:GetOrganizationDetails


@attrs.frozen(kw_only=True)
class NewOrganization:
    """The create-organization body; images are raw bytes (PNG, the favicon ICO), sent base64."""

    org_name: str
    title: str
    main_description: str
    sub_description: str
    user_dimensions: list[UserDimension]
    logo: bytes = attrs.field(repr=_image_repr)  # PNG, 5:2, at least 400 x 160
    square_logo: bytes = attrs.field(repr=_image_repr)  # square PNG, at least 40 x 40
    favicon: bytes = attrs.field(repr=_image_repr)  # square ICO, at least 40 x 40
    signup_page_headshot: bytes = attrs.field(repr=_image_repr)  # PNG, 292 x 400, ratio 0.73
    onboarding_instructions: list[str]
    azure_devops_team_name: str  # ^[a-z-]+$, at most 20 characters
    default_user_preferences: UserPreferences | None = None


@attrs.frozen
class CreatedOrganization:
    org_id: str


@attrs.frozen(kw_only=True)
class OrganizationUpdate:
    """The modify-organization body: only the fields that are not None are changed."""

    title: str | None = None
    main_description: str | None = None
    sub_description: str | None = None
    logo: bytes | None = attrs.field(default=None, repr=_image_repr)
    square_logo: bytes | None = attrs.field(default=None, repr=_image_repr)
    favicon: bytes | None = attrs.field(default=None, repr=_image_repr)
    signup_page_headshot: bytes | None = attrs.field(default=None, repr=_image_repr)
    user_dimensions: list[UserDimension] | None = None
    default_user_preferences: UserPreferences | None = None
    onboarding_instructions: list[str] | None = None


@attrs.frozen
class Creator:
    """The user who created a version or a key."""

    org_id: str
    user_id: str


@attrs.frozen
class Created:
    """The answer to create-agent and create-service-hierarchical-state-machine."""

    id: str


@attrs.frozen
class VersionCreated:
    """The answer to create-agent-version and create-service-hierarchical-state-machine-version."""

    id: str
    version: int
    created_at: datetime


# -- agents -----------------------------------------------------------------------


@attrs.frozen
class Agent:
    id: str
    name: str
    deprecated: bool
    latest_version: int | None  # None: no version yet


@attrs.frozen
class AgentList:
    agents: list[Agent]
    has_more: bool
    continuation_token: int | None = None


@attrs.frozen
class NewAgent:
    agent_name: str


@attrs.frozen
class RelationshipToDeveloper:
    ownership: str
    type: str
    conversation_visibility: str
    thought_visibility: str


@attrs.frozen
class AgentIdentity:
    name: str
    role: str
    developed_by: str
    default_spoken_language: str  # ISO 639-3
    relationship_to_developer: RelationshipToDeveloper


@attrs.frozen
class VoiceConfig:
    """The voice of a new agent version (request)."""

    voice_id: str


@attrs.frozen
class VoiceSettings:
    """The voice of a stored agent version (response)."""

    voice_id: str
    stability: float = 0.0
    similarity_boost: float = 0.0
    style: float = 0.0


@attrs.frozen(kw_only=True)
class NewAgentVersion:
    """The create-agent-version body: fields left at None are taken from the latest version.

    The first version of an agent needs every field but `voice_config`.
    """

    initials: str | None = None  # 1 to 3 characters
    identity: AgentIdentity | None = None
    background: str | None = None
    behaviors: list[str] | None = None
    communication_patterns: list[str] | None = None
    voice_config: VoiceConfig | None = None


@attrs.frozen
class AgentVersion:
    id: str
    org_id: str
    agent_id: str
    version: int
    voice_config: VoiceSettings | None
    initials: str
    identity: AgentIdentity
    background: str
    behaviors: list[str]
    communication_patterns: list[str]
    created_at: datetime
    creator: Creator


@attrs.frozen
class AgentVersionList:
    agent_versions: list[AgentVersion]
    has_more: bool
    continuation_token: int | None = None


# -- service hierarchical state machines ------------------------------------------

NextState = str | tuple[str, str]
"""An internal state name, or (``"reference.state"``, entry state) of a referenced machine."""


@attrs.frozen
class ToolCallSpec:
    tool_id: str
    version_constraint: str  # a Python packaging version specifier, e.g. ">=1.0,<2"
    additional_instruction: str
    audio_filler_triggered_after: float  # seconds, in (0, 10]
    result_persistence: str  # one of RESULT_PERSISTENCE_VALUES
    audio_fillers: list[str] = attrs.field(factory=list)  # at most 5


@attrs.frozen
class ExitCondition:
    description: str
    next_state: NextState


@attrs.frozen(kw_only=True)
class ActionState:
    type: Literal["action"] = "action"
    name: str
    objective: str
    actions: list[str]
    exit_conditions: list[ExitCondition]
    intra_state_navigation_guidelines: list[str] = attrs.field(factory=list)
    action_guidelines: list[str] = attrs.field(factory=list)
    boundary_constraints: list[str] = attrs.field(factory=list)
    action_tool_call_specs: list[ToolCallSpec] = attrs.field(factory=list)
    exit_condition_tool_call_specs: list[ToolCallSpec] = attrs.field(factory=list)
    skip_active_memory_retrieval: bool = False


@attrs.frozen(kw_only=True)
class DecisionState:
    type: Literal["decision"] = "decision"
    name: str
    objective: str
    exit_conditions: list[ExitCondition]
    audio_filler_triggered_after: float
    decision_guidelines: list[str] = attrs.field(factory=list)
    tool_call_specs: list[ToolCallSpec] = attrs.field(factory=list)
    audio_fillers: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class RecallState:
    """Give exactly one of `queries` and `requested_information`."""

    type: Literal["recall"] = "recall"
    name: str
    next_state: NextState
    queries: list[str] | None = None
    requested_information: str | None = None


@attrs.frozen(kw_only=True)
class AnnotationState:
    type: Literal["annotation"] = "annotation"
    name: str
    inner_thought: str
    next_state: NextState


@attrs.frozen(kw_only=True)
class ReflectionState:
    type: Literal["reflection"] = "reflection"
    name: str
    problem: str
    word_limit: int
    next_state: NextState
    audio_filler_triggered_after: float
    tool_call_specs: list[ToolCallSpec] = attrs.field(factory=list)
    audio_fillers: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class ToolCallState:
    type: Literal["tool-call"] = "tool-call"
    name: str
    next_state: NextState
    designated_tool: ToolCallSpec
    designated_tool_call_params_generation_audio_filler_triggered_after: float
    designated_tool_call_objective: str
    designated_tool_call_context: str
    designated_tool_call_params_generation_audio_fillers: list[str] = attrs.field(factory=list)
    designated_tool_call_guidances: list[str] = attrs.field(factory=list)
    designated_tool_call_validations: list[str] = attrs.field(factory=list)
    tool_call_specs: list[ToolCallSpec] = attrs.field(factory=list)


@attrs.frozen
class UnknownState:
    """A state whose `type` this client does not know; `data` is the payload as received."""

    type: str
    name: str | None
    data: dict[str, Any] = attrs.field(repr=False)


State = (
    ActionState
    | DecisionState
    | RecallState
    | AnnotationState
    | ReflectionState
    | ToolCallState
    | UnknownState
)
"""One state of a machine, by its ``type`` tag; `UnknownState` for a type added later."""

_STATE_TYPES: dict[str, type[Any]] = {
    "action": ActionState,
    "decision": DecisionState,
    "recall": RecallState,
    "annotation": AnnotationState,
    "reflection": ReflectionState,
    "tool-call": ToolCallState,
}


@attrs.frozen
class StateMachine:
    id: str
    name: str
    deprecated: bool
    latest_version: int | None  # None: no version yet


@attrs.frozen
class StateMachineList:
    service_hierarchical_state_machines: list[StateMachine]
    has_more: bool
    continuation_token: int | None = None


@attrs.frozen
class NewStateMachine:
    state_machine_name: str


@attrs.frozen(kw_only=True)
class NewStateMachineVersion:
    """The create-service-hierarchical-state-machine-version body (every version is whole).

    The initial, returning and terminal states must be internal action states.
    `references` maps a reference name to (state machine id, version).
    """

    description: str
    states: list[State]
    new_user_initial_state: str
    returning_user_initial_state: str
    terminal_state: str
    references: dict[str, tuple[str, int]] = attrs.field(factory=dict)
    global_intra_state_navigation_guidelines: list[str] = attrs.field(factory=list)
    global_action_guidelines: list[str] = attrs.field(factory=list)
    global_boundary_constraints: list[str] = attrs.field(factory=list)


@attrs.frozen
class StateMachineVersion:
    id: str
    org_id: str
    service_hierarchical_state_machine_id: str
    version: int
    created_at: datetime
    creator: Creator
    description: str
    states: list[State]
    new_user_initial_state: str
    returning_user_initial_state: str
    terminal_state: str
    references: dict[str, tuple[str, int]]
    global_intra_state_navigation_guidelines: list[str]
    global_action_guidelines: list[str]
    global_boundary_constraints: list[str]


@attrs.frozen
class StateMachineVersionList:
    state_machine_versions: list[StateMachineVersion]
    has_more: bool
    continuation_token: int | None = None


# -- API keys ---------------------------------------------------------------------


@attrs.frozen
class ApiKey:
    """A stored API key's metadata (never the key itself). `id` is the payload's ``_id``."""

    id: str
    name: str | None
    org_id: str
    created_at: datetime
    updated_at: datetime
    key_id: str
    expires_at: datetime
    creator: Creator
    role_id: str


@attrs.frozen
class ApiKeyList:
    api_keys: list[ApiKey]


@attrs.frozen(kw_only=True)
class NewApiKey:
    duration: str  # ISO 8601, 1 to 90 days
    name: str | None = None
    role_name: str = DEFAULT_API_KEY_ROLE


@attrs.frozen
class CreatedApiKey:
    """A new key; `api_key` is shown only this once. Its repr never prints the secret."""

    api_key_id: str
    api_key: str = attrs.field(repr=_secret_repr)
    expires_at: datetime


@attrs.frozen
class DeletedApiKey:
    deleted_key_id: str


# -- conversion hooks -------------------------------------------------------------


def _unknown_state(tag: Any, data: dict[str, Any]) -> UnknownState:
    name = data.get("name")
    return UnknownState(str(tag), name if isinstance(name, str) else None, data)


def _structure_next_state(data: Any, _: Any) -> NextState:
    if isinstance(data, str):
        return data
    if isinstance(data, list | tuple) and len(data) == 2 and all(isinstance(x, str) for x in data):
        return (data[0], data[1])
    raise ValueError(f"next_state must be a state name or a [reference, state] pair: {data!r}")


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _register_hooks() -> None:
    register_tagged_union(
        converter,
        State,
        "type",
        _STATE_TYPES.values(),
        UnknownState,
        factory=_unknown_state,
        raw=lambda state: dict(state.data),
    )
    converter.register_structure_hook(NextState, _structure_next_state)
    converter.register_structure_hook(
        ApiKey, make_dict_structure_fn(ApiKey, converter, id=override(rename="_id"))
    )
    converter.register_unstructure_hook(
        NextState, lambda value: list(value) if isinstance(value, tuple) else value
    )
    # UserPreferences first: the generated hooks below look up the nested one now.
    for partial in (NewAgentVersion, UserPreferences):
        converter.register_unstructure_hook(
            partial, make_dict_unstructure_fn(partial, converter, _cattrs_omit_if_default=True)
        )

    image = override(unstruct_hook=_base64)
    for body in (NewOrganization, OrganizationUpdate):
        converter.register_unstructure_hook(
            body,
            make_dict_unstructure_fn(
                body,
                converter,
                _cattrs_omit_if_default=True,
                logo=image,
                square_logo=image,
                favicon=image,
                signup_page_headshot=image,
            ),
        )


_register_hooks()
