"""Organization models and the shared converter: forward compatible answers, minimal requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from amigo_async.errors import InvalidResponseError
from amigo_async.models import (
    Agent,
    AgentList,
    ApiKey,
    CreatedApiKey,
    NewAgentVersion,
    NewApiKey,
    NewOrganization,
    Organization,
    OrganizationUpdate,
    RecallState,
    StateMachineVersion,
    StateMachineVersionList,
    UnknownState,
    UserDimension,
    UserPreferences,
    structure,
    structure_response,
    unstructure,
)


def machine_version(states: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "1" * 24,
        "org_id": "acme",
        "service_hierarchical_state_machine_id": "2" * 24,
        "version": 1,
        "created_at": "2024-05-01T10:00:00",
        "creator": {"org_id": "acme", "user_id": "u"},
        "description": "d",
        "states": states,
        "new_user_initial_state": "start",
        "returning_user_initial_state": "start",
        "terminal_state": "start",
        "references": {"billing": ["3" * 24, 2]},
        "global_intra_state_navigation_guidelines": [],
        "global_action_guidelines": [],
        "global_boundary_constraints": [],
    }


ANNOTATION = {"type": "annotation", "name": "note", "inner_thought": "Hm.", "next_state": "start"}
FUTURE_STATE = {"type": "teleport", "name": "jump", "destination": "mars"}


def test_unknown_fields_are_ignored() -> None:
    agent = structure(
        {"id": "a" * 24, "name": "n", "deprecated": False, "latest_version": 2, "colour": "red"},
        Agent,
    )
    assert agent == Agent(id="a" * 24, name="n", deprecated=False, latest_version=2)


def test_an_unknown_state_type_keeps_its_payload() -> None:
    version = structure(machine_version([ANNOTATION, FUTURE_STATE]), StateMachineVersion)
    unknown = version.states[1]
    assert isinstance(unknown, UnknownState)
    assert (unknown.type, unknown.name) == ("teleport", "jump")
    assert unknown.data == FUTURE_STATE


def test_an_unknown_state_is_sent_back_unchanged() -> None:
    version = structure(machine_version([FUTURE_STATE]), StateMachineVersion)
    assert unstructure(version.states) == [FUTURE_STATE]


def test_one_odd_state_does_not_break_a_long_listing() -> None:
    versions = [machine_version([ANNOTATION]) for _ in range(2_000)]
    versions[1_234] = machine_version([ANNOTATION, FUTURE_STATE])
    listing = structure(
        {"state_machine_versions": versions, "has_more": False, "continuation_token": None},
        StateMachineVersionList,
    )
    assert len(listing.state_machine_versions) == 2_000
    assert isinstance(listing.state_machine_versions[1_234].states[1], UnknownState)


def test_an_unknown_result_persistence_is_kept() -> None:
    spec = {
        "tool_id": "a" * 24,
        "version_constraint": "*",
        "additional_instruction": "i",
        "audio_fillers": [],
        "audio_filler_triggered_after": 1,
        "result_persistence": "persisted-forever",
    }
    state = {**ANNOTATION, "type": "tool-call"}
    state.update(
        designated_tool=spec,
        designated_tool_call_params_generation_audio_fillers=[],
        designated_tool_call_params_generation_audio_filler_triggered_after=1,
        designated_tool_call_objective="o",
        designated_tool_call_context="c",
        designated_tool_call_guidances=[],
        designated_tool_call_validations=[],
        tool_call_specs=[],
    )
    version = structure(machine_version([state]), StateMachineVersion)
    assert version.states[0].designated_tool.result_persistence == "persisted-forever"  # type: ignore[union-attr]


def test_next_state_is_a_name_or_a_reference_pair() -> None:
    states = [ANNOTATION, {**ANNOTATION, "name": "out", "next_state": ["billing.start", "start"]}]
    version = structure(machine_version(states), StateMachineVersion)
    assert [s.next_state for s in version.states] == ["start", ("billing.start", "start")]  # type: ignore[union-attr]
    assert version.references == {"billing": ("3" * 24, 2)}


def test_a_malformed_next_state_is_an_error() -> None:
    with pytest.raises(InvalidResponseError, match=r"got list @ \$\.states\[0\]\.next_state "):
        structure_response(
            machine_version([{**ANNOTATION, "next_state": ["a", "b", "c"]}]),
            StateMachineVersion,
            "get-service-state-machine",
        )


def test_naive_datetimes_become_utc_and_offsets_are_kept() -> None:
    version = structure(machine_version([]), StateMachineVersion)
    assert version.created_at == datetime(2024, 5, 1, 10, tzinfo=UTC)
    key = structure(
        {"api_key_id": "k", "api_key": "s", "expires_at": "2024-05-01T10:00:00+02:00"},
        CreatedApiKey,
    )
    assert key.expires_at.utcoffset() == timedelta(hours=2)
    assert key.expires_at.tzinfo == timezone(timedelta(hours=2))


def test_api_key_id_comes_from_underscore_id() -> None:
    key = structure(
        {
            "_id": "6" * 24,
            "name": None,
            "org_id": "acme",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "key_id": "uuid",
            "expires_at": "2024-02-01T00:00:00Z",
            "creator": {"org_id": "acme", "user_id": "u"},
            "role_id": "r",
        },
        ApiKey,
    )
    assert key.id == "6" * 24
    assert key.name is None


def test_a_new_keys_repr_masks_the_secret() -> None:
    key = CreatedApiKey(
        api_key_id="key-id",
        api_key="very-secret-value",
        expires_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    assert "very-secret-value" not in repr(key)
    assert "very-secret-value" not in str(key)
    assert "[redacted]" in repr(key)
    assert key.api_key == "very-secret-value"


def test_image_bytes_are_not_printed() -> None:
    update = OrganizationUpdate(logo=b"\x89PNG" + bytes(5_000))
    assert "<5004 bytes>" in repr(update)
    assert "\\x00" not in repr(update)


def test_an_update_sends_only_what_is_set() -> None:
    update = OrganizationUpdate(title="t", default_user_preferences=UserPreferences(timezone="UTC"))
    assert unstructure(update) == {"title": "t", "default_user_preferences": {"timezone": "UTC"}}


def test_a_new_agent_version_sends_only_what_is_set() -> None:
    assert unstructure(NewAgentVersion(background="b")) == {"background": "b"}


def test_a_new_organization_sends_every_required_field() -> None:
    organization = NewOrganization(
        org_name="o",
        title="t",
        main_description="m",
        sub_description="s",
        user_dimensions=[UserDimension(description="d", tags=["x"])],
        logo=b"\x01",
        square_logo=b"\x02",
        favicon=b"\x03",
        signup_page_headshot=b"\x04",
        onboarding_instructions=[],
        azure_devops_team_name="team",
    )
    sent = unstructure(organization)
    assert sent["logo"] == "AQ=="
    assert sent["onboarding_instructions"] == []
    assert "default_user_preferences" not in sent


def test_a_new_api_key_sends_a_null_name() -> None:
    """`name` is required by the schema even though it may be null."""
    assert unstructure(NewApiKey(duration="P1D")) == {
        "duration": "P1D",
        "name": None,
        "role_name": "DefaultAdministratorRole",
    }


def test_a_recall_state_sends_both_of_its_nullable_fields() -> None:
    sent = unstructure(RecallState(name="r", next_state=("billing.start", "start"), queries=["q"]))
    assert sent == {
        "type": "recall",
        "name": "r",
        "next_state": ["billing.start", "start"],
        "queries": ["q"],
        "requested_information": None,
    }


def test_listing_envelopes_tolerate_a_missing_token() -> None:
    listing = structure({"agents": [], "has_more": False}, AgentList)
    assert listing.continuation_token is None


def test_an_organization_without_its_permission_only_fields_is_read() -> None:
    """`tenant_id` and `default_user_preferences` come only with GetOrganizationDetails."""
    organization = structure(
        {
            "org_id": "acme",
            "org_name": "Acme",
            "title": "t",
            "main_description": "m",
            "sub_description": "s",
            "onboarding_instructions": [],
        },
        Organization,
    )
    assert organization.tenant_id is None
    assert organization.default_user_preferences is None
