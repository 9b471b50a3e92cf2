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

from ...models.conversation import GetInteractionInsightsResponse
from .._app import Call, Reply, Unprocessable, error_reply, json_reply
from .._crud import Refused, endpoint, listing, matching, tagged
from .._data.conversation import ConversationData, FakeConversation
from .._faults import Fault, FaultKind
from .._request_checks import form_parts
from .._samples import sample
from ._filters import by_bool

_MESSAGE_TYPES = ("user-message", "external-event", "skip")
_DEFAULT_MESSAGE_TYPES = ("external-event", "agent-message", "user-message")
_MAX_TAGS = 20
_ACTIONS = (
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


def _format(call: Call, name: str) -> str:
    return call.query(name) or "text"  # required and an enum member: checked already


def _action_filter(call: Call) -> re.Pattern[str]:
    return re.compile(call.query("current_agent_action_type") or "^.*$")  # the pass: a regex


# -- the streams -----------------------------------------------------------------


@endpoint("create-conversation")
async def create_conversation(call: Call) -> Reply:
    response_format = _format(call, "response_format")
    actions = _action_filter(call)
    body = call.json()
    service_id = body["service_id"]
    data = _data(call)
    version_set = body.get("service_version_set_name", "release")
    if service_id not in data.services or not data.knows_version_set(version_set):
        return error_reply(404, "Specified organization, service, or version set is not found.")
    if call.user_id is None or data.unfinished(call.user_id, service_id) is not None:
        return error_reply(409, "The user has an unfinished conversation of this service.")
    initial = body.get("initial_message")
    conversation = data.start(
        call.user_id, service_id, tags=body.get("tags") or {}, version_set=version_set
    )
    events = [{"type": "conversation-created", "conversation_id": conversation.id}]
    script = _Script(data, conversation, initial, response_format, actions, call.fault)
    script.user_type = body.get("initial_message_type") or "user-message"
    return _stream(data, events, script, status=201)


@endpoint("interact-with-conversation")
async def interact_with_conversation(call: Call) -> Reply:
    found = _conversation(call)
    request_format = _format(call, "request_format")
    response_format = _format(call, "response_format")
    actions = _action_filter(call)
    if request_format == "voice" and call.query("request_audio_config") is None:
        return error_reply(400, "request_audio_config is required for voice messages.")
    if not call.request.content_type.startswith("multipart/form-data"):
        raise Unprocessable(("header", "content-type"), "multipart/form-data is required")
    fields = {name: payload for name, payload, _ in reversed(form_parts(call.body))}
    kind = fields.get("initial_message_type", b"").decode()
    recorded = fields.get("recorded_message")
    if kind not in _MESSAGE_TYPES or recorded is None:
        raise Unprocessable(("body",), "initial_message_type and recorded_message are required")
    if found.is_finished or found.busy:
        return error_reply(
            409, "The conversation is finished, or a related operation is in process."
        )
    if request_format == "text":
        text = recorded.decode()
        if kind != "skip" and not text.strip():
            return error_reply(400, "The user message is empty.")
    else:
        text = f"(a voice message of {len(recorded)} bytes)"
    script = _Script(
        _data(call), found, None if kind == "skip" else text, response_format, actions, call.fault
    )
    script.user_format, script.user_type = request_format, kind
    events: list[dict[str, Any]] = []
    return _stream(_data(call), events, script, status=200)


class _Script:
    """What one stream says after its first events: the agent's turn, with the fault applied."""

    def __init__(
        self,
        data: ConversationData,
        conversation: FakeConversation,
        user_message: str | None,
        response_format: str,
        actions: re.Pattern[str],
        fault: Fault | None,
    ) -> None:
        self.data, self.conversation, self.user_message = data, conversation, user_message
        self.response_format, self.actions, self.fault = response_format, actions, fault
        self.user_format, self.user_type = "text", "user-message"

    def events(self) -> list[dict[str, Any]]:
        data, conversation = self.data, self.conversation
        reply = data.reply_to(self.user_message)
        voice = self.response_format == "voice"
        message_id = data.new_id()
        events: list[dict[str, Any]] = []
        for action in _ACTIONS:
            if self.actions.search(action["type"]):
                events.append({"type": "current-agent-action", "action": action})
        events += [{**piece, "message_id": message_id} for piece in data.pieces(reply, voice)]
        error = {"type": "error", "http_error_code": self._status(), "error_description": "boom"}
        if self._fault(FaultKind.ERROR_EVENT) and not self.fault_after_complete:
            return [*events, error]  # void: nothing is saved
        interaction_id, user_id, agent_id = data.record_interaction(
            conversation,
            self.user_message,
            reply,
            self.response_format,
            user_format=self.user_format,
            user_type=self.user_type,
        )
        completed = data.says_goodbye(self.user_message)
        conversation.is_finished = conversation.is_finished or completed
        events = [
            {**e, "message_id": agent_id} if e["type"] == "new-message" else e for e in events
        ]
        if user_id is not None and self.user_type != "skip":
            available = {"type": "user-message-available", "message_id": user_id}
            events.insert(0, {**available, "user_message": self.user_message})
        events.append(
            {
                "type": "interaction-complete",
                "message_id": agent_id,
                "interaction_id": interaction_id,
                "full_message": reply,
                "conversation_completed": completed,
            }
        )
        if self._fault(FaultKind.ERROR_EVENT):
            events.append(error)
        return events

    def _fault(self, kind: FaultKind) -> bool:
        return self.fault is not None and self.fault.kind is kind

    @property
    def fault_after_complete(self) -> bool:
        return self.fault is not None and self.fault.after_complete

    def _status(self) -> int:
        return self.fault.status if self.fault is not None else 500


def _stream(
    data: ConversationData, first: list[dict[str, Any]], script: _Script, *, status: int
) -> Reply:
    """A streamed NDJSON reply; the conversation is busy until the stream ends."""
    script.conversation.busy = True

    async def body() -> AsyncIterator[bytes]:
        try:
            lines = [_line(e) for e in (*first, *script.events())]
            async for chunk in _cut(lines, script.fault, data.event_delay):
                yield chunk
        finally:
            script.conversation.busy = False

    return Reply(status, body(), content_type="application/x-ndjson", streamed=True)


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


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"


# -- lists -----------------------------------------------------------------------


@endpoint("get-conversations")
async def get_conversations(call: Call) -> Reply:
    items = [c.instance() for c in _data(call).conversations.values()]
    for field in ("id", "service_id", "user_id"):
        items = matching(call, items, field)
    items = by_bool(call, tagged(call, items, "tag"), "is_finished")
    return listing(call, "get-conversations", items)


@endpoint("get-conversation-messages")
async def get_conversation_messages(call: Call) -> Reply:
    items = matching(call, matching(call, _conversation(call).messages, "id"), "interaction_id")
    kinds = call.query_all("message_type") or _DEFAULT_MESSAGE_TYPES
    items = [m for m in items if m["message_type"] in kinds]
    return listing(call, "get-conversation-messages", items)


# -- one conversation ------------------------------------------------------------


@endpoint("finish-conversation")
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


@endpoint("recommend-responses-for-interaction")
async def recommend_responses(call: Call) -> Reply:
    found = _conversation(call)
    interaction = _interaction(call, found)
    if found.is_finished or interaction != found.interactions[-1]:
        return error_reply(
            400, "The conversation is finished, or the interaction is not the latest."
        )
    return json_reply({"recommended_responses": ["Tell me more.", "Thanks!", "Goodbye"]})


@endpoint("get-interaction-insights")
async def get_interaction_insights(call: Call) -> Reply:
    """A sample of the documented answer, the same for the same interaction."""
    interaction = _interaction(call, _conversation(call))
    return json_reply(sample(GetInteractionInsightsResponse, random.Random(interaction)))


@endpoint("retrieve-message-source")
async def retrieve_message_source(call: Call) -> Reply:
    found = _conversation(call)
    message_id = call.path("message_id")
    message = next((m for m in found.messages if m["id"] == message_id), None)
    if message is None:
        return error_reply(404, "Specified organization or message is not found.")
    if message["format"] == "text":
        return error_reply(400, "The message is a text message.")
    hours = 12 if call.query_bool("long_lived") else 1
    expires = _data(call).now() + timedelta(hours=hours)
    return json_reply(
        {
            "url": f"https://fake-amigo.invalid/sources/{message_id}",
            "expires_at": expires.isoformat(),
            "content_type": "audio/mpeg",
        }
    )


@endpoint("generate-conversation-starter")
async def generate_conversation_starter(call: Call) -> Reply:
    body = call.json()
    low, high = int(body["min_count"]), int(body["max_count"])  # 3.0 is 3; low <= high (422)
    if body.get("service_id") not in _data(call).services:
        return error_reply(404, "Service not found.")
    facets = body["facets"]
    count = max(low, min(high, len(facets) + 1))
    prompts = [
        {
            "prompt": f"Ask me about {facets[i % len(facets)]} ({i + 1})",
            "facets": [facets[i % len(facets)]],
        }
        for i in range(count)
    ]
    return json_reply({"prompts": prompts})


@endpoint("modify-tags-of-conversation")
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
