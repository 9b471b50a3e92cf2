"""Every documented parameter and body constraint is checked before sending, from generated data.

The validation pass (amigo_async._validation) reads the schemas of the in-repo data; it is
exercised here per constraint kind; a refused call leaves the fake server untouched.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from amigo_async import AmigoClient
from amigo_async._validation import check_request, request_problems
from amigo_async.models import unstructure
from amigo_async.models.organization import AgentList
from amigo_async.models.service import (
    CreateServiceRequest,
    UpdateServiceRequest,
    VersionSetInput,
)
from amigo_async.testing import FakeAmigoServer

OID = "a" * 24


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
        check_request(operation_id, path, query)


def test_right_parameters_pass_and_unknown_operations_are_not_checked() -> None:
    check_request("get-agents", None, {"limit": 20, "id": [OID], "deprecated": None})
    check_request("create-conversation", None, {"response_format": "text"}, {"service_id": OID})
    check_request("not-an-operation", {"anything": 1}, {"whatever": "x"})


def test_the_tool_repo_operations_are_checked_by_their_hand_written_facts() -> None:
    check_request("get-tool-repo-files", None, None, {"file_paths": ["a.py"], "ref": "main"})
    with pytest.raises(ValueError, match=r"^whatever is not a query parameter"):
        check_request("get-tool-repo-commits", None, {"whatever": "x"})
    with pytest.raises(ValueError, match=r"^body\.file_paths must hold at most 5"):
        check_request("get-tool-repo-files", None, None, {"file_paths": ["a"] * 6})
    with pytest.raises(ValueError, match=r"^body\.file_paths\[1\] must not be empty"):
        check_request("get-tool-repo-files", None, None, {"file_paths": ["a", " "]})
    with pytest.raises(ValueError, match=r"^file_path must not contain NUL"):
        check_request("get-tool-repo-file-content", {"file_path": "a\x00b"}, None)
    with pytest.raises(ValueError, match=r"^committed_on_or_after must be a timezone-aware"):
        check_request("get-tool-repo-commits", None, {"committed_on_or_after": "2024-01-01T00:00"})
    with pytest.raises(TypeError, match=r"^show_change_stats must be a bool"):
        check_request("get-tool-repo-commits", None, {"show_change_stats": "yes"})
    with pytest.raises(ValueError, match=r"^limit must be at most 20"):
        check_request("get-tool-repo-branches", None, {"limit": 21})


def _body_problem(operation_id: str, body: dict[str, Any]) -> str:
    [problem] = request_problems(operation_id, path=None, query=None, body=body)
    return problem.message()


def test_formats_and_bounds() -> None:
    start = "2024-01-01T00:00:00"
    body = {"url": "https://example.com", "accepted_types": [], "retry_attempts": 6}
    assert _body_problem("create-webhook-destination", body).startswith(
        "body.retry_attempts must be at most 5"
    )
    body = {"url": "https://example.com", "accepted_types": [], "retry_attempts": 0}
    assert _body_problem("create-webhook-destination", body).startswith(
        "body.retry_attempts must be more than 0"
    )
    body = {"url": "nowhere", "accepted_types": []}
    assert _body_problem("create-webhook-destination", body).startswith("body.url must be a URI")
    problems = request_problems(
        "get-metric-evaluation-results", path=None, query={"timestamp_after": start}
    )
    assert [p.message()[:45] for p in problems] == ["timestamp_after must be a timezone-aware ISO "]


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

    def check(model: CreateServiceRequest) -> None:
        check_request("create-service", None, None, unstructure(model))

    with pytest.raises(ValueError, match=r"body\.keyterms\[1\] must match"):
        check(body)
    with pytest.raises(ValueError, match=r"body\.tags must hold at most 20"):
        check(attrs.evolve(body, keyterms=[], tags={str(i): None for i in range(21)}))
    with pytest.raises(TypeError, match=r"body\.agent_id must be a str, not None"):
        check(attrs.evolve(body, keyterms=[], agent_id=None))
    check(attrs.evolve(body, keyterms=["ok"]))


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
    path = {"service_id": OID, "version_set_name": " abc "}
    assert request_problems("upsert-service-version-set", path=path, query=None) == [] or all(
        p.loc[0] == "body"
        for p in request_problems("upsert-service-version-set", path=path, query=None)
    )
    path["version_set_name"] = "  "
    [problem] = [
        p
        for p in request_problems("upsert-service-version-set", path=path, query=None)
        if p.loc[0] == "path"
    ]
    assert problem.message() == "version_set_name must not be empty or only whitespace"
