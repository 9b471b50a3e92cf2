"""interact-with-conversation's third documented form: ``initial_message_type: "skip"``
with an empty recorded_message and no external events (the agent takes its turn)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amigo_async import AmigoClient
from amigo_async.testing import FakeAmigoServer


async def _conversation(client: AmigoClient, fake: FakeAmigoServer) -> str:
    started = await client.conversations.create(fake.state.conversations.service_id).collect()
    assert started.conversation_id is not None
    return started.conversation_id


async def test_a_skip_is_sent_as_documented_and_answered(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    cid = await _conversation(client, fake)
    interaction = await client.conversations.interact(cid, message_type="skip").collect()
    assert interaction.interaction_id is not None
    sent = [r for r in fake.requests if r.operation_id == "interact-with-conversation"][-1]
    assert ("request_format", "text") in sent.query
    body = sent.body.decode()
    assert 'name="initial_message_type"\r\n\r\nskip\r\n' in body
    assert 'name="recorded_message"\r\n\r\n\r\n' in body
    assert "external_event" not in body


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"text": "hi"}, "recorded_message must be at most 0 characters"),
        ({"audio": b"mp3"}, "recorded_message must be at most 0 characters"),
        (
            {"external_events": [(datetime(2025, 1, 1, tzinfo=UTC), "an event")]},
            "external_event_message_content must hold at most 0",
        ),
    ],
)
async def test_a_skip_carries_no_message(
    fake: FakeAmigoServer, client: AmigoClient, extra: dict[str, object], where: str
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match=rf"^body\.{where}"):
        client.conversations.interact("a" * 24, message_type="skip", **extra)  # type: ignore[arg-type]
    assert len(fake.requests) == before


def test_without_skip_exactly_one_of_text_and_audio(client: AmigoClient) -> None:
    with pytest.raises(ValueError, match="exactly one of text= or audio="):
        client.conversations.interact("a" * 24)
    with pytest.raises(ValueError, match=r"^body\.recorded_message must be at least 1"):
        client.conversations.interact("a" * 24, text="")
