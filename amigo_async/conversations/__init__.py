"""Conversation event streams: NDJSON bytes -> typed events -> an interaction.

Nothing here knows HTTP: `parse_events` takes any async iterator of byte chunks
(the resource gives it the response body), so each step is testable on its own.

    async for event in client.conversations.interact(conversation_id, text="Hi"):
        ...                                       # typed events as they arrive
    interaction = await client.conversations.interact(conversation_id, text="Hi").collect()
"""

from ._events import (
    CREATE_EVENTS,
    INTERACT_EVENTS,
    ConversationStreamEvent,
    EventDecoder,
    EventKinds,
    parse_events,
)
from ._interaction import EventStream, Interaction, collect_interaction
from ._ndjson import MAX_LINE_BYTES, LineSplitter, PartialLineError, split_lines

__all__ = [
    "CREATE_EVENTS",
    "INTERACT_EVENTS",
    "MAX_LINE_BYTES",
    "ConversationStreamEvent",
    "EventDecoder",
    "EventKinds",
    "EventStream",
    "Interaction",
    "LineSplitter",
    "PartialLineError",
    "collect_interaction",
    "parse_events",
    "split_lines",
]
