"""The ten conversation operations: NDJSON event streams, lists, finish, insights, tags.

The streams are written event by event, each line split across two chunks and
`ConversationData.event_delay` apart, so a client must reassemble lines and
yield events as they come. Event-stream faults (`Fault.cut_after_events`,
`Fault.cut_mid_line`, `Fault.error_event`) arrive through `Call.fault`.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import attrs

from ...models.conversation import GetInteractionInsightsResponse
from .._app import Call, Refused, Reply, Unprocessable, error_reply, handler, json_reply
from .._crud import listing, matching, tagged
from .._data.conversation import VERSION_SETS, ConversationData, FakeConversation
from .._faults import Fault, FaultKind
from .._request_checks import form_parts
from .._samples import sample
from ._filters import by_bool

_DEFAULT_MESSAGE_TYPES = ("external-event", "agent-message", "user-message")
_MAX_TAGS = 20
_ACTIONS: tuple[dict[str, str], ...] = (
    {"type": "select-dynamic-behavior-vector-generated"},
    {
        "type": "navigate-state-machine-action-state-action-selected",
        "action": "answer the user's question",
    },
)


def _data(call: Call) -> ConversationData:
    return call.state.conversations


def _conversation(call: Call) -> FakeConversation:
    found = _data(call).conversations.get(call.path("conversation_id"))
    if found is None or found.user_id != call.user_id:
        raise Refused(404, "Specified organization or conversation is not found.")
    return found


# -- the streams -----------------------------------------------------------------
# The pass has checked the formats (enum members), the action type (a regex) and the
# interact form's fields (its message type, and a text message that is not blank).


@handler("create-conversation")
async def create_conversation(call: Call) -> Reply:
    body = call.json()
    service_id = body["service_id"]
    data = _data(call)
    version_set = body.get("service_version_set_name", "release")
    if service_id != data.service_id or version_set not in VERSION_SETS:
        return error_reply(404, "Specified organization, service, or version set is not found.")
    if call.user_id is None or data.unfinished(call.user_id, service_id) is not None:
        return error_reply(409, "The user has an unfinished conversation of this service.")
    conversation = data.start(call.user_id, service_id, body.get("tags") or {})
    first = {"type": "conversation-created", "conversation_id": conversation.id}
    kind = body.get("initial_message_type") or "user-message"
    turn = _Turn(conversation, body.get("initial_message"), "text", kind)
    return _stream(call, turn, 201, first)


@handler("interact-with-conversation")
async def interact_with_conversation(call: Call) -> Reply:
    found = _conversation(call)
    request_format = call.query("request_format")
    if request_format == "voice" and call.query("request_audio_config") is None:
        return error_reply(400, "request_audio_config is required for voice messages.")
    if not call.request.content_type.startswith("multipart/form-data"):
        raise Unprocessable(("header", "content-type"), "multipart/form-data is required")
    fields = {name: payload for name, payload, _ in form_parts(call.body)}
    kind, recorded = fields["initial_message_type"].decode(), fields["recorded_message"]
    if found.is_finished or found.busy:
        return error_reply(
            409, "The conversation is finished, or a related operation is in process."
        )
    text = (
        recorded.decode()
        if request_format == "text"
        else f"(a voice message of {len(recorded)} bytes)"
    )
    turn = _Turn(found, None if kind == "skip" else text, request_format or "text", kind)
    return _stream(call, turn, 200)


@attrs.frozen
class _Turn:
    """A stream's conversation and the user's side of its turn: the message (None: none, as in
    a skip), its format and its type."""

    conversation: FakeConversation
    said: str | None
    form: str
    kind: str  # user-message, external-event, skip


def _stream(call: Call, turn: _Turn, status: int, *first: dict[str, Any]) -> Reply:
    """A streamed NDJSON reply: `first`, then the agent's turn; the conversation is busy
    until the stream ends."""
    turn.conversation.busy = True

    async def body() -> AsyncIterator[bytes]:
        try:
            events = [*first, *_agent_turn(call, turn)]
            lines = [json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in events]
            async for chunk in _cut(lines, call.fault, _data(call).event_delay):
                yield chunk
        finally:
            turn.conversation.busy = False

    return Reply(status, body(), content_type="application/x-ndjson", streamed=True)


def _agent_turn(call: Call, turn: _Turn) -> list[dict[str, Any]]:
    """The agent's turn: its actions, its reply in pieces, interaction-complete; an error
    event instead (nothing saved) or after it, when the fault says so."""
    data, fault = _data(call), call.fault
    actions = re.compile(call.query("current_agent_action_type") or "^.*$")
    acting = [
        {"type": "current-agent-action", "action": action}
        for action in _ACTIONS
        if actions.search(action["type"])
    ]
    response_format = call.query("response_format") or "text"
    reply, voice = data.reply_to(turn.said), response_format == "voice"
    errors: list[dict[str, Any]] = []
    if fault is not None and fault.kind is FaultKind.ERROR_EVENT:
        errors.append(
            {"type": "error", "http_error_code": fault.status, "error_description": "boom"}
        )
        if not fault.after_complete:  # the interaction is void: nothing is saved
            return [*acting, *data.pieces(reply, voice, data.new_id()), *errors]
    interaction_id, user_id, agent_id = data.record_interaction(
        turn.conversation, turn.said, reply, response_format, turn.form, turn.kind
    )
    heard = {"type": "user-message-available", "message_id": user_id, "user_message": turn.said}
    completed = data.says_goodbye(turn.said)
    turn.conversation.is_finished = turn.conversation.is_finished or completed
    complete = {
        "type": "interaction-complete",
        "message_id": agent_id,
        "interaction_id": interaction_id,
        "full_message": reply,
        "conversation_completed": completed,
    }
    pieces = data.pieces(reply, voice, agent_id)
    return [*([heard] if user_id else []), *acting, *pieces, complete, *errors]


async def _cut(lines: list[bytes], fault: Fault | None, delay: float) -> AsyncIterator[bytes]:
    """Each line in two chunks, `delay` apart; a cut fault stops after its event count."""
    whole = len(lines)
    if fault is not None and fault.kind in (FaultKind.CUT_AFTER_EVENTS, FaultKind.CUT_MID_LINE):
        whole = min(fault.events, len(lines))
    for index, line in enumerate(lines[:whole]):
        if index and delay:
            await asyncio.sleep(delay)
        middle = len(line) // 2
        yield line[:middle]
        yield line[middle:]
    if fault is not None and fault.kind is FaultKind.CUT_MID_LINE and whole < len(lines):
        yield lines[whole][: len(lines[whole]) // 2]


# -- lists -----------------------------------------------------------------------


@handler("get-conversations")
async def get_conversations(call: Call) -> Reply:
    items = [c.instance() for c in _data(call).conversations.values()]
    for field in ("id", "service_id", "user_id"):
        items = matching(call, items, field)
    items = by_bool(call, tagged(call, items, "tag"), "is_finished")
    return listing(call, "get-conversations", items)


@handler("get-conversation-messages")
async def get_conversation_messages(call: Call) -> Reply:
    items = matching(call, matching(call, _conversation(call).messages, "id"), "interaction_id")
    kinds = call.query_all("message_type") or _DEFAULT_MESSAGE_TYPES
    items = [m for m in items if m["message_type"] in kinds]
    return listing(call, "get-conversation-messages", items)


# -- one conversation ------------------------------------------------------------


@handler("finish-conversation")
async def finish_conversation(call: Call) -> Reply:
    found = _conversation(call)
    if found.is_finished or found.busy:
        return error_reply(
            409,
            "The specified conversation is already finished, or a related operation is in process.",
        )
    if not found.messages:
        del _data(call).conversations[found.id]  # documented: a conversation without messages
    found.is_finished = True
    return Reply(204)


def _interaction(call: Call, conversation: FakeConversation) -> str:
    interaction_id = call.path("interaction_id")
    if interaction_id not in conversation.interactions:
        raise Refused(404, "Specified organization, conversation, or interaction is not found.")
    return interaction_id


@handler("recommend-responses-for-interaction")
async def recommend_responses(call: Call) -> Reply:
    found = _conversation(call)
    interaction = _interaction(call, found)
    if found.is_finished or interaction != found.interactions[-1]:
        return error_reply(
            400, "The conversation is finished, or the interaction is not the latest."
        )
    return json_reply({"recommended_responses": ["Tell me more.", "Thanks!", "Goodbye"]})


@handler("get-interaction-insights")
async def get_interaction_insights(call: Call) -> Reply:
    """A sample of the documented answer, the same for the same interaction."""
    interaction = _interaction(call, _conversation(call))
    return json_reply(sample(GetInteractionInsightsResponse, random.Random(interaction)))


@handler("retrieve-message-source")
async def retrieve_message_source(call: Call) -> Reply:
    found = _conversation(call)
    message_id = call.path("message_id")
    message = next((m for m in found.messages if m["id"] == message_id), None)
    if message is None:
        return error_reply(404, "Specified organization or message is not found.")
    if message["format"] == "text":
        return error_reply(400, "The message is a text message.")
    expires = _data(call).now() + timedelta(hours=12 if call.query_bool("long_lived") else 1)
    url = f"https://fake-amigo.invalid/sources/{message_id}"
    return json_reply({"url": url, "expires_at": expires.isoformat(), "content_type": "audio/mpeg"})


@handler("generate-conversation-starter")
async def generate_conversation_starter(call: Call) -> Reply:
    """One prompt a facet, and one more, within the counts asked for (min <= max: the pass)."""
    body = call.json()
    if body["service_id"] != _data(call).service_id:
        return error_reply(404, "Service not found.")
    facets = body["facets"]
    count = max(int(body["min_count"]), min(int(body["max_count"]), len(facets) + 1))  # 3.0: 3
    chosen = [facets[i % len(facets)] for i in range(count)]
    prompts = [
        {"prompt": f"Ask me about {f} ({i + 1})", "facets": [f]} for i, f in enumerate(chosen)
    ]
    return json_reply({"prompts": prompts})


@handler("modify-tags-of-conversation")
async def modify_tags(call: Call) -> Reply:
    found = _conversation(call)
    body = call.json()
    tags = dict(found.tags)
    tags.update(body.get("updates") or {})
    for key in body.get("deletes") or []:
        tags.pop(key, None)
    if len(tags) > _MAX_TAGS:
        return error_reply(400, "The conversation cannot contain more than 20 tags.")
    found.tags = tags
    return Reply(204)
