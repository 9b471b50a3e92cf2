"""Every JSON answer of admin, tools, organization and conversations fits the snapshot's response
schema, every event of a conversation stream fits the stream's documented event schema, and every
documented read without path parameters, in every area, answers the seeded data as documented (the
other areas' writes are checked by their own tests through `capture_replies`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _areas import Answer, answer, answer_problems, capture_answers, problems
from test_organization import full_agent_version, new_organization, state_machine_version

from amigo_async import AmigoClient
from amigo_async._spec import OPERATIONS
from amigo_async._validation import documented
from amigo_async.models.facts import QUERY_AGAINST_FIELDS
from amigo_async.models.organization import OrganizationUpdate
from amigo_async.models.tools import EnvVarInsert
from amigo_async.testing import FakeAmigoServer

_AREAS = ("admin", "tool", "organization", "conversation")
_NOT_JSON = {"get-prompt-logs", "get-tool-scaffold-release", "access-git-interface"}


def _checked(answers: list[Answer]) -> set[str]:
    return {a.operation_id for a in answers if a.status < 300 and b"".join(a.chunks)}


async def _admin(client: AmigoClient) -> None:
    await client.admin.get_models()
    await client.admin.sql_query("SELECT 1")


async def _tools(client: AmigoClient) -> None:
    tools = client.tools
    [tool] = [t async for t in tools.list() if t.name == "weather_lookup"]
    await tools.list_versions(tool.id).to_list()
    await tools.list_invocations(max_items=5).to_list()
    await tools.search_invocations("timed out", query_against=QUERY_AGAINST_FIELDS)
    await tools.invoke_version(tool.id, "1.2.0", [{"city": "Lima"}, {"raise": "x"}])
    await tools.test(commit_branch="main", project_path="tools/weather", inputs=[{"city": "a"}])
    created = await tools.create("schema_checked", "Checked against the snapshot.")
    await tools.update(created.id, description="Still checked.")
    await tools.update_envvars(created.id, inserts=[EnvVarInsert(name="MODE", value="a")])
    await tools.publish_version(created.id, project_path="tools/weather", bump_type="major")
    await tools.deprecate_versions(created.id, ">=0")
    await tools.deprecate(created.id)


async def _organization(client: AmigoClient) -> None:
    org = client.organization
    agent = await org.create_agent("schema_checked")
    await org.create_agent_version(agent.id, full_agent_version())
    await org.list_agent_versions(agent.id).to_list()
    await org.list_agents(max_items=3).to_list()
    await org.delete_agent(agent.id)
    machine = await org.create_state_machine("schema_checked")
    await org.create_state_machine_version(machine.id, state_machine_version())
    await org.list_state_machine_versions(machine.id).to_list()
    await org.list_state_machines(max_items=3).to_list()
    await org.delete_state_machine(machine.id)
    key = await org.create_api_key(timedelta(days=1))
    await org.list_api_keys()
    await org.delete_api_key(key.api_key_id)
    await org.get_user_dimensions()
    await org.update(OrganizationUpdate(title="Checked"))
    await org.get()
    await org.delete()
    await org.create(new_organization(), mongo_cluster="cluster-1")


async def _conversations(client: AmigoClient, fake: FakeAmigoServer) -> None:
    conversations = client.conversations
    service = fake.state.conversations.service_id
    first = await conversations.create(service).collect()
    cid = first.conversation_id
    assert cid is not None
    second = await conversations.interact(cid, text="Where is my refund?").collect()
    await conversations.list(is_finished=False).to_list()
    await conversations.list_messages(cid).to_list()
    await conversations.recommend_responses(cid, second.interaction_id)
    await conversations.get_interaction_insights(cid, second.interaction_id)
    voice = await conversations.interact(cid, audio=b"ID3fake", response_format="voice").collect()
    await conversations.get_message_source(cid, voice.message_id)
    await conversations.generate_starters(
        service, facets=["refunds"], generation_instructions="brief", max_count=3
    )
    await conversations.update_tags(cid, updates={"topic": "refund"})
    await conversations.finish(cid)


async def test_every_answer_of_the_other_areas_fits_the_snapshot(
    fake: FakeAmigoServer, client: AmigoClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = capture_answers(monkeypatch, _AREAS)
    await _admin(client)
    await _tools(client)
    await _organization(client)
    await _conversations(client, fake)
    assert answer_problems(answers) == []
    assert {"create-conversation", "interact-with-conversation", "get-tools"} <= _checked(answers)
    assert len(_checked(answers)) >= 30


def test_a_misfit_stream_event_is_found() -> None:
    event = Answer("create-conversation", 201, "application/x-ndjson", [b'{"type": 3}\n'])
    assert answer_problems([event])
    assert problems({"type": "new-message"}, {"type": "object", "required": ["message"]})


async def test_every_parameterless_read_of_every_area_fits_the_snapshot(
    fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each JSON GET without path parameters against the seeded data (a required `query`
    given, other queries left out): each 2xx answer fits its documented schema."""
    answers = capture_answers(monkeypatch, {op.area for op in OPERATIONS.values()})
    reads = [
        op
        for op in OPERATIONS.values()
        if op.method == "GET" and not op.path_parameters and documented(op.id)
    ]
    for operation in reads:
        if operation.id not in _NOT_JSON:
            await answer(fake, operation.id, operation.path, query={"query": "a"})
    assert answer_problems(answers) == []
    assert len(_checked(answers)) >= 25, sorted(_checked(answers))
