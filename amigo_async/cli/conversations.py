"""``amigo-async conversations chat | list | finish``: talk to an agent from the terminal.

``/quit`` or end of input finishes the conversation; so does Ctrl-C, which leaves
at once (status 130). The chat itself is `amigo_async.cli._chat`, loaded only when
one starts: building the parser (``--help``) imports no client.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ._common import Subparsers, client_for
from ._text import terminal_safe

if TYPE_CHECKING:
    from ..testing import FakeAmigoServer

__all__ = ["add_commands"]

_FAKE_EVENT_DELAY = 0.04  # seconds between the fake agent's events: a visible stream


async def _chat_command(args: argparse.Namespace) -> int:
    service_id: list[str] = [args.service_id] if args.service_id else []

    def prepare(fake: FakeAmigoServer) -> None:
        data = fake.state.conversations
        data.event_delay = _FAKE_EVENT_DELAY
        if not service_id:
            service_id.append(data.service_id)

    if not args.fake and not service_id:
        raise ValueError("--service-id is required (or try --fake)")
    from ._chat import Chat, InputLines  # the chat's imports load only for a chat

    async with client_for(args, prepare_fake=prepare) as client:
        chat = Chat(client)
        return await chat.run(service_id[0], InputLines(sys.stdin), sys.stdin.isatty())


async def _finish_command(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        await client.conversations.finish(args.conversation_id)
    print(f"conversation {args.conversation_id} finished")
    return 0


async def _list_command(args: argparse.Namespace) -> int:
    finished = {"finished": True, "unfinished": False}.get(args.state)
    async with client_for(args) as client:
        pager = client.conversations.list(
            service_ids=args.service_ids,
            is_finished=finished,
            sort_by=["-created_at"],
            max_items=args.max_items,
        )
        print(f"{'ID':<24}  {'SERVICE':<24}  {'CREATED (UTC)':<19}  {'STATE':<10}  MESSAGES")
        shown = 0
        async for conversation in pager:
            shown += 1
            state = "finished" if conversation.is_finished else "unfinished"
            created = conversation.created_at.strftime("%Y-%m-%d %H:%M:%S")
            print(
                f"{terminal_safe(conversation.id):<24}  "
                f"{terminal_safe(conversation.service_id):<24}  {created:<19}  "
                f"{state:<10}  {conversation.num_messages}"
            )
    if not shown:  # on stderr: a pipe reading the table gets the header alone
        print("no conversation matches", file=sys.stderr)
    return 0


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("conversations", help="talk to your agents")
    commands = group.add_subparsers(dest="conversations_command", required=True, metavar="COMMAND")
    chat = commands.add_parser(
        "chat",
        help="an interactive text chat with a service's agent",
        description="Start a conversation and chat; the agent's reply streams as it is "
        "written. /quit, end of input or Ctrl-C finishes the conversation.",
    )
    chat.add_argument("--service-id", help="the service to talk to (with --fake: the seeded one)")
    chat.set_defaults(handler=_chat_command)

    listing = commands.add_parser(
        "list", help="list conversations, newest first", description="List conversations."
    )
    listing.add_argument(
        "--service-id", dest="service_ids", action="append", metavar="ID", help="(repeatable)"
    )
    listing.add_argument(
        "--state", choices=("finished", "unfinished", "all"), default="all", help="(all)"
    )
    listing.add_argument("--max-items", type=int, default=20, metavar="N", help="(20)")
    listing.set_defaults(handler=_list_command)

    finish = commands.add_parser(
        "finish",
        help="finish a conversation (one left unfinished blocks the next chat)",
        description="Finish a conversation.",
    )
    finish.add_argument("conversation_id", metavar="ID")
    finish.set_defaults(handler=_finish_command)
