"""Tool models: tagged unions by their tag, unknown tags kept raw, forward compatibility."""

from __future__ import annotations

import copy
from datetime import UTC
from typing import Any

import pytest

from amigo_async.errors import InvalidResponseError
from amigo_async.models import converter, structure, structure_response, unstructure
from amigo_async.models.tool_repo import GitCredential, RepoFilesRequest
from amigo_async.models.tools import (
    EngageUserInvocationMetadata,
    EnvVarInsert,
    FailedInvocationResult,
    FailedInvocationStatus,
    InvocationMetadata,
    InvocationResult,
    InvocationResults,
    InvocationSource,
    InvocationStatus,
    ModifyToolRequest,
    RegularConversationInvocationSource,
    SimulationConversationInvocationSource,
    StateTransitionInvocationMetadata,
    SucceededInvocationResult,
    SucceededInvocationStatus,
    ToolCallStateInvocationMetadata,
    ToolInput,
    ToolInvocation,
    ToolInvocationList,
    UnknownInvocationMetadata,
    UnknownInvocationResult,
    UnknownInvocationSource,
    UnknownInvocationStatus,
    Version,
)

METADATA = {
    "type": "state-transition",
    "current_state_machine_and_version": ["0123456789abcdef01234567", 3],
    "state_name": "triage",
    "state_transition_index": 2,
    "tool_call_round_index": 1,
}
INVOCATION: dict[str, Any] = {
    "id": "aaaaaaaaaaaaaaaaaaaaaaaa",
    "org_id": "acme",
    "created_at": "2024-05-01T10:00:00Z",
    "updated_at": "2024-05-01T10:00:01.5+02:00",
    "invocation_status": {"succeeded": True, "output": "42"},
    "invocation_source": {
        "type": "regular-conversation",
        "user_id": "u1",
        "conversation_id": "c1",
        "interaction_id": None,
        "invocation_metadata": METADATA,
    },
    "duration_ms": 12,
    "tool_id": "bbbbbbbbbbbbbbbbbbbbbbbb",
    "tool_version": {"major": 1, "minor": 2, "patch": 3},
    "inputs": {"city": "Oslo"},
}


def invocation(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(INVOCATION)
    data.update(changes)
    return data


def test_status_succeeded_true_is_the_succeeded_variant() -> None:
    status = structure({"succeeded": True, "output": "ok"}, InvocationStatus)
    assert status == SucceededInvocationStatus(output="ok")


def test_status_succeeded_false_is_the_failed_variant() -> None:
    data = {
        "succeeded": False,
        "exception_message": "boom",
        "exception_type": "ValueError",
        "exception_stack_trace": ["line 1"],
    }
    status = structure(data, InvocationStatus)
    assert isinstance(status, FailedInvocationStatus)
    assert status.exception_type == "ValueError"


@pytest.mark.parametrize("tag", ["true", 1, 0, None, "partial"])
def test_status_with_a_non_boolean_tag_is_unknown_and_keeps_the_raw_data(tag: object) -> None:
    data = {"succeeded": tag, "output": "ok"}
    status = structure(data, InvocationStatus)
    assert status == UnknownInvocationStatus(tag, data)
    assert status.raw == data


def test_status_without_a_tag_is_unknown() -> None:
    status = structure({"output": "ok"}, InvocationStatus)
    assert isinstance(status, UnknownInvocationStatus)
    assert status.succeeded is None


def test_a_known_tag_with_an_unreadable_payload_is_an_error_not_unknown() -> None:
    data = {"succeeded": False, "exception_message": "boom"}  # type and stack trace missing
    with pytest.raises(InvalidResponseError, match=r"required field missing @ \$\.exception_type"):
        structure_response(data, InvocationStatus, "get-tool-invocations")


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ({"succeeded": True, "output": "o", "duration_ms": 3}, SucceededInvocationResult),
        (
            {
                "succeeded": False,
                "exception_message": "m",
                "exception_type": "T",
                "exception_stack_trace": [],
                "duration_ms": 3,
            },
            FailedInvocationResult,
        ),
        ({"succeeded": "later", "duration_ms": 3}, UnknownInvocationResult),
    ],
)
def test_invocation_results_are_structured_by_succeeded(data: dict[str, Any], cls: type) -> None:
    assert isinstance(structure(data, InvocationResult), cls)


def test_invocation_results_response_keeps_the_order() -> None:
    body = {
        "invocation_results": [
            {"succeeded": True, "output": "a", "duration_ms": 1},
            {"succeeded": "?", "duration_ms": 2},
        ]
    }
    results = structure(body, InvocationResults).invocation_results
    assert [type(r) for r in results] == [SucceededInvocationResult, UnknownInvocationResult]


@pytest.mark.parametrize(
    ("metadata", "cls"),
    [
        (METADATA, StateTransitionInvocationMetadata),
        (
            {
                "type": "engage-user",
                "current_state_machine_and_version": ["m", 1],
                "tool_call_round_index": 0,
            },
            EngageUserInvocationMetadata,
        ),
        (
            {
                "type": "tool-call-state",
                "current_state_machine_and_version": ["m", 1],
                "state_name": "s",
            },
            ToolCallStateInvocationMetadata,
        ),
        (
            {"type": "voice-turn", "current_state_machine_and_version": ["m", 1]},
            UnknownInvocationMetadata,
        ),
    ],
)
def test_metadata_is_structured_by_type(metadata: dict[str, Any], cls: type) -> None:
    assert isinstance(structure(metadata, InvocationMetadata), cls)


