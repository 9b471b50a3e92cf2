"""The NDJSON event parser on its own (no HTTP): framing, typing and the completeness rule."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest

from amigo_async import errors
from amigo_async.conversations import (
    CREATE_EVENTS,
    INTERACT_EVENTS,
    PartialLineError,
    collect_interaction,
    parse_events,
    split_lines,
)
from amigo_async.models.conversation import (
    CurrentAgentActionEvent,
    ErrorEvent,
    InteractionCompleteEvent,
    NewMessageEvent,
    UnknownConversationAction,
    UnknownInteractWithConversationResponse,
    UserMessageAvailableEvent,
)

CONVERSATION = "a" * 24
_AGENT = "b" * 24
_PIECES = ["Your refund ", "was sent ", "on Monday — ", "ça va? 👍"]
RECORDED_EVENTS: list[dict[str, Any]] = [
    {"type": "user-message-available", "message_id": "c" * 24, "user_message": "Where is it?"},
    {
        "type": "current-agent-action",
        "action": {"type": "navigate-state-machine-action-state-action-selected", "action": "look"},
    },
    {
        "type": "current-agent-action",
        "action": {
            "type": "tool-call-started",
            "tool_round_index": 0,
            "tool_id": "d" * 24,
            "tool_version": "1.0.0",
            "input_params": {"order": 7},
        },
    },
    *[
        {
            "type": "new-message",
            "message": piece,
            "transcript_alignment": None,
            "stop": index == len(_PIECES) - 1,
            "sequence_number": index,
            "message_id": _AGENT,
        }
        for index, piece in enumerate(_PIECES)
    ],
    {
        "type": "interaction-complete",
        "message_id": _AGENT,
        "interaction_id": "e" * 24,
        "full_message": "".join(_PIECES),
        "conversation_completed": False,
    },
]


def ndjson(events: Iterable[dict[str, Any]], newline: bytes = b"\n") -> bytes:
    return b"".join(json.dumps(e, ensure_ascii=False).encode() + newline for e in events)


RECORDED = ndjson(RECORDED_EVENTS)


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(data: bytes, size: int = 7, union: Any = INTERACT_EVENTS) -> list[Any]:
    return [e async for e in parse_events(chunked(data, size), union, conversation_id=CONVERSATION)]


async def read_until_error(data: bytes, size: int = 7) -> tuple[list[Any], BaseException | None]:
    seen: list[Any] = []
    try:
        async for event in parse_events(chunked(data, size), conversation_id=CONVERSATION):
            seen.append(event)
    except Exception as exc:  # the caller inspects it
        return seen, exc
    return seen, None


async def test_a_recorded_interaction_reads_as_typed_events() -> None:
    events = await read(RECORDED)
    assert [type(e) for e in events] == [
        UserMessageAvailableEvent,
        CurrentAgentActionEvent,
        CurrentAgentActionEvent,
        *[NewMessageEvent] * len(_PIECES),
        InteractionCompleteEvent,
    ]
    assert events[1].action.action == "look"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 1 << 20])
async def test_every_chunking_gives_the_same_events(size: int) -> None:
    assert await read(RECORDED, size) == await read(RECORDED, len(RECORDED))


async def test_a_cut_at_every_offset_is_never_a_silent_success_and_loses_no_whole_event() -> None:
    line_ends = [i for i, byte in enumerate(RECORDED) if byte == ord("\n")]
    complete = await read(RECORDED)
    for offset in range(len(RECORDED)):
        seen, error = await read_until_error(RECORDED[:offset], size=5)
        whole = sum(1 for end in line_ends if end < offset)
        assert isinstance(error, errors.TruncatedStreamError), offset
        assert seen == complete[:whole], offset
        assert error.entries_delivered == whole
        assert error.bytes_received == offset


async def test_crlf_lines_and_blank_lines_are_read() -> None:
    data = b"\r\n" + ndjson(RECORDED_EVENTS, b"\r\n") + b"\n\n"
    assert await read(data) == await read(RECORDED)


async def test_an_error_event_before_interaction_complete_raises_after_the_events_before_it() -> (
    None
):
    error = {"type": "error", "http_error_code": 503, "error_description": "model overloaded"}
    data = ndjson([*RECORDED_EVENTS[:4], error, RECORDED_EVENTS[-1]])
    seen, raised = await read_until_error(data)
    assert seen == (await read(RECORDED))[:4]
    assert isinstance(raised, errors.ConversationEventError)
    assert raised.status == 503
    assert raised.conversation_id == CONVERSATION
    assert "model overloaded" in str(raised)


async def test_an_error_event_after_interaction_complete_is_yielded_and_keeps_the_interaction() -> (
    None
):
    error = {"type": "error", "http_error_code": 500, "error_description": "post-processing"}
    events = await read(ndjson([*RECORDED_EVENTS, error]))
    assert isinstance(events[-1], ErrorEvent)
    interaction = await collect_interaction(chunk_events(events), conversation_id="c-1")
    assert interaction.full_message == "".join(_PIECES)
    assert interaction.post_processing_error == events[-1]
    assert interaction.conversation_id == "c-1"


async def test_events_naming_no_conversation_are_refused() -> None:
    """`Interaction.conversation_id` is a `str` users pass on to interact/finish."""
    events = await read(ndjson(RECORDED_EVENTS))
    with pytest.raises(errors.InvalidResponseError, match="no conversation-created"):
        await collect_interaction(chunk_events(events))


async def chunk_events(events: list[Any]) -> AsyncIterator[Any]:
    for event in events:
        yield event


async def test_an_unknown_event_type_is_kept_with_its_data() -> None:
    odd = {"type": "agent-mood", "mood": "cheerful"}
    odd_action = {"type": "current-agent-action", "action": {"type": "new-kind", "x": 1}}
    events = await read(ndjson([odd, odd_action, *RECORDED_EVENTS]))
    assert isinstance(events[0], UnknownInteractWithConversationResponse)
    assert events[0].type == "agent-mood" and events[0].raw == odd
    assert isinstance(events[1].action, UnknownConversationAction)
    assert events[1].action.raw == {"type": "new-kind", "x": 1}


async def test_a_new_message_without_transcript_alignment_is_read() -> None:
    piece = dict(RECORDED_EVENTS[3])
    del piece["transcript_alignment"]
    events = await read(ndjson([piece, RECORDED_EVENTS[-1]]))
    assert events[0].transcript_alignment is None


async def test_a_known_event_of_the_wrong_shape_is_an_invalid_response() -> None:
    bad = {"type": "interaction-complete", "message_id": 5}
    seen, raised = await read_until_error(ndjson([RECORDED_EVENTS[0], bad]))
    assert len(seen) == 1
    assert isinstance(raised, errors.InvalidResponseError)


async def test_a_line_that_is_not_json_is_an_invalid_response() -> None:
    seen, raised = await read_until_error(ndjson(RECORDED_EVENTS[:2]) + b"{not json\n")
    assert len(seen) == 2
    assert isinstance(raised, errors.InvalidResponseError)


async def test_a_line_past_the_cap_is_refused_before_it_is_buffered_whole() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 1000

    with pytest.raises(errors.InvalidResponseError, match="2000 bytes"):
        async for _ in split_lines(endless(), max_line_bytes=2000):
            pass
    assert pulled == 3


async def test_a_line_at_the_cap_is_accepted() -> None:
    lines = [
        line
        async for line in split_lines(chunked(b"y" * 2000 + b"\nz\n", 300), max_line_bytes=2000)
    ]
    assert lines == [b"y" * 2000, b"z"]


async def test_a_last_line_without_newline_is_partial() -> None:
    with pytest.raises(PartialLineError):
        async for _ in split_lines(chunked(b'{"a":1}\n{"b":2}', 3)):
            pass


async def test_create_stream_learns_the_conversation_id_for_its_errors() -> None:
    created = {"type": "conversation-created", "conversation_id": "f" * 24}
    error = {"type": "error", "http_error_code": 400, "error_description": "no voice"}
    with pytest.raises(errors.ConversationEventError) as raised:
        async for _ in parse_events(chunked(ndjson([created, error]), 4), CREATE_EVENTS):
            pass
    assert raised.value.conversation_id == "f" * 24


async def test_the_collector_checks_the_pieces_against_the_full_message() -> None:
    events = await read(RECORDED)
    events[4] = NewMessageEvent(
        message="was NOT sent ",
        transcript_alignment=None,
        stop=False,
        sequence_number=1,
        message_id=_AGENT,
    )
    with pytest.raises(errors.InvalidResponseError, match="full_message"):
        await collect_interaction(chunk_events(events), conversation_id="c-1")


async def test_the_collector_gathers_ids_actions_and_the_user_message() -> None:
    interaction = await collect_interaction(chunk_events(await read(RECORDED)), conversation_id="c")
    assert interaction.interaction_id == "e" * 24
    assert interaction.message_id == _AGENT
    assert interaction.user_message == "Where is it?"
    assert len(interaction.actions) == 2
    assert interaction.conversation_completed is False
    assert interaction.events == len(RECORDED_EVENTS)
