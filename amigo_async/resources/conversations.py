"""Conversation endpoints: start and talk to conversations, list them, read what happened.

``create`` and ``interact`` answer NDJSON event streams: they return an
`EventStream` of typed events (send happens when iteration starts) whose
completeness rule lives in `amigo_async.conversations`. The streams are POSTs
that start work on the server, so the transport never resends them once sent
(only after a 429 or a refused connection). Every input is checked before
anything is sent.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .. import errors
from .._arguments import check_absent, check_exactly_one, check_timed_texts
from .._pagination import AsyncPager
from .._request import FormFile
from ..conversations import (
    CREATE_EVENTS,
    INTERACT_EVENTS,
    EventKinds,
    EventStream,
    parse_events,
)
from ..models.conversation import (
    ConversationInstance,
    CreateConversationResponse,
    GenerateConversationStarterResponse,
    GetConversationMessagesResponse,
    GetConversationsResponse,
    GetInteractionInsightsResponse,
    InteractWithConversationResponse,
    MessageInstance,
    Prompt,
    RecommendResponsesForInteractionResponse,
)
from ._base import Resource
from ._listing import as_list, unique_items

if TYPE_CHECKING:
    from .._paths import QueryValue
    from .._request import FormFields

__all__ = ["AUDIO_FORMATS", "MAX_CONVERSATION_TAGS", "NDJSON", "ConversationsResource"]

NDJSON = "application/x-ndjson"
MAX_CONVERSATION_TAGS = 20  # create-conversation and modify-tags: `maxProperties: 20`
_SKIP = "skip"
"""interact's third form: no user message, the agent goes on (recorded_message empty)."""

AUDIO_FORMATS: Mapping[str, str] = {"mp3": "audio/mpeg", "pcm": "audio/pcm"}
"""The user-message audio formats interact documents (`UserMessageAudioConfig`)."""

Format = Literal["text", "voice"]

E = TypeVar("E")


