"""client.conversations against the fake server: every operation, the streams, faults, inputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from _snapshot import snapshot_operations

from amigo_async import AmigoClient, errors
from amigo_async._spec import OPERATIONS
from amigo_async.conversations import Interaction
from amigo_async.models.conversation import (
    ConversationCreatedEvent,
    ErrorEvent,
    InteractionCompleteEvent,
    NewMessageEvent,
)
from amigo_async.testing import FakeAmigoServer, Fault

ORG = "/v1/acme"
_C = "/conversation/{conversation_id}"
PINNED = {
    "create-conversation": ("POST", "/conversation/", 5),
    "interact-with-conversation": ("POST", f"{_C}/interact", 15),
    "get-conversations": ("GET", "/conversation/", 15),
    "get-conversation-messages": ("GET", f"{_C}/messages/", 20),
    "finish-conversation": ("POST", f"{_C}/finish/", 5),
    "recommend-responses-for-interaction": (
        "POST",
        f"{_C}/interaction/{{interaction_id}}/recommend_responses",
        20,
    ),
    "get-interaction-insights": ("GET", f"{_C}/interaction/{{interaction_id}}/insights", 20),
    "retrieve-message-source": ("GET", f"{_C}/messages/{{message_id}}/source", 30),
    "generate-conversation-starter": ("POST", "/conversation/conversation_starter", 10),
    "modify-tags-of-conversation": ("POST", f"{_C}/tags/", 50),
}


@pytest.mark.parametrize("operation_id", sorted(PINNED))
def test_the_table_pins_method_path_and_limit(operation_id: str) -> None:
    operation = OPERATIONS[operation_id]
    method, path, per_minute = PINNED[operation_id]
    assert (operation.method, operation.path, operation.area) == (method, path, "conversation")
    assert operation.limit is not None
    assert (operation.limit.requests, operation.limit.per_seconds) == (per_minute, 60.0)


def test_the_pinned_limits_are_the_snapshot_429_facts() -> None:
    limits = {
        op["operationId"]: op["x-limit-per-minute"]
        for _, _, op in snapshot_operations()
        if op["operationId"] in PINNED
    }
    for operation_id, (_, _, per_minute) in PINNED.items():
        assert limits[operation_id] == per_minute, operation_id


def _sent(fake: FakeAmigoServer) -> dict[str, tuple[str, str]]:
    return {r.operation_id: (r.method, r.raw_path) for r in fake.requests}


def _query(fake: FakeAmigoServer, operation_id: str) -> dict[str, list[str]]:
    record = next(r for r in fake.requests if r.operation_id == operation_id)
    query: dict[str, list[str]] = {}
    for name, value in record.query:
        query.setdefault(name, []).append(value)
    return query


async def _start(client: AmigoClient, fake: FakeAmigoServer) -> Interaction:
    return await client.conversations.create(fake.state.conversations.service_id).collect()


async def test_every_operation_reaches_its_documented_method_and_path(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    conversations = client.conversations
    service = fake.state.conversations.service_id
    first = await _start(client, fake)
    cid = first.conversation_id
    assert cid is not None
    second = await conversations.interact(cid, text="Where is my refund?").collect()
    listed = [c async for c in conversations.list(is_finished=False, sort_by=["-created_at"])]
    messages = [m async for m in conversations.list_messages(cid)]
    recommended = await conversations.recommend_responses(cid, second.interaction_id)
    insights = await conversations.get_interaction_insights(cid, second.interaction_id)
    voice = await conversations.interact(cid, audio=b"ID3fake", response_format="voice").collect()
    source = await conversations.get_message_source(cid, voice.message_id)
    starters = await conversations.generate_starters(
        service, facets=["refunds"], generation_instructions="be brief", max_count=3
    )
    await conversations.update_tags(cid, updates={"topic": "refund"}, deletes=["old"])
    await conversations.finish(cid)

    assert [c.id for c in listed] == [cid]
    assert [m.message for m in messages][-2:] == ["Where is my refund?", second.full_message]
    assert recommended and insights.current_state_name
    assert source["url"] and starters
    expected = {
        op: (
            method,
            ORG
            + path.format(
                conversation_id=cid,
                interaction_id=second.interaction_id,
                message_id=voice.message_id,
            ),
        )
        for op, (method, path, _) in PINNED.items()
    }
    assert _sent(fake) == expected
    assert _query(fake, "get-conversations")["limit"] == ["150"]
    assert _query(fake, "get-conversation-messages")["limit"] == ["500"]
    assert fake.state.conversations.conversations[cid].tags == {"topic": "refund"}


async def test_create_streams_typed_events_and_collects_the_agents_greeting(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    stream = client.conversations.create(fake.state.conversations.service_id)
    events = [e async for e in stream]
    assert isinstance(events[0], ConversationCreatedEvent)
    assert isinstance(events[-1], InteractionCompleteEvent)
    pieces = [e.message for e in events if isinstance(e, NewMessageEvent)]
    assert len(pieces) > 1 and "".join(pieces) == events[-1].full_message
    assert _query(fake, "create-conversation") == {"response_format": ["text"]}


async def test_each_event_arrives_while_the_server_is_still_streaming(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    fake.state.conversations.event_delay = 0.05  # the rest is still to come at the first event
    busy_at_first_event = None
    async for _ in client.conversations.interact(cid, text="hello"):
        if busy_at_first_event is None:
            busy_at_first_event = fake.state.conversations.conversations[cid].busy
    assert busy_at_first_event is True
    assert fake.state.conversations.conversations[cid].busy is False


async def test_a_second_unfinished_conversation_of_one_service_is_a_conflict(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    first = await _start(client, fake)
    with pytest.raises(errors.ConflictError):
        await _start(client, fake)
    assert first.conversation_id is not None
    await client.conversations.finish(first.conversation_id)
    assert (await _start(client, fake)).conversation_id != first.conversation_id


async def test_saying_goodbye_completes_the_conversation(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    done = await client.conversations.interact(cid, text="Goodbye!").collect()
    assert done.conversation_completed is True
    with pytest.raises(errors.ConflictError):
        await client.conversations.interact(cid, text="still there?").collect()


@pytest.mark.parametrize(
    "fault", [Fault.cut_after_events(3), Fault.cut_mid_line(3), Fault.reset(400)]
)
async def test_a_cut_stream_raises_truncation_after_its_whole_events_and_is_not_resent(
    fake: FakeAmigoServer, client: AmigoClient, fault: Fault
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    fake.inject("interact-with-conversation", fault)
    seen: list[Any] = []
    with pytest.raises(errors.TruncatedStreamError) as raised:
        async for event in client.conversations.interact(cid, text="tell me a long story"):
            seen.append(event)
    if fault.events:
        assert len(seen) == fault.events == raised.value.entries_delivered
    assert raised.value.operation_id == "interact-with-conversation"
    assert raised.value.status == 200
    assert raised.value.path == f"{ORG}/conversation/{cid}/interact"
    assert fake.count("interact-with-conversation") == 1


async def test_an_error_event_before_completion_raises_with_status_and_conversation(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    fake.inject("interact-with-conversation", Fault.error_event(503))
    seen: list[Any] = []
    with pytest.raises(errors.ConversationEventError) as raised:
        async for event in client.conversations.interact(cid, text="hi"):
            seen.append(event)
    assert raised.value.status == 503
    assert raised.value.conversation_id == cid
    assert raised.value.operation_id == "interact-with-conversation"
    assert seen and not any(isinstance(e, InteractionCompleteEvent) for e in seen)
    assert fake.count("interact-with-conversation") == 1


async def test_an_error_event_after_completion_keeps_the_interaction(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    fake.inject("interact-with-conversation", Fault.error_event(after_complete=True))
    interaction = await client.conversations.interact(cid, text="hi").collect()
    assert isinstance(interaction.post_processing_error, ErrorEvent)
    assert interaction.full_message.startswith("You said")


async def test_a_refused_stream_is_not_retried_but_a_429_is(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    fake.inject("interact-with-conversation", Fault.status_code(503))
    with pytest.raises(errors.ServiceUnavailableError):
        await client.conversations.interact(cid, text="hi").collect()
    assert fake.count("interact-with-conversation") == 1
    fake.inject("interact-with-conversation", Fault.status_code(429, retry_after=0.01))
    await client.conversations.interact(cid, text="hi").collect()
    assert fake.count("interact-with-conversation") == 3


async def test_voice_in_and_out(fake: FakeAmigoServer, client: AmigoClient) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    pcm = bytes(range(256)) * 4
    stream = client.conversations.interact(
        cid,
        audio=pcm,
        audio_format="pcm",
        pcm_frame_rate=16000,
        pcm_sample_width=2,
        response_format="voice",
    )
    interaction = await stream.collect()
    assert interaction.audio and len(interaction.audio) % 2 == 0
    record = fake.requests[-1]
    query = dict(record.query)
    assert (query["request_format"], query["response_format"]) == ("voice", "voice")
    assert json.loads(query["request_audio_config"]) == {
        "type": "pcm",
        "frame_rate": 16000,
        "n_channels": 1,
        "sample_width": 2,
    }
    assert b'filename="message.pcm"' in record.body and pcm in record.body
    assert interaction.user_message == f"(a voice message of {len(pcm)} bytes)"


async def test_text_goes_as_a_multipart_form(fake: FakeAmigoServer, client: AmigoClient) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    await client.conversations.interact(cid, text="multi part").collect()
    record = fake.requests[-1]
    assert record.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="recorded_message"' in record.body and b"multi part" in record.body
    assert dict(record.query)["request_format"] == "text"


async def test_listing_filters_and_pages(fake: FakeAmigoServer, client: AmigoClient) -> None:
    finished = [c async for c in client.conversations.list(is_finished=True, limit=2)]
    assert len(finished) == 7 and all(c.is_finished for c in finished)
    assert fake.count("get-conversations") == 4
    tagged = [c async for c in client.conversations.list(tags=["seeded:3"])]
    assert [c.tags["seeded"] for c in tagged] == ["3"]


async def test_leaving_a_stream_early_frees_the_conversation(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = (await _start(client, fake)).conversation_id
    assert cid is not None
    async with client.conversations.interact(cid, text="hi") as stream:
        async for _ in stream:
            break
    await client.conversations.interact(cid, text="again").collect()


ID = "a" * 24
NAIVE = datetime(2025, 1, 1)
AWARE = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.conversations.create("not-an-id"), "service_id"),
        (lambda c: c.conversations.create(ID, response_format="video"), "response_format"),
        (lambda c: c.conversations.create(ID, initial_message_type="user-message"), "initial"),
        (lambda c: c.conversations.create(ID, tags={"bad:key": "v"}), "tags"),
        (lambda c: c.conversations.create(ID, tags={"k": "v" * 101}), "100"),
        (lambda c: c.conversations.interact(ID), "exactly one"),
        (lambda c: c.conversations.interact(ID, text="a", audio=b"b"), "exactly one"),
        (lambda c: c.conversations.interact(ID, text="  "), r"^body\.recorded_message"),
        (
            lambda c: c.conversations.interact(ID, audio=b"x", audio_format="pcm"),
            r"^request_audio_config\.frame_rate is required",
        ),
        (
            lambda c: c.conversations.interact(ID, audio=b"x", audio_format="wav"),
            r"^request_audio_config\.type must be one of 'mp3', 'pcm'",
        ),
        (
            lambda c: c.conversations.interact(
                ID, audio=b"x", audio_format="pcm", pcm_frame_rate=3999, pcm_sample_width=2
            ),
            r"^request_audio_config\.frame_rate must be at least 4000",
        ),
        (
            lambda c: c.conversations.interact(ID, audio=b"x", pcm_frame_rate=16000),
            r"^pcm_frame_rate= go with audio_format='pcm' only",
        ),
        (
            lambda c: c.conversations.interact(ID, text="a", external_events=[(NAIVE, "e")]),
            r"^body\.external_event_message_timestamp\[0\] must be a timezone-aware",
        ),
        (
            lambda c: c.conversations.interact(ID, text="a", external_events=[(AWARE, "")]),
            r"^body\.external_event_message_content\[0\] must be at least 1",
        ),
        (
            lambda c: c.conversations.interact(ID, text="a", external_events=[AWARE]),
            r"^external_events\[0\] must be a \(datetime, str\) pair",
        ),
        (lambda c: c.conversations.interact(ID, text="a", current_agent_action_type="("), "regex"),
        (lambda c: c.conversations.interact("x" * 24, text="a"), "conversation_id"),
        (lambda c: c.conversations.list(limit=151), "150"),
        (lambda c: c.conversations.list(sort_by=["name"]), "sort_by"),
        (lambda c: c.conversations.list(tags=["novalue"]), r"tag\[0\]"),
        (lambda c: c.conversations.list(service_ids=["x"]), r"^service_id\[0\]"),
        (lambda c: c.conversations.list_messages(ID, limit=501), "500"),
        (
            lambda c: c.conversations.list_messages(ID, message_types=["shout"]),
            r"^message_type\[0\]",
        ),
        (lambda c: c.conversations.list_messages(ID, sort_by=["+name"]), "sort_by"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    fake: FakeAmigoServer, client: AmigoClient, call: Any, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call(client)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.conversations.finish("nope"), "conversation_id"),
        (lambda c: c.conversations.update_tags(ID), "updates"),
        (lambda c: c.conversations.update_tags(ID, updates={"k": "a:b"}), "updates"),
        (lambda c: c.conversations.recommend_responses(ID, "x"), "interaction_id"),
        (lambda c: c.conversations.get_message_source(ID, ID, long_lived="yes"), "long_lived"),
        (
            lambda c: c.conversations.generate_starters(ID, facets=[], generation_instructions="x"),
            "facets",
        ),
        (
            lambda c: c.conversations.generate_starters(
                ID, facets=["a"], generation_instructions="x", min_count=5, max_count=2
            ),
            "max_count",
        ),
    ],
)
async def test_bad_input_to_the_plain_calls_is_refused_before_sending(
    fake: FakeAmigoServer, client: AmigoClient, call: Any, message: str
) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        await call(client)
    assert fake.requests == []


async def test_an_event_stream_is_iterated_once(fake: FakeAmigoServer, client: AmigoClient) -> None:
    stream = client.conversations.create(fake.state.conversations.service_id)
    await stream.collect()
    with pytest.raises(RuntimeError):
        aiter(stream)
