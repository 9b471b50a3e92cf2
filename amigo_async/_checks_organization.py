"""Input checks of the organization endpoints: the documented rules of each body and filter.

`OrganizationResource` calls these before sending, so an over-long name, a state
machine pointing at a missing state or a logo of the wrong size never spends a
rate-limit token. Images are checked from their header bytes alone (format and
dimensions), without an imaging library: see `check_image`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from ._checks import (
    check_count,
    check_int,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_pattern,
    check_str_list,
    unique_items,
)
from ._images import IMAGE_RULES, check_image
from .models.organization import (
    RESULT_PERSISTENCE_VALUES,
    ActionState,
    AgentIdentity,
    AnnotationState,
    DecisionState,
    ExitCondition,
    NewAgentVersion,
    NewOrganization,
    NewStateMachineVersion,
    NextState,
    OrganizationUpdate,
    RecallState,
    ReflectionState,
    State,
    ToolCallSpec,
    ToolCallState,
    UnknownState,
    UserDimension,
    UserPreferences,
    VoiceConfig,
)

__all__ = [
    "API_KEY_DURATION",
    "AZURE_DEVOPS_TEAM_PATTERN",
    "EXTERNAL_STATE_NAME_PATTERN",
    "NAME_MAX",
    "STATE_NAME_PATTERN",
    "check_new_agent_version",
    "check_new_organization",
    "check_new_state_machine_version",
    "check_organization_update",
    "check_positive_int",
    "check_text",
    "check_unique_ids",
    "require_type",
]

STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
"""State names and reference names of a service hierarchical state machine."""

EXTERNAL_STATE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$")
"""``reference.state``: a state of a referenced machine, first half of a `NextState` pair."""

AZURE_DEVOPS_TEAM_PATTERN = re.compile(r"^[a-z-]+$")
_AZURE_DEVOPS_TEAM_MAX = 20

"""A versions filter: ``3``, ``latest``, or an inclusive range ``2-5`` / ``1-latest``."""

API_KEY_DURATION = (timedelta(days=1), timedelta(days=90))
"""create-api-key: the documented bounds of a key's lifetime."""

NAME_MAX = 256  # agent and state machine names
_INITIALS_MAX = 3
_AUDIO_FILLERS_MAX = 5
_AUDIO_FILLER_AFTER_MAX = 10.0  # seconds; must also be > 0
_LANGUAGE = re.compile(r"^[a-z]{3}$")  # ISO 639-3


def require_type(name: str, value: Any, cls: type[Any]) -> Any:
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__}, not {type(value).__name__}")
    return value