class ConversationsResource(Resource):
    """``client.conversations``: the ten conversation operations."""

    # -- the streams ----------------------------------------------------------

    def create(
        self,
        service_id: str,
        *,
        service_version_set_name: str | None = None,
        initial_message: str | None = None,
        initial_message_type: str | None = None,
        tags: Mapping[str, str | None] | None = None,
        response_format: Format = "text",
        current_agent_action_type: str | None = None,
    ) -> EventStream[CreateConversationResponse]:
        """create-conversation: start a conversation; its events as they arrive.

        The user may have one unfinished conversation per service (`ConflictError`
        or `BadRequestError` otherwise). Without `initial_message` the agent speaks
        first. `current_agent_action_type` is a regex filtering the action events
        (``"^$"`` for none).

        Nothing is sent until the stream is iterated (or collected): a stream
        dropped unread sends nothing and warns with a `RuntimeWarning`, like a
        coroutine never awaited.
        """
        body: dict[str, Any] = {"service_id": service_id}
        optional = {
            "service_version_set_name": service_version_set_name,
            "initial_message": initial_message,
            "initial_message_type": initial_message_type,
            "tags": dict(tags) if isinstance(tags, Mapping) else tags,
        }
        body.update((name, value) for name, value in optional.items() if value is not None)
        params = _stream_params(response_format, current_agent_action_type)
        # Sent only when iterated, but refused now: the one pass runs at call time.
        self._transport.check("create-conversation", params=params, json_body=body)
        events = self._events("create-conversation", CREATE_EVENTS, params=params, json_body=body)
        return EventStream(
            events, voice=response_format == "voice", operation="conversations.create(...)"
        )

    def interact(
        self,
        conversation_id: str,
        *,
        text: str | None = None,
        audio: bytes | None = None,
        audio_format: str = "mp3",
        pcm_frame_rate: int | None = None,
        pcm_sample_width: int | None = None,
        message_type: str = "user-message",
        external_events: Sequence[tuple[datetime, str]] = (),
        response_format: Format = "text",
        current_agent_action_type: str | None = None,
    ) -> EventStream[InteractWithConversationResponse]:
        """interact-with-conversation: send `text` or `audio` (exactly one); the events back.

        ``message_type="skip"`` sends no message at all (neither `text`, `audio` nor
        `external_events`): the agent takes its next turn without one. `audio` is an
        mp3 file, or raw mono PCM (``audio_format="pcm"`` with `pcm_frame_rate`
        4000-44100 and `pcm_sample_width` 2 or 4). With ``response_format="voice"`` the
        agent's pieces are base64 PCM16 (`Interaction.audio` after ``collect()``).
        `external_events` are (timestamp, content) pairs inserted before the message,
        oldest first.

        Nothing is sent until the stream is iterated (or collected): a stream
        dropped unread sends nothing and warns with a `RuntimeWarning`.
        """
        if message_type == _SKIP and text is None and audio is None:
            text = ""  # the documented skip form: an empty recorded_message
        check_exactly_one(text=text, audio=audio)
        params = _stream_params(response_format, current_agent_action_type)
        if audio is None:
            params["request_format"] = "text"
        else:
            params["request_format"] = "voice"
            params["request_audio_config"] = _audio_config(
                audio_format, pcm_frame_rate, pcm_sample_width
            )
        form = _interact_form(message_type, text, audio, audio_format, external_events)
        # Sent only when iterated, but refused now: the one pass runs at call time.
        where = {"conversation_id": conversation_id}
        self._transport.check(
            "interact-with-conversation", path_params=where, params=params, form=form
        )
        events = self._events(
            "interact-with-conversation",
            INTERACT_EVENTS,
            params=params,
            form=form,
            conversation_id=conversation_id,
        )
        return EventStream(
            events,
            voice=response_format == "voice",
            conversation_id=conversation_id,
            operation="conversations.interact(...)",
        )

    async def _events(
        self,
        operation_id: str,
        kinds: EventKinds[E],
        *,
        params: Mapping[str, QueryValue],
        json_body: object = None,
        form: FormFields | None = None,
        conversation_id: str | None = None,
    ) -> AsyncGenerator[E, None]:
        path_params = {"conversation_id": conversation_id} if conversation_id else None
        async with self._transport.stream(
            operation_id,
            accept=NDJSON,
            path_params=path_params,
            params=params,
            json_body=json_body,
            form=form,
        ) as body:
            try:
                async for event in parse_events(
                    body.chunks(turn=True),
                    kinds,
                    conversation_id=conversation_id,
                    operation_id=operation_id,
                    secrets=self._transport.credentials.secrets,
                ):
                    yield event
            except errors.AmigoError as error:
                raise body.add_context(error) from None

    # -- lists ----------------------------------------------------------------

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        user_ids: Iterable[str] | None = None,
        service_ids: Iterable[str] | None = None,
        is_finished: bool | None = None,
        tags: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[ConversationInstance]:
        """get-conversations: conversations matching every filter given.

        `tags` entries are ``key:value`` (``key:*`` for any value); `sort_by` fields:
        ``created_at`` with an optional ``+``/``-``. Pages hold up to 150.
        """
        params: dict[str, QueryValue] = {
            "id": as_list(ids),
            "user_id": unique_items(as_list(user_ids)),
            "service_id": unique_items(as_list(service_ids)),
            "is_finished": is_finished,
            "tag": as_list(tags),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-conversations",
            GetConversationsResponse,
            ConversationInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    def list_messages(
        self,
        conversation_id: str,
        *,
        ids: Iterable[str] | None = None,
        message_types: Iterable[str] | None = None,
        interaction_ids: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[MessageInstance]:
        """get-conversation-messages: the messages of one conversation (up to 500 a page).

        `message_types` from `MESSAGE_TYPE_VALUES` (the server's default leaves out
        ``agent-inner-thought``); `sort_by` fields: ``interaction_id``, ``created_at``.
        """
        types = as_list(message_types)
        params: dict[str, QueryValue] = {
            "id": unique_items(as_list(ids)),
            "message_type": unique_items(types),
            "interaction_id": unique_items(as_list(interaction_ids)),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-conversation-messages",
            GetConversationMessagesResponse,
            MessageInstance,
            params,
            path_params={"conversation_id": conversation_id},
            limit=limit,
            max_items=max_items,
        )

    # -- one conversation -----------------------------------------------------

    async def finish(self, conversation_id: str) -> None:
        """finish-conversation: end it and start post-conversation analysis.

        Not needed after an interaction whose ``conversation_completed`` is True;
        call it again after a post-processing error to retry the analysis.
        """
        await self._transport.request_none(
            "finish-conversation", path_params={"conversation_id": conversation_id}
        )

    async def recommend_responses(
        self, conversation_id: str, interaction_id: str, *, context: str | None = None
    ) -> builtins.list[str]:
        """recommend-responses-for-interaction: replies a user might send next.

        `interaction_id` must be the latest completed interaction; `context`
        describes the user (the server has a default persona).
        """
        body = {} if context is None else {"context": context}
        answer = await self._transport.request_json(
            "recommend-responses-for-interaction",
            RecommendResponsesForInteractionResponse,
            path_params={"conversation_id": conversation_id, "interaction_id": interaction_id},
            json_body=body,
        )
        return answer.recommended_responses

    async def get_interaction_insights(
        self, conversation_id: str, interaction_id: str
    ) -> GetInteractionInsightsResponse:
        """get-interaction-insights: the state, working memory and tool calls behind a reply."""
        return await self._transport.request_json(
            "get-interaction-insights",
            GetInteractionInsightsResponse,
            path_params={"conversation_id": conversation_id, "interaction_id": interaction_id},
        )

    async def get_message_source(
        self, conversation_id: str, message_id: str, *, long_lived: bool = False
    ) -> dict[str, Any]:
        """retrieve-message-source: where the raw source of a non-text message is.

        The snapshot leaves the answer's shape open, so it is returned as sent.
        `long_lived` asks for a URL valid 12 hours (keep it False when you can).
        """
        return await self._transport.request_json(
            "retrieve-message-source",
            dict[str, Any],
            path_params={"conversation_id": conversation_id, "message_id": message_id},
            params={"long_lived": long_lived},
        )

    async def generate_starters(
        self,
        service_id: str,
        *,
        facets: Iterable[str],
        generation_instructions: str,
        min_count: int = 1,
        max_count: int = 10,
        service_version_set_name: str | None = None,
    ) -> builtins.list[Prompt]:
        """generate-conversation-starter: between `min_count` and `max_count` (1-10) prompts."""
        body: dict[str, Any] = {
            "service_id": service_id,
            "facets": as_list(facets),
            "min_count": min_count,
            "max_count": max_count,
            "generation_instructions": generation_instructions,
        }
        if service_version_set_name is not None:
            body["service_version_set_name"] = service_version_set_name
        answer = await self._transport.request_json(
            "generate-conversation-starter", GenerateConversationStarterResponse, json_body=body
        )
        return answer.prompts

    async def update_tags(
        self,
        conversation_id: str,
        *,
        updates: Mapping[str, str | None] | None = None,
        deletes: Iterable[str] | None = None,
    ) -> None:
        """modify-tags-of-conversation: set (or null) the tags in `updates`, remove `deletes`.

        A conversation holds at most 20 tags (`BadRequestError` past that).
        """
        body: dict[str, Any] = {}
        if updates is not None:
            body["updates"] = dict(updates) if isinstance(updates, Mapping) else updates
        removed = unique_items(as_list(deletes))
        if removed is not None:
            body["deletes"] = removed
        await self._transport.request_none(
            "modify-tags-of-conversation",
            path_params={"conversation_id": conversation_id},
            json_body=body,
        )


def _stream_params(response_format: str, action_type: str | None) -> dict[str, QueryValue]:
    params: dict[str, QueryValue] = {"response_format": response_format}
    if action_type is not None:
        params["current_agent_action_type"] = action_type
    return params


def _audio_config(audio_format: str, frame_rate: int | None, sample_width: int | None) -> str:
    """The `request_audio_config` query value: a JSON object the validation pass reads
    against its schema (a PCM frame rate out of bounds is named there)."""
    config: dict[str, object] = {"type": audio_format}
    if audio_format == "pcm":
        config.update(frame_rate=frame_rate, n_channels=1, sample_width=sample_width)
    else:
        check_absent("audio_format='pcm'", pcm_frame_rate=frame_rate, pcm_sample_width=sample_width)
    config = {name: value for name, value in config.items() if value is not None}
    return json.dumps(config, separators=(",", ":"))


def _interact_form(
    message_type: str,
    text: str | None,
    audio: bytes | None,
    audio_format: str,
    external_events: Sequence[tuple[datetime, str]],
) -> FormFields:
    """interact's multipart body; the validation pass reads it against the snapshot's form."""
    events = check_timed_texts("external_events", external_events)
    message: str | FormFile = text or ""
    if audio is not None:
        content_type = AUDIO_FORMATS.get(audio_format, "application/octet-stream")
        message = FormFile(audio, f"message.{audio_format}", content_type)
    return {
        "initial_message_type": message_type,
        "recorded_message": message,
        "external_event_message_content": [content for _, content in events],
        "external_event_message_timestamp": [at.isoformat() for at, _ in events],
    }
