"""Lines -> typed events, and the rule that decides when an event stream is complete.

The event classes are the generated ones (`amigo_async.models.conversation`);
each operation has its own union, tagged by ``type``, whose ``Unknown...``
variant keeps an event type this client does not know (never a crash).

Completeness, as the snapshot documents it: a 200 only means the stream started.
An `ErrorEvent` before `InteractionCompleteEvent` voids the interaction and
raises `ConversationEventError`; a stream that ends before
`InteractionCompleteEvent` raises `TruncatedStreamError`; an `ErrorEvent` after
it means the interaction was saved but post-processing failed, so it is yielded
(and logged) without voiding anything: call ``finish`` to retry the post-processing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any, Generic, TypeAlias, TypeVar, overload

import attrs

from .. import errors
from .._json import loads_untrusted
from ..models._converter import converter, structure_response
from ..models.conversation import (
    ConversationCreatedEvent,
    CreateConversationResponse,
    ErrorEvent,
    InteractionCompleteEvent,
    InteractWithConversationResponse,
)
from ._ndjson import MAX_LINE_BYTES, LineSplitter, PartialLineError

__all__ = [
    "CREATE_EVENTS",
    "INTERACT_EVENTS",
    "ConversationStreamEvent",
    "EventDecoder",
    "EventKinds",
    "parse_events",
]

_log = logging.getLogger("amigo_async.conversations")

E = TypeVar("E")


@attrs.frozen
class EventKinds(Generic[E]):
    """The events one operation streams: a generated union, tagged by ``type``.

    A union is a value at run time but not a ``type[...]`` to the type checker;
    this carries it with its static type `E`, so a stream of it yields `E`.
    """

    union: object


CREATE_EVENTS: EventKinds[CreateConversationResponse] = EventKinds(CreateConversationResponse)
"""The events of create-conversation (the union the snapshot documents)."""
INTERACT_EVENTS: EventKinds[InteractWithConversationResponse] = EventKinds(
    InteractWithConversationResponse
)
"""The events of interact-with-conversation."""

ConversationStreamEvent: TypeAlias = CreateConversationResponse | InteractWithConversationResponse
"""Any event either stream yields."""


class EventDecoder(Generic[E]):
    """One line of JSON -> one event of `kinds`; the structure hook is looked up once."""

    def __init__(self, kinds: EventKinds[E], operation_id: str | None = None) -> None:
        self._union: Any = kinds.union
        self._operation_id = operation_id or "conversation event stream"
        self._hook = converter.get_structure_hook(self._union)

    def decode(self, line: bytes) -> E:
        data = _loads(line)
        if data is _UNREADABLE:
            # Raised outside the except block: the parser's error holds the whole line
            # (`doc`), server text that must not ride along as `__context__`.
            raise errors.InvalidResponseError(
                f"an event line is not JSON the client can read ({len(line)} bytes)",
                operation_id=self._operation_id,
            )
        if type(data) is dict and data.get("type") == "new-message":
            # Required by the schema, yet its description says some audio events leave it out.
            data.setdefault("transcript_alignment", None)
        try:
            event: E = self._hook(data, self._union)
        except Exception:  # structured again below, for an error naming the fields
            event = structure_response(data, self._union, self._operation_id)
        return event


_UNREADABLE = object()


def _loads(line: bytes) -> Any:
    try:
        return loads_untrusted(line)
    except ValueError:
        return _UNREADABLE


class _Completeness:
    """Watches the events go by; knows whether the interaction is complete."""

    def __init__(self, conversation_id: str | None, secrets: Iterable[str] = ()) -> None:
        self.conversation_id = conversation_id
        self.complete = False
        self.events = 0
        self._secrets = tuple(secrets)

    def see(self, event: object) -> None:
        if isinstance(event, ErrorEvent):
            self._error(event)
        elif isinstance(event, InteractionCompleteEvent):
            self.complete = True
        elif isinstance(event, ConversationCreatedEvent):
            # The server's id is shown in errors and logs: scrubbed and cut like its text.
            self.conversation_id = errors.sanitize(event.conversation_id, self._secrets, limit=120)
        self.events += 1

    def _error(self, event: ErrorEvent) -> None:
        # The server's text may echo a credential and be of any length: scrubbed and
        # cut like a body excerpt before it reaches an exception or a log record.
        description = errors.sanitize(str(event.error_description), self._secrets)
        if not self.complete:
            raise errors.ConversationEventError(
                f"the server reported an error before the interaction completed: {description}",
                status=event.http_error_code,
                conversation_id=self.conversation_id,
            )
        _log.warning(
            "conversation %s: the interaction is saved but post-processing failed (%s %s); "
            "call finish() to retry it",
            self.conversation_id,
            event.http_error_code,
            description,
        )

    def truncated(self, reason: str, bytes_received: int) -> errors.TruncatedStreamError:
        return errors.TruncatedStreamError(
            f"the event stream of conversation {self.conversation_id} ended before "
            f"interaction-complete ({reason})",
            entries_delivered=self.events,
            bytes_received=bytes_received,
        )


@overload
def parse_events(
    chunks: AsyncIterable[bytes],
    *,
    conversation_id: str | None = None,
    operation_id: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    secrets: Iterable[str] = (),
) -> AsyncIterator[InteractWithConversationResponse]: ...


@overload
def parse_events(
    chunks: AsyncIterable[bytes],
    kinds: EventKinds[E],
    *,
    conversation_id: str | None = None,
    operation_id: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    secrets: Iterable[str] = (),
) -> AsyncIterator[E]: ...


async def parse_events(
    chunks: AsyncIterable[bytes],
    kinds: EventKinds[Any] = INTERACT_EVENTS,
    *,
    conversation_id: str | None = None,
    operation_id: str | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    secrets: Iterable[str] = (),
) -> AsyncIterator[Any]:
    """Each event of `kinds` (interact's by default) as soon as its line is whole.

    Raises when the stream is not complete; every complete event before a failure
    is yielded first. Failures:
    `ConversationEventError` (an error event before interaction-complete),
    `TruncatedStreamError` (the bytes ended before interaction-complete, or inside
    a line), `InvalidResponseError` (a line that is not an event, or too long).
    `secrets` are removed from an error event's description wherever it is shown.
    """
    decode = EventDecoder(kinds, operation_id).decode
    rule = _Completeness(conversation_id, secrets)
    see = rule.see
    splitter = LineSplitter(max_line_bytes)
    size = 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            for line in splitter.feed(chunk):
                event = decode(line)
                see(event)
                yield event
        splitter.end()
    except PartialLineError as cut:
        raise rule.truncated(str(cut), size) from None
    except errors.TruncatedStreamError as cut:  # the connection itself was cut
        cut.entries_delivered = rule.events
        raise
    if not rule.complete:
        raise rule.truncated("the stream ended cleanly", size)
