"""Conversation data of the fake server: a seeded service, conversations and their messages.

The agent is a deterministic echo with manners: its reply names what the user
said, is split into pieces the way the real server streams it, and ends the
conversation when the user says goodbye. Payloads are stored as the server
sends them.
"""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ._common import object_id

__all__ = ["VERSION_SETS", "ConversationData", "FakeConversation"]

_SEEDED_CONVERSATIONS = 7  # finished conversations of other users, for the lists
_BASE_TIME = datetime(2024, 3, 1, tzinfo=UTC)
_GOODBYES = ("bye", "goodbye", "that's all")
VERSION_SETS = ("release", "edge")  # of the seeded service
_PCM_BYTES_PER_CHARACTER = 320  # 10 ms of 16 kHz PCM16 per character: a stand-in voice


@attrs.define
class FakeConversation:
    id: str
    user_id: str
    service_id: str
    created_at: datetime
    is_finished: bool = False
    busy: bool = False  # a create or interact stream is still running
    tags: dict[str, str | None] = attrs.field(factory=dict)
    messages: list[dict[str, Any]] = attrs.field(factory=list)
    interactions: list[str] = attrs.field(factory=list)  # completed, oldest first
    final_message: str = ""

    def instance(self) -> dict[str, Any]:
        """As get-conversations sends it."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "created_at": self.created_at.isoformat(),
            "is_finished": self.is_finished,
            "is_analyzed": self.is_finished,
            "completed_post_processings": ["extract-memories"] if self.is_finished else [],
            "final_message": self.final_message,
            "service_id": self.service_id,
            "version_set_info": None,
            "num_messages": len(self.messages),
            "tags": dict(self.tags),
        }


@attrs.define
class ConversationData:
    rng: random.Random
    service_id: str  # the seeded service: conversations can be started in it
    conversations: dict[str, FakeConversation] = attrs.field(factory=dict)
    event_delay: float = 0.0  # seconds between two events of a stream
    piece_size: int = 16  # characters of the agent message per new-message event
    clock: datetime = _BASE_TIME

    @classmethod
    def seeded(cls, rng: random.Random, service_id: str) -> ConversationData:
        data = cls(rng, service_id)
        for index in range(_SEEDED_CONVERSATIONS):
            conversation = data.start(object_id(rng), service_id, {"seeded": str(index)})
            data.record_interaction(conversation, f"question {index}", f"answer {index}", "text")
            conversation.is_finished = True
        return data

    def now(self) -> datetime:
        """A clock that moves one second per event, so created_at orders are stable."""
        self.clock += timedelta(seconds=1)
        return self.clock

    def new_id(self) -> str:
        return object_id(self.rng)

    def unfinished(self, user_id: str, service_id: str) -> FakeConversation | None:
        for conversation in self.conversations.values():
            same = (conversation.user_id, conversation.service_id) == (user_id, service_id)
            if same and not conversation.is_finished:
                return conversation
        return None

    def start(self, user_id: str, service_id: str, tags: dict[str, str | None]) -> FakeConversation:
        conversation = FakeConversation(self.new_id(), user_id, service_id, self.now(), tags=tags)
        self.conversations[conversation.id] = conversation
        return conversation

    def reply_to(self, user_message: str | None) -> str:
        if user_message is None:
            return "Hello! I am the fake Amigo agent. What can I do for you today?"
        if self.says_goodbye(user_message):
            return "Goodbye, and thank you for the conversation!"
        return f'You said: "{user_message.strip()}". Tell me more, I am listening.'

    @staticmethod
    def says_goodbye(user_message: str | None) -> bool:
        return user_message is not None and user_message.strip().lower().rstrip("!.") in _GOODBYES

    def pieces(self, reply: str, voice: bool, message_id: str) -> list[dict[str, Any]]:
        """The agent message as new-message events, in order: its text, or (voice) audio with
        each character's time in milliseconds."""
        size = self.piece_size
        texts = [reply[start : start + size] for start in range(0, len(reply), size)] or [""]
        pieces = []
        spoken = 0  # characters before this piece
        for number, text in enumerate(texts):
            message, alignment = text, None
            if voice:
                audio = bytes(
                    (spoken + i) % 256 for i in range(len(text) * _PCM_BYTES_PER_CHARACTER)
                )
                message = base64.b64encode(audio).decode()
                alignment = [[(spoken + i) * 10, char] for i, char in enumerate(text)]
            spoken += len(text)
            pieces.append(
                {
                    "type": "new-message",
                    "message_id": message_id,
                    "message": message,
                    "transcript_alignment": alignment,
                    "stop": number == len(texts) - 1,
                    "sequence_number": number,
                }
            )
        return pieces

    def record_interaction(
        self,
        conversation: FakeConversation,
        user_message: str | None,
        reply: str,
        response_format: str,
        user_format: str = "text",
        user_type: str = "user-message",
    ) -> tuple[str, str | None, str]:
        """Store a completed interaction: the user's message (when there is one), the agent's
        and its inner thought. Returns (interaction id, user message id, agent message id)."""
        interaction_id = self.new_id()
        said = [] if user_message is None else [("user", user_message, user_format, user_type)]
        agent = [
            ("agent", reply, response_format, "agent-message"),
            ("agent", "(thinking)", "text", "agent-inner-thought"),
        ]
        for sender, text, form, kind in [*said, *agent]:
            conversation.messages.append(
                {
                    "id": self.new_id(),
                    "interaction_id": interaction_id,
                    "created_at": self.now().isoformat(),
                    "sender": sender,
                    "message": text,
                    "format": form,
                    "message_type": kind,
                }
            )
        conversation.interactions.append(interaction_id)
        conversation.final_message = reply
        user_id = conversation.messages[-3]["id"] if said else None
        return interaction_id, user_id, conversation.messages[-2]["id"]
