"""``amigo-async conversations chat``: talk to an agent from the terminal.

The agent's message is printed piece by piece as it arrives, and what the agent
is doing (its current action) shows on a status line that the first piece
replaces. ``/quit`` or end of input finishes the conversation.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .. import errors
from ..models.conversation import (
    ConversationCreatedEvent,
    CurrentAgentActionEvent,
    InteractionCompleteEvent,
    NewMessageEvent,
)
from ._common import Subparsers, add_client_options, client_for

if TYPE_CHECKING:
    from .._client import AmigoClient
    from ..conversations import ConversationStreamEvent, EventStream
    from ..testing import FakeAmigoServer

__all__ = ["add_commands"]

_QUIT = ("/quit", "/exit", "/q")
_FAKE_EVENT_DELAY = 0.04  # seconds between the fake agent's events: a visible stream


class _Printer:
    """Writes one agent turn: a status line for actions, then the message as it grows."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self.status_shown = False
        self.speaking = False

    def event(self, event: Any) -> None:
        if isinstance(event, CurrentAgentActionEvent) and not self.speaking:
            self._status(f"… {str(event.action.type).replace('-', ' ')}")
        elif isinstance(event, NewMessageEvent):
            if not self.speaking:
                self._clear_status()
                self.out.write("agent> ")
                self.speaking = True
            self.out.write(event.message)
            self.out.flush()
        elif isinstance(event, InteractionCompleteEvent):
            self._clear_status()
            self.out.write("\n" if self.speaking else f"agent> {event.full_message}\n")
            self.out.flush()

    def _status(self, text: str) -> None:
        if self.live:  # piped output gets the conversation only
            self.out.write(f"\r\x1b[2K\x1b[2m{text}\x1b[0m")
            self.out.flush()
            self.status_shown = True

    def _clear_status(self) -> None:
        if self.status_shown:
            self.out.write("\r\x1b[2K")
            self.status_shown = False


async def _turn(stream: EventStream[ConversationStreamEvent]) -> tuple[str | None, bool]:
    """Print one agent turn; (conversation id if announced, conversation completed)."""
    printer = _Printer(sys.stdout)
    conversation_id = None

    def see(event: Any) -> None:
        nonlocal conversation_id
        if isinstance(event, ConversationCreatedEvent):
            conversation_id = event.conversation_id
        printer.event(event)

    interaction = await stream.collect(on_event=see)
    return conversation_id, interaction.conversation_completed


async def _read_line() -> str | None:
    line = await asyncio.to_thread(sys.stdin.readline)
    return line.rstrip("\n") if line else None


async def _chat(client: AmigoClient, service_id: str, prompt: bool) -> int:
    conversations = client.conversations
    try:
        conversation_id, completed = await _turn(conversations.create(service_id))
    except errors.ConflictError:
        print(
            "error: you already have an unfinished conversation with this service; "
            "finish it first (client.conversations.finish(conversation_id))",
            file=sys.stderr,
        )
        return 1
    if conversation_id is None:
        raise errors.InvalidResponseError("the server did not announce the conversation id")
    print(f"(conversation {conversation_id}; /quit to finish)", file=sys.stderr)
    while not completed:
        if prompt:
            sys.stdout.write("you> ")
            sys.stdout.flush()
        text = await _read_line()
        if text is None or text.strip() in _QUIT:
            await conversations.finish(conversation_id)
            print("(conversation finished)", file=sys.stderr)
            return 0
        if not text.strip():
            continue
        _, completed = await _turn(conversations.interact(conversation_id, text=text))
    print("(the agent ended the conversation)", file=sys.stderr)
    return 0


async def _chat_command(args: argparse.Namespace) -> int:
    service_id: list[str] = [args.service_id] if args.service_id else []

    def prepare(fake: FakeAmigoServer) -> None:
        data = fake.state.conversations
        data.event_delay = _FAKE_EVENT_DELAY
        if not service_id:
            service_id.append(data.service_id)

    if not args.fake and not service_id:
        raise ValueError("--service-id is required (or try --fake)")
    async with client_for(args, prepare_fake=prepare) as client:
        return await _chat(client, service_id[0], sys.stdin.isatty())


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("conversations", help="talk to your agents")
    commands = group.add_subparsers(dest="conversations_command", required=True)
    chat = commands.add_parser(
        "chat",
        help="an interactive text chat with a service's agent",
        description="Start a conversation and chat; the agent's reply streams as it is written.",
    )
    chat.add_argument("--service-id", help="the service to talk to (with --fake: the seeded one)")
    add_client_options(chat)
    chat.set_defaults(handler=_chat_command)
