"""Every documented parameter and body constraint is checked before sending, from generated facts.

The facts are pinned against the snapshot read here independently; the checker is
exercised per constraint kind; a refused call leaves the fake server untouched.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from _snapshot import SNAPSHOT, snapshot

from amigo_async import AmigoClient
from amigo_async._params import check_body, check_parameters, check_value
from amigo_async._spec_rows import PARAMETERS
from amigo_async.models import unstructure
from amigo_async.models.organization import AgentList
from amigo_async.models.service import (
    CreateServiceRequest,
    UpdateServiceRequest,
    VersionSetInput,
)
from amigo_async.testing import FakeAmigoServer

OID = "a" * 24


def _parameter(operation_id: str, name: str) -> dict[str, Any]:
    for item in snapshot()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for parameter in operation["parameters"]:
                    if parameter["name"] == name:
                        found: dict[str, Any] = parameter
                        return found
    raise KeyError(name)


def _row(operation_id: str, name: str) -> Any:
    (row,) = [r for r in PARAMETERS[operation_id] if r.name == name]
    return row


@pytest.mark.skipif(SNAPSHOT is None, reason="the OpenAPI snapshot is not beside the repo")
@pytest.mark.parametrize(
    ("operation_id", "name"),
    [("get-agents", "limit"), ("get-agents", "id"), ("create-conversation", "response_format")],
)
def test_parameter_facts_are_the_snapshot_s(operation_id: str, name: str) -> None:
    documented = _parameter(operation_id, name)
    schema = documented["schema"]
    row = _row(operation_id, name)
    assert (row.where, row.required) == (documented["in"], documented.get("required", False))
    assert row.facts["kind"] == schema["type"]
    if "maximum" in schema:
        assert row.facts["maximum"] == schema["maximum"]
        assert row.facts["exclusive_minimum"] == schema["exclusiveMinimum"]
    if "items" in schema:
        assert row.facts["items"]["pattern"] == schema["items"]["pattern"]
        assert row.facts["unique_items"] is schema["uniqueItems"]
    if "enum" in schema:
        assert row.facts["enum"] == tuple(schema["enum"])


@pytest.mark.skipif(SNAPSHOT is None, reason="the OpenAPI snapshot is not beside the repo")
def test_a_referenced_path_schema_is_resolved() -> None:
    ref = _parameter("upsert-service-version-set", "version_set_name")["schema"]["$ref"]
    target = snapshot()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    facts = _row("upsert-service-version-set", "version_set_name").facts
    assert facts["pattern"] == target["pattern"]
    assert (facts["min_length"], facts["max_length"]) == (target["minLength"], target["maxLength"])


def test_headers_and_the_organization_are_not_rows() -> None:
    names = {row.name for rows in PARAMETERS.values() for row in rows}
    assert not names & {"organization", "x-mongo-cluster-name", "Sec-WebSocket-Protocol"}
    assert {row.where for rows in PARAMETERS.values() for row in rows} == {"query", "path"}


@pytest.mark.parametrize(
    ("operation_id", "path", "query", "error", "words"),
    [
        ("get-agents", None, {"limit": 0}, ValueError, "limit must be more than 0"),
        ("get-agents", None, {"limit": 21}, ValueError, "limit must be at most 20"),
        ("get-agents", None, {"limit": True}, TypeError, "limit must be an int, not bool"),
        ("get-agents", None, {"limit": "5"}, TypeError, "limit must be an int"),
        ("get-agents", None, {"deprecated": 1}, TypeError, "deprecated must be a bool"),
        ("get-agents", None, {"id": OID}, TypeError, "id must be a list"),
        ("get-agents", None, {"id": [OID, "xyz"]}, ValueError, "id[1] must match"),
        ("get-agents", None, {"id": [OID + "\n"]}, ValueError, "id[0] must match"),
        ("get-agents", None, {"id": [OID, OID]}, ValueError, "id[1] repeats"),
        ("get-agents", None, {"ids": [OID]}, ValueError, "ids is not a query parameter"),
        ("create-conversation", None, {}, ValueError, "response_format is required"),
        ("create-conversation", None, {"response_format": "fax"}, ValueError, "one of"),
        ("create-agent-version", {"agent_id": "nope"}, None, ValueError, "agent_id must match"),
        (
            "upsert-service-version-set",
            {"service_id": OID, "version_set_name": "x" * 41},
            None,
            ValueError,
            "version_set_name must be at most 40",
        ),
    ],
)
def test_a_wrong_parameter_is_named(
    operation_id: str,
    path: dict[str, object] | None,
    query: dict[str, object] | None,
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        check_parameters(operation_id, path, query)


def test_right_parameters_pass_and_unknown_operations_are_not_checked() -> None:
    check_parameters("get-agents", None, {"limit": 20, "id": [OID], "deprecated": None})
    check_parameters("create-conversation", None, {"response_format": "text"})
    check_parameters("get-tool-repo-files", {"anything": 1}, {"whatever": "x"})


def test_formats_and_exclusive_bounds() -> None:
    check_value("after", "2024-01-01T00:00:00+00:00", {"kind": "string", "format": "date-time"})
    with pytest.raises(ValueError, match="after must be a timezone-aware"):
        check_value("after", "2024-01-01T00:00:00", {"kind": "string", "format": "date-time"})
    with pytest.raises(ValueError, match="email\\[0\\] must be an email"):
        check_value("email", ["nobody"], {"kind": "array", "items": {"format": "email"}})
    with pytest.raises(ValueError, match="x must be less than 5"):
        check_value("x", 5, {"kind": "number", "exclusive_maximum": 5})
    with pytest.raises(ValueError, match="q must hold at least 1 item"):
        check_value("q", [], {"kind": "array", "min_items": 1})


def test_a_body_field_path_is_named() -> None:
    body = CreateServiceRequest(
        service_hierarchical_state_machine_id=OID,
        agent_id=OID,
        name="n",
        description="d",
        is_active=True,
        keyterms=["ok", "Not Ok"],
        tags={},
    )
    with pytest.raises(ValueError, match=r"body\.keyterms\[1\] must match"):
        check_body(body)
    with pytest.raises(ValueError, match=r"body\.tags must hold at most 20"):
        check_body(attrs.evolve(body, keyterms=[], tags={str(i): None for i in range(21)}))
    with pytest.raises(ValueError, match=r"body\.agent_id is required"):
        check_body(attrs.evolve(body, keyterms=[], agent_id=None))
    check_body(attrs.evolve(body, keyterms=["ok"]))


def test_a_generated_request_body_leaves_out_what_is_none() -> None:
    assert unstructure(UpdateServiceRequest(name="x")) == {"name": "x"}
    assert unstructure(UpdateServiceRequest(is_active=False)) == {"is_active": False}


async def test_a_refused_call_sends_nothing(fake: FakeAmigoServer, client: AmigoClient) -> None:
    transport = client._transport
    await transport.request_json("get-agents", AgentList, params={"limit": 5})
    sent = len(fake.requests)
    assert sent >= 1
    with pytest.raises(ValueError, match="limit must be at most 20"):
        await transport.request_json("get-agents", AgentList, params={"limit": 50})
    with pytest.raises(ValueError, match=r"body\.name must not be empty"):
        await transport.request_none(
            "update-service",
            path_params={"service_id": OID},
            json_body=UpdateServiceRequest(name=""),
        )
    assert len(fake.requests) == sent


async def test_paging_parameters_pass(client: AmigoClient) -> None:
    agents = [agent async for agent in client.organization.list_agents(limit=3, max_items=4)]
    assert len(agents) <= 4


async def test_a_stripped_nonempty_string_of_only_spaces_is_refused_before_sending(
    fake: FakeAmigoServer,
) -> None:
    """The server strips a StrippedNonemptyString before checking it: "   " is empty."""
    before = len(fake.requests)
    async with fake.client() as client:
        with pytest.raises(ValueError, match="version_set_name must not be empty or only"):
            await client.services.upsert_version_set(
                "a" * 24,
                "   ",
                VersionSetInput(
                    agent_version_number=None,
                    service_hierarchical_state_machine_version_number=None,
                    llm_model_preferences={},
                ),
            )
    assert len(fake.requests) == before


def test_a_stripped_string_is_judged_as_the_server_will_judge_it() -> None:
    facts = {"kind": "string", "stripped": True, "pattern": "^[a-z]+$", "max_length": 3}
    check_value("name", " abc ", facts)  # stripped first: fits
    with pytest.raises(ValueError, match="only whitespace"):
        check_value("name", "  ", facts)
