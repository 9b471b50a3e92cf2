"""The official Python SDK (``amigo-sdk``) pointed at the fake: every operation it offers gets an
answer its pydantic models accept, so the fake serves third-party clients, not only ours.

Where the SDK itself departs from the snapshot the call is marked, with the reason, instead
of bending the fake away from the documents.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from _areas import recorded
from test_organization import full_agent_version, state_machine_version

from amigo_async import webhooks
from amigo_async.models import unstructure
from amigo_async.testing import FakeAmigoServer

amigo_sdk = pytest.importorskip("amigo_sdk")
pydantic = pytest.importorskip("pydantic")
from amigo_sdk.generated import model as m  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_USERS_DEVIATION = (
    "amigo-sdk requires UserInstance.enable_actions_access, a field the snapshot does not "
    "document; the fake answers as the snapshot says"
)

_NONE_DEVIATION = (
    "amigo-sdk sends bodies with exclude_none=True, so a required nullable field such as "
    "VersionSet.agent_version_number=None (the latest version) is left out: 422 field required"
)


def _options(fake: FakeAmigoServer) -> dict[str, str]:
    return {
        "api_key": fake.api_key,
        "api_key_id": fake.api_key_id,
        "user_id": fake.user_id,
        "organization_id": fake.organization,
        "base_url": fake.url,
    }


@pytest.fixture
async def sdk(fake: FakeAmigoServer) -> AsyncIterator[Any]:
    async with amigo_sdk.AsyncAmigoClient(**_options(fake)) as client:
        yield client


async def _events(stream: Any) -> list[Any]:
    return [event.root async for event in await stream]


def _of(events: list[Any], kind: str) -> Any:
    return next(event for event in events if getattr(event, "type", None) == kind)


async def _conversation(sdk: Any, fake: FakeAmigoServer, response_format: str) -> list[Any]:
    body = m.ConversationCreateConversationRequest(
        service_id=fake.state.conversations.service_id, service_version_set_name="release"
    )
    query = m.CreateConversationParametersQuery(response_format=response_format)
    return await _events(sdk.conversations.create_conversation(body, query))


async def test_sign_in_with_an_api_key_then_bearer(sdk: Any, fake: FakeAmigoServer) -> None:
    organization = await sdk.organizations.get()
    assert organization.org_id == fake.organization
    assert fake.sign_ins == 1
    record = recorded(fake, "get-organization")
    assert record.raw_path == f"/v1/{fake.organization}/organization/"


async def test_configuration_from_the_environment(
    fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _options(fake).items():
        monkeypatch.setenv(f"AMIGO_{name.upper()}", value)
    async with amigo_sdk.AsyncAmigoClient() as client:
        services = await client.services.get_services()
    assert services.services


async def test_services(sdk: Any, fake: FakeAmigoServer) -> None:
    query = m.GetServicesParametersQuery(limit=2, is_active=True, sort_by=["-name"])
    page = await sdk.services.get_services(query)
    assert len(page.services) <= 2
    service = page.services[0]
    version_set = m.VersionSetInput(
        agent_version_number=1,
        service_hierarchical_state_machine_version_number=1,
        llm_model_preferences={},
    )
    created = await sdk.services.create_service(
        m.ServiceCreateServiceRequest(
            service_hierarchical_state_machine_id=service.service_hierarchical_state_machine_id,
            agent_id=service.agent_id,
            name="sdk-made",
            description="Made by the official SDK.",
            is_active=True,
            keyterms=[],
            tags={},
        )
    )
    await sdk.services.update_service(created.id, m.ServiceUpdateServiceRequest(name="renamed"))
    body = m.ServiceUpsertServiceVersionSetRequest(version_set=version_set)
    await sdk.services.upsert_version_set(created.id, "beta", body)
    await sdk.services.delete_version_set(created.id, "beta")
    listed = await sdk.services.get_services(m.GetServicesParametersQuery(id=[created.id]))
    assert [(s.name, list(s.version_sets)) for s in listed.services] == [("renamed", ["release"])]


async def test_users(sdk: Any, fake: FakeAmigoServer) -> None:
    created = await sdk.users.create_user(
        m.UserCreateInvitedUserRequest(
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            role_name=next(iter(fake.state.roles.roles.records)),
        )
    )
    # `{}` is the snapshot's "leave unchanged" for preferred_language and timezone
    await sdk.users.update_user(created.user_id, m.UserUpdateUserInfoRequest(first_name="Ada B."))
    assert fake.state.users.users.get(created.user_id)["first_name"] == "Ada B."
    model = await sdk.users.get_user_model(created.user_id)
    assert model.user_models == []
    await sdk.users.delete_user(created.user_id)
    assert created.user_id not in fake.state.users.users.records


@pytest.mark.xfail(strict=True, raises=amigo_sdk.ValidationError, reason=_NONE_DEVIATION)
async def test_a_version_set_of_latest_versions(sdk: Any) -> None:
    service_id = (await sdk.services.get_services()).services[0].id
    latest = m.VersionSetInput(
        agent_version_number=None,
        service_hierarchical_state_machine_version_number=None,
        llm_model_preferences={},
    )
    body = m.ServiceUpsertServiceVersionSetRequest(version_set=latest)
    await sdk.services.upsert_version_set(service_id, "latest", body)


@pytest.mark.xfail(strict=True, raises=pydantic.ValidationError, reason=_USERS_DEVIATION)
async def test_users_list(sdk: Any) -> None:
    await sdk.users.get_users(m.GetUsersParametersQuery(limit=2))


async def test_a_text_conversation(sdk: Any, fake: FakeAmigoServer) -> None:
    created = await _conversation(sdk, fake, "text")
    conversation_id = _of(created, "conversation-created").conversation_id
    query = m.InteractWithConversationParametersQuery(request_format="text", response_format="text")
    events = await _events(
        sdk.conversations.interact_with_conversation(conversation_id, query, text_message="hello")
    )
    said = "".join(e.message for e in events if getattr(e, "type", None) == "new-message")
    assert "hello" in said
    interaction = _of(events, "interaction-complete").interaction_id
    messages = await sdk.conversations.get_conversation_messages(
        conversation_id,
        m.GetConversationMessagesParametersQuery(
            limit=10, message_type=["user-message"], sort_by=["+created_at"]
        ),
    )
    assert [message.message for message in messages.messages] == ["hello"]
    conversations = sdk.conversations
    assert await conversations.recommend_responses_for_interaction(conversation_id, interaction)
    insights = await conversations.get_interaction_insights(conversation_id, interaction)
    assert insights.current_state_name
    listed = await conversations.get_conversations(
        m.GetConversationsParametersQuery(id=[conversation_id], is_finished=False, limit=5)
    )
    assert [c.id for c in listed.conversations] == [conversation_id]
    await conversations.finish_conversation(conversation_id)
    assert fake.state.conversations.conversations[conversation_id].is_finished


async def test_a_voice_answer_has_a_source(sdk: Any, fake: FakeAmigoServer) -> None:
    events = await _conversation(sdk, fake, "voice")
    conversation_id = _of(events, "conversation-created").conversation_id
    message_id = _of(events, "interaction-complete").message_id
    source = await sdk.conversations.get_message_source(conversation_id, message_id)
    assert source.content_type == "audio/mpeg"
    query = m.InteractWithConversationParametersQuery(
        request_format="voice",
        response_format="text",
        request_audio_config=m.UserMessageAudioConfig.model_validate({"type": "mp3"}),
    )
    answered = await _events(
        sdk.conversations.interact_with_conversation(
            conversation_id, query, audio_bytes=b"\xff\xfb" * 32, audio_content_type="audio/mpeg"
        )
    )
    assert _of(answered, "interaction-complete")


async def test_conversation_starters(sdk: Any, fake: FakeAmigoServer) -> None:
    answer = await sdk.conversations.generate_conversation_starters(
        m.ConversationGenerateConversationStarterRequest(
            service_id=fake.state.conversations.service_id,
            service_version_set_name="release",
            facets=["sleep"],
            min_count=1,
            max_count=3,
            generation_instructions="Be brief.",
        )
    )
    assert answer.prompts


async def test_agents_and_context_graphs(sdk: Any) -> None:
    agent = await sdk.agents.create_agent(m.OrganizationCreateAgentRequest(agent_name="sdk_agent"))
    version = m.OrganizationCreateAgentVersionRequest.model_validate(
        unstructure(full_agent_version())
    )
    await sdk.agents.create_agent_version(agent.id, version)
    assert len((await sdk.agents.get_agent_versions(agent.id)).agent_versions) == 1
    listed = await sdk.agents.get_agents(m.GetAgentsParametersQuery(id=[agent.id]))
    assert [a.id for a in listed.agents] == [agent.id]
    await sdk.agents.delete_agent(agent.id)
    graphs = sdk.context_graphs
    graph = await graphs.create_context_graph(
        m.OrganizationCreateServiceHierarchicalStateMachineRequest(state_machine_name="sdk_graph")
    )
    graph_version = m.OrganizationCreateServiceHierarchicalStateMachineVersionRequest
    await graphs.create_context_graph_version(
        graph.id, graph_version.model_validate(unstructure(state_machine_version()))
    )
    versions = await graphs.get_context_graph_versions(graph.id)
    assert len(versions.state_machine_versions) == 1
    query = m.GetServiceHierarchicalStateMachinesParametersQuery(id=[graph.id])
    listed_graphs = await graphs.get_context_graphs(query)
    assert [g.id for g in listed_graphs.service_hierarchical_state_machines] == [graph.id]
    await graphs.delete_context_graph(graph.id)


async def test_the_sync_client_in_a_thread(fake: FakeAmigoServer) -> None:
    def use() -> tuple[str, list[str]]:
        with amigo_sdk.AmigoClient(**_options(fake)) as client:
            organization = client.organizations.get()
            body = m.ConversationCreateConversationRequest(
                service_id=fake.state.conversations.service_id, service_version_set_name="release"
            )
            query = m.CreateConversationParametersQuery(response_format="text")
            stream = client.conversations.create_conversation(body, query)
            return organization.org_id, [event.root.type for event in stream]

    org_id, kinds = await asyncio.to_thread(use)
    assert org_id == fake.organization
    assert kinds[0] == "conversation-created"
    assert kinds[-1] == "interaction-complete"


def test_webhook_signatures_agree() -> None:
    """A delivery our verifier accepts, the SDK's accepts too (same ``v1:{ts}:{body}`` scheme)."""
    body = json.dumps(
        {
            "type": "conversation-post-processing-complete",
            "post_processing_type": "extract-memories",
            "conversation_id": "a" * 24,
            "org_id": "acme",
        }
    )
    timestamp = str(int(time.time() * 1000))
    signature = hmac.new(b"s3cret", f"v1:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {webhooks.SIGNATURE_HEADER: signature, webhooks.TIMESTAMP_HEADER: timestamp}
    ours = webhooks.verify_delivery(body, headers, secrets="s3cret")
    theirs = amigo_sdk.parse_webhook_event(body, signature, timestamp, "s3cret")
    assert isinstance(ours.event, webhooks.ConversationPostProcessingCompleteEvent)
    assert theirs.conversation_id == ours.event.conversation_id
    with pytest.raises(amigo_sdk.WebhookVerificationError):
        amigo_sdk.verify_signature(body, timestamp, signature, "other")
