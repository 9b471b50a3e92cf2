"""An interaction collected from its events: the agent's whole message, ids, actions.

`EventStream` is what ``create`` and ``interact`` return: iterate it for the
events as they arrive, or ``await stream.collect()`` for an `Interaction`.
"""

from __future__ import annotations

import base64
import binascii
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from types import TracebackType
from typing import Generic, Self, TypeVar

import attrs

from .. import errors
from ..models.conversation import (
    ConversationAction,
    ConversationCreatedEvent,
    CurrentAgentActionEvent,
    ErrorEvent,
    InteractionCompleteEvent,
    NewMessageEvent,
    UserMessageAvailableEvent,
)

__all__ = ["EventStream", "Interaction", "collect_interaction"]

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)


@attrs.frozen(kw_only=True)
class Interaction:
    """One completed interaction (the agent's turn), read from its whole event stream."""

    conversation_id: str  # from conversation-created, or the one interacted with
    interaction_id: str
    message_id: str  # the agent message
    full_message: str  # the text; for a voice answer, what the server sent as its text
    conversation_completed: bool  # True: the conversation ended itself; do not call finish()
    user_message_id: str | None = None
    user_message: str | None = None  # the text sent, or the transcription of the audio
    audio: bytes | None = None  # a voice answer: the PCM16 pieces decoded and joined
    actions: tuple[ConversationAction, ...] = ()
    post_processing_error: ErrorEvent | None = None  # saved, but call finish() to retry analysis
    events: int = 0


@attrs.define
class _Collector:
    voice: bool
    conversation_id: str | None = None
    user: UserMessageAvailableEvent | None = None
    complete: InteractionCompleteEvent | None = None
    late_error: ErrorEvent | None = None
    actions: list[ConversationAction] = attrs.field(factory=list)
    pieces: list[str] = attrs.field(factory=list)
    events: int = 0

    def add(self, event: object) -> None:
        self.events += 1
        if isinstance(event, NewMessageEvent):
            self.pieces.append(event.message)
        elif isinstance(event, CurrentAgentActionEvent):
            self.actions.append(event.action)
        elif isinstance(event, InteractionCompleteEvent):
            self.complete = event
        elif isinstance(event, UserMessageAvailableEvent):
            self.user = event
        elif isinstance(event, ConversationCreatedEvent):
            self.conversation_id = event.conversation_id
        elif isinstance(event, ErrorEvent):
            self.late_error = event  # an earlier one raised inside the stream

    def result(self) -> Interaction:
        done = self.complete
        if done is None:  # the stream raises first; this guards a hand-made event source
            raise errors.TruncatedStreamError("the events ended before interaction-complete")
        if self.conversation_id is None:  # a create stream without conversation-created
            raise errors.InvalidResponseError(
                "the events named no conversation (no conversation-created event)"
            )
        audio = _decode_audio(self.pieces) if self.voice else None
        if not self.voice and "".join(self.pieces) != done.full_message:
            raise errors.InvalidResponseError(
                "the new-message pieces do not add up to interaction-complete's full_message "
                f"({sum(map(len, self.pieces))} characters in pieces, {len(done.full_message)} "
                "in full_message)"
            )
        return Interaction(
            conversation_id=self.conversation_id,
            interaction_id=done.interaction_id,
            message_id=done.message_id,
            full_message=done.full_message,
            conversation_completed=done.conversation_completed,
            user_message_id=self.user.message_id if self.user else None,
            user_message=self.user.user_message if self.user else None,
            audio=audio,
            actions=tuple(self.actions),
            post_processing_error=self.late_error,
            events=self.events,
        )


def _decode_audio(pieces: list[str]) -> bytes:
    try:
        return b"".join(base64.b64decode(piece, validate=True) for piece in pieces)
    except (binascii.Error, ValueError):
        raise errors.InvalidResponseError("a voice new-message piece is not base64") from None


async def collect_interaction(
    events: AsyncIterator[E],
    *,
    voice: bool = False,
    conversation_id: str | None = None,
    on_event: Callable[[E], None] | None = None,
) -> Interaction:
    """Read `events` to their end and return the interaction they describe.

    For a text answer the concatenated pieces must equal ``full_message``
    (`InvalidResponseError` otherwise); for `voice` the pieces are base64 PCM16,
    decoded into `Interaction.audio`. `on_event` sees each event as it arrives.
    """
    collector = _Collector(voice, conversation_id)
    async for event in events:
        collector.add(event)
        if on_event is not None:
            on_event(event)
    return collector.result()


class EventStream(Generic[E_co]):
    """The events of one create or interact call, iterated once.

    Each event is an `E_co`: the operation's generated event union
    (``CreateConversationResponse``, ``InteractWithConversationResponse``), so
    ``match event: case NewMessageEvent():`` narrows in the caller's code; an
    event type this client does not know arrives as the union's ``Unknown...`` variant.

    ``async for event in stream`` yields them as they arrive; ``await
    stream.collect()`` reads them all into an `Interaction`. The request is sent
    when iteration starts; leaving early (``break``) closes the connection. A
    stream dropped without being iterated sent nothing: it warns with a
    `RuntimeWarning` naming `operation`, as Python does for a coroutine never
    awaited.
    """

    def __init__(
        self,
        events: AsyncGenerator[E_co, None],
        *,
        voice: bool,
        conversation_id: str | None = None,
        operation: str = "a conversation event stream",
    ) -> None:
        self._events = events
        self._voice = voice
        self._conversation_id = conversation_id
        self._operation = operation
        self._started = False
        self._used = False  # iterated or closed: either way nothing is left unsaid

    def __del__(self) -> None:
        if not getattr(self, "_used", True):
            warnings.warn(
                f"{self._operation} was never iterated: nothing was sent "
                "(iterate the stream, or await its collect())",
                RuntimeWarning,
                stacklevel=2,
            )

    def __aiter__(self) -> AsyncIterator[E_co]:
        if self._started:
            raise RuntimeError("an event stream can be iterated only once")
        self._started = self._used = True
        return self._events

    async def collect(self, on_event: Callable[[E_co], None] | None = None) -> Interaction:
        """Every event read; the `Interaction` they make (see `collect_interaction`)."""
        try:
            return await collect_interaction(
                aiter(self),
                voice=self._voice,
                conversation_id=self._conversation_id,
                on_event=on_event,
            )
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and release the connection (safe to call more than once).

        Closing a stream never iterated sends nothing, on purpose: it does not warn.
        """
        self._used = True
        await self._events.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