def check_text(name: str, value: object, *, max_length: int | None = None) -> str:
    """A documented "stripped non-empty string", optionally bounded in length."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    check_non_empty(name, value)
    if max_length is not None and len(value.strip()) > max_length:
        raise ValueError(f"{name} must be at most {max_length} characters; got {len(value)}")
    return value


def check_texts(
    name: str, values: Iterable[object] | None, *, min_items: int = 0, max_items: int | None = None
) -> None:
    items = check_str_list(name, values, min_items=min_items, max_items=max_items)
    for index, item in enumerate(items or ()):
        check_text(f"{name}[{index}]", item)


def check_positive_int(name: str, value: object) -> int | None:
    return None if value is None else check_int(name, value, minimum=1)


def check_unique_ids(name: str, values: Iterable[str] | None) -> list[str] | None:
    """Ids for an `id` filter; repeats are dropped (the server wants unique items)."""
    return unique_items(check_object_ids(name, values))


def _check_user_dimensions(name: str, dimensions: object, *, min_items: int = 0) -> None:
    if not isinstance(dimensions, list | tuple):
        raise TypeError(f"{name} must be a list of UserDimension")
    check_count(name, dimensions, min_items=min_items)
    for index, dimension in enumerate(dimensions):
        where = f"{name}[{index}]"
        require_type(where, dimension, UserDimension)
        check_text(f"{where}.description", dimension.description)
        check_texts(f"{where}.tags", dimension.tags)


def _check_preferences(name: str, preferences: UserPreferences | None) -> None:
    if preferences is None:
        return
    require_type(name, preferences, UserPreferences)
    if preferences.preferred_language is not None:
        check_pattern(
            f"{name}.preferred_language",
            preferences.preferred_language,
            _LANGUAGE,
            "an ISO 639-3 code",
        )
    if preferences.timezone is not None:
        check_text(f"{name}.timezone", preferences.timezone)
    check_str_list(f"{name}.audio_keyterms", preferences.audio_keyterms)


def check_new_organization(organization: NewOrganization) -> None:
    for field in ("org_name", "title", "main_description", "sub_description"):
        check_text(field, getattr(organization, field))
    for field in IMAGE_RULES:
        check_image(field, getattr(organization, field))
    _check_user_dimensions("user_dimensions", organization.user_dimensions)
    check_texts("onboarding_instructions", organization.onboarding_instructions)
    team = check_text(
        "azure_devops_team_name",
        organization.azure_devops_team_name,
        max_length=_AZURE_DEVOPS_TEAM_MAX,
    )
    check_pattern("azure_devops_team_name", team, AZURE_DEVOPS_TEAM_PATTERN)
    _check_preferences("default_user_preferences", organization.default_user_preferences)


def check_organization_update(update: OrganizationUpdate) -> None:
    if update == OrganizationUpdate():
        raise ValueError("update must set at least one field (None means: leave unchanged)")
    for field in ("title", "main_description", "sub_description"):
        if getattr(update, field) is not None:
            check_text(field, getattr(update, field))
    for field in IMAGE_RULES:
        if getattr(update, field) is not None:
            check_image(field, getattr(update, field))
    if update.user_dimensions is not None:
        _check_user_dimensions("user_dimensions", update.user_dimensions, min_items=1)
    if update.onboarding_instructions is not None:
        check_texts("onboarding_instructions", update.onboarding_instructions)
    _check_preferences("default_user_preferences", update.default_user_preferences)


def check_new_agent_version(agent_version: NewAgentVersion) -> None:
    if agent_version.initials is not None:
        check_text("initials", agent_version.initials, max_length=_INITIALS_MAX)
    if agent_version.identity is not None:
        identity = require_type("identity", agent_version.identity, AgentIdentity)
        for field in ("name", "role", "developed_by"):
            check_text(f"identity.{field}", getattr(identity, field))
        check_pattern(
            "identity.default_spoken_language",
            identity.default_spoken_language,
            _LANGUAGE,
            "an ISO 639-3 code",
        )
        relationship = identity.relationship_to_developer
        for field in ("ownership", "type", "conversation_visibility", "thought_visibility"):
            check_text(f"identity.relationship_to_developer.{field}", getattr(relationship, field))
    if agent_version.background is not None:
        check_text("background", agent_version.background)
    if agent_version.behaviors is not None:
        check_texts("behaviors", agent_version.behaviors)
    if agent_version.communication_patterns is not None:
        check_texts("communication_patterns", agent_version.communication_patterns)
    if agent_version.voice_config is not None:
        voice = require_type("voice_config", agent_version.voice_config, VoiceConfig)
        check_text("voice_config.voice_id", voice.voice_id)


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
    check_texts(f"{name}audio_fillers", fillers, max_items=_AUDIO_FILLERS_MAX)
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
    require_type(name, spec, ToolCallSpec)
    check_object_id(f"{name}.tool_id", spec.tool_id)
    check_text(f"{name}.version_constraint", spec.version_constraint)
    check_text(f"{name}.additional_instruction", spec.additional_instruction)
    _check_audio(f"{name}.", spec.audio_fillers, spec.audio_filler_triggered_after)
    check_one_of(f"{name}.result_persistence", spec.result_persistence, RESULT_PERSISTENCE_VALUES)


def _check_exit_conditions(name: str, conditions: Iterable[ExitCondition]) -> None:
    for index, condition in enumerate(conditions):
        where = f"{name}[{index}]"
        require_type(where, condition, ExitCondition)
        check_text(f"{where}.description", condition.description)
        _check_next_state(f"{where}.next_state", condition.next_state)


def _check_state(name: str, state: State) -> None:
    if isinstance(state, UnknownState):
        return  # a newer state type, sent back as it was received
    require_type(name, state, State)  # type: ignore[arg-type]
    _check_state_name(f"{name}.name", state.name)
    if isinstance(state, ActionState):
        check_text(f"{name}.objective", state.objective)
        check_texts(f"{name}.actions", state.actions, min_items=1)
        for field in (
            "intra_state_navigation_guidelines",
            "action_guidelines",
            "boundary_constraints",
        ):
            check_texts(f"{name}.{field}", getattr(state, field))
        _check_exit_conditions(f"{name}.exit_conditions", state.exit_conditions)
        _check_tool_call_specs(f"{name}.action_tool_call_specs", state.action_tool_call_specs)
        _check_tool_call_specs(
            f"{name}.exit_condition_tool_call_specs", state.exit_condition_tool_call_specs
        )
    elif isinstance(state, DecisionState):
        check_text(f"{name}.objective", state.objective)
        check_texts(f"{name}.decision_guidelines", state.decision_guidelines)
        _check_exit_conditions(f"{name}.exit_conditions", state.exit_conditions)
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)
        _check_audio(f"{name}.", state.audio_fillers, state.audio_filler_triggered_after)
    elif isinstance(state, RecallState):
        if (state.queries is None) == (state.requested_information is None):
            raise ValueError(f"{name}: give exactly one of queries and requested_information")
        if state.queries is not None:
            check_texts(f"{name}.queries", state.queries, min_items=1)
        if state.requested_information is not None:
            check_text(f"{name}.requested_information", state.requested_information)
        _check_next_state(f"{name}.next_state", state.next_state)
    elif isinstance(state, AnnotationState):
        check_text(f"{name}.inner_thought", state.inner_thought)
        _check_next_state(f"{name}.next_state", state.next_state)
    elif isinstance(state, ReflectionState):
        check_text(f"{name}.problem", state.problem)
        if check_positive_int(f"{name}.word_limit", state.word_limit) is None:
            raise ValueError(f"{name}.word_limit is required")
        _check_next_state(f"{name}.next_state", state.next_state)
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)
        _check_audio(f"{name}.", state.audio_fillers, state.audio_filler_triggered_after)
    elif isinstance(state, ToolCallState):
        _check_next_state(f"{name}.next_state", state.next_state)
        _check_tool_call_spec(f"{name}.designated_tool", state.designated_tool)
        check_texts(
            f"{name}.designated_tool_call_params_generation_audio_fillers",
            state.designated_tool_call_params_generation_audio_fillers,
            max_items=_AUDIO_FILLERS_MAX,
        )
        _check_filler_delay(
            f"{name}.designated_tool_call_params_generation_audio_filler_triggered_after",
            state.designated_tool_call_params_generation_audio_filler_triggered_after,
        )
        check_text(f"{name}.designated_tool_call_objective", state.designated_tool_call_objective)
        check_text(f"{name}.designated_tool_call_context", state.designated_tool_call_context)
        check_texts(f"{name}.designated_tool_call_guidances", state.designated_tool_call_guidances)
        check_texts(
            f"{name}.designated_tool_call_validations", state.designated_tool_call_validations
        )
        _check_tool_call_specs(f"{name}.tool_call_specs", state.tool_call_specs)


def check_new_state_machine_version(machine: NewStateMachineVersion) -> None:
    check_text("description", machine.description)
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
        check_positive_int(f"references[{reference!r}][1]", target[1])
    for field in (
        "global_intra_state_navigation_guidelines",
        "global_action_guidelines",
        "global_boundary_constraints",
    ):
        check_texts(field, getattr(machine, field))