def test_state_machine_and_version_becomes_a_typed_pair() -> None:
    metadata = structure(METADATA, InvocationMetadata)
    assert isinstance(metadata, StateTransitionInvocationMetadata)
    assert metadata.current_state_machine_and_version == ("0123456789abcdef01234567", 3)


def test_regular_source_nests_its_metadata_union() -> None:
    source = structure(INVOCATION["invocation_source"], InvocationSource)
    assert isinstance(source, RegularConversationInvocationSource)
    assert isinstance(source.invocation_metadata, StateTransitionInvocationMetadata)


def test_simulation_source_is_structured_by_type() -> None:
    data = {
        "type": "simulation-conversation",
        "simulation_unit_test_set_run_id": None,
        "unit_test_id": "t",
        "run_index": 2,
        "invocation_metadata": {"type": "brand-new"},
    }
    source = structure(data, InvocationSource)
    assert isinstance(source, SimulationConversationInvocationSource)
    assert source.run_index == 2
    assert isinstance(source.invocation_metadata, UnknownInvocationMetadata)


def test_unknown_source_type_keeps_the_raw_payload() -> None:
    data = {"type": "phone-call", "caller": "+1"}
    source = structure(data, InvocationSource)
    assert source == UnknownInvocationSource("phone-call", data)


def test_invocation_datetimes_are_aware() -> None:
    result = structure(INVOCATION, ToolInvocation)
    assert result.created_at is not None and result.created_at.tzinfo is UTC
    assert result.updated_at is not None and result.updated_at.utcoffset() is not None
    assert result.updated_at.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


def test_a_naive_datetime_is_taken_as_utc() -> None:
    result = structure(invocation(created_at="2024-05-01T10:00:00"), ToolInvocation)
    assert result.created_at is not None and result.created_at.tzinfo is UTC


def test_unknown_fields_are_ignored_at_every_level() -> None:
    data = invocation(
        new_top_level="x", tool_version={"major": 1, "minor": 0, "patch": 0, "pre": "rc1"}
    )
    data["invocation_status"]["new_status_field"] = 1
    data["invocation_source"]["invocation_metadata"] = {**METADATA, "new": True}
    result = structure(data, ToolInvocation)
    assert result.tool_version == Version(major=1, minor=0, patch=0)
    assert isinstance(result.invocation_status, SucceededInvocationStatus)
    assert isinstance(
        result.invocation_source.invocation_metadata, StateTransitionInvocationMetadata
    )  # type: ignore[union-attr]


def test_version_prints_as_semver() -> None:
    assert str(Version(major=1, minor=2, patch=3)) == "1.2.3"


def test_a_listing_of_10000_with_one_odd_item_does_not_fail() -> None:
    items = [INVOCATION] * 10_000
    odd = invocation(
        invocation_status={"succeeded": "maybe"},
        invocation_source={"type": "carrier-pigeon", "bird": "Ada"},
    )
    items = [*items[:5000], odd, *items[5000:]]
    page = structure(
        {"tool_invocations": items, "has_more": False, "continuation_token": None},
        ToolInvocationList,
    )
    assert len(page.tool_invocations) == 10_001
    weird = page.tool_invocations[5000]
    assert isinstance(weird.invocation_status, UnknownInvocationStatus)
    assert isinstance(weird.invocation_source, UnknownInvocationSource)
    assert weird.invocation_source.raw["bird"] == "Ada"
    assert (
        sum(isinstance(i.invocation_status, UnknownInvocationStatus) for i in page.tool_invocations)
        == 1
    )


def test_unknown_variants_unstructure_to_their_raw_payload() -> None:
    odd = invocation(invocation_source={"type": "phone-call", "caller": "+1"})
    assert unstructure(structure(odd, ToolInvocation))["invocation_source"] == {
        "type": "phone-call",
        "caller": "+1",
    }


def test_known_variants_round_trip_with_their_tags() -> None:
    again = unstructure(structure(INVOCATION, ToolInvocation))
    assert again["invocation_status"] == {"succeeded": True, "output": "42"}
    assert again["invocation_source"]["type"] == "regular-conversation"
    assert again["invocation_source"]["invocation_metadata"]["type"] == "state-transition"
    assert structure(again, ToolInvocation) == structure(INVOCATION, ToolInvocation)


def test_modify_request_sends_only_the_fields_that_are_set() -> None:
    assert converter.unstructure(ModifyToolRequest()) == {}
    assert converter.unstructure(ModifyToolRequest(description="d")) == {"description": "d"}
    assert converter.unstructure(ModifyToolRequest(tags={})) == {"tags": {}}


def test_repo_files_request_leaves_out_an_unset_ref() -> None:
    assert converter.unstructure(RepoFilesRequest(file_paths=["a"])) == {"file_paths": ["a"]}


def test_secrets_stay_out_of_reprs() -> None:
    assert "hunter2" not in repr(EnvVarInsert(name="API_KEY", value="hunter2", is_secret=True))
    assert "hunter2" not in repr(ToolInput(sensitive_user_variables={"pin": "hunter2"}))
    credential = GitCredential(url="https://x/", username="acme_u", password="hunter2")
    assert "hunter2" not in repr(credential)
    assert credential.helper_output() == "username=acme_u\npassword=hunter2\n"
