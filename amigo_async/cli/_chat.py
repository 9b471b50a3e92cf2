"""The chat of ``amigo-async conversations chat``: the agent's turns as they stream,
and a prompt that Ctrl-C leaves at once.

The agent's message is printed piece by piece as it arrives, and what the agent
is doing (its current action) shows on a status line that the first piece
replaces. The prompt reads standard input without a thread that would hold the
exit until Enter. Loaded only when a chat starts (`amigo_async.cli.conversations`
builds the parser without it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .. import errors
from ..models.conversation import (
    ConversationCreatedEvent,
    CurrentAgentActionEvent,
    InteractionCompleteEvent,
    NewMessageEvent,
)
from ._text import terminal_safe

if TYPE_CHECKING:
    from .._client import AmigoClient
    from ..conversations import ConversationStreamEvent, EventStream

__all__ = ["Chat", "InputLines"]

_QUIT = ("/quit", "/exit", "/q")
_FINISH_ON_INTERRUPT_SECONDS = 10.0  # a second Ctrl-C leaves sooner
_FINISH_RETRY_SECONDS = 0.5
_READ_SIZE = 65536


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
            self.out.write(terminal_safe(event.message, multiline=True))
            self.out.flush()
        elif isinstance(event, InteractionCompleteEvent):
            self._clear_status()
            full = terminal_safe(event.full_message, multiline=True)
            self.out.write("\n" if self.speaking else f"agent> {full}\n")
            self.out.flush()

    def _status(self, text: str) -> None:
        if self.live:  # piped output gets the conversation only
            self.out.write(f"\r\x1b[2K\x1b[2m{terminal_safe(text)}\x1b[0m")
            self.out.flush()
            self.status_shown = True

    def _clear_status(self) -> None:
        if self.status_shown:
            self.out.write("\r\x1b[2K")
            self.status_shown = False


class InputLines:
    """Lines from standard input, awaited on the event loop itself where it can.

    A thread blocked in ``readline`` cannot be cancelled, and `asyncio.run` waits
    for it on exit: Ctrl-C would do nothing until Enter. Where the loop can watch
    the descriptor (a terminal, a pipe) it does; elsewhere (a regular file, a
    stream without a descriptor) a thread reads, which never blocks for long there.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._descriptor: int | None = None
        with contextlib.suppress(AttributeError, OSError, ValueError):
            self._descriptor = stream.fileno()
        self._buffer = b""
        self._ended = False

    async def readline(self) -> str | None:
        """The next line without its newline; None at the end of input."""
        while b"\n" not in self._buffer and not self._ended:
            chunk = await self._read()
            self._ended = not chunk
            self._buffer += chunk
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace").rstrip("\r")

    async def _read(self) -> bytes:
        descriptor = self._descriptor
        if descriptor is not None:
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            try:
                loop.add_reader(descriptor, _settle, readable)
            except (OSError, ValueError, NotImplementedError):
                self._descriptor = None  # a regular file or an unwatchable stream
            else:
                try:
                    await readable
                finally:
                    loop.remove_reader(descriptor)
                return os.read(descriptor, _READ_SIZE)
        line = await asyncio.to_thread(self._stream.readline)
        return line.encode("utf-8")


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Chat:
    """One chat: the conversation it started, so an interruption can finish it."""

    def __init__(self, client: AmigoClient) -> None:
        self.conversations = client.conversations
        self.conversation_id: str | None = None
        self.in_turn = False  # an agent turn is streaming (the server is busy with it)

    async def run(self, service_id: str, lines: InputLines, prompt: bool) -> int:
        try:
            return await self._talk(service_id, lines, prompt)
        except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels this task
            if self.conversation_id is not None:
                await self._finish_after_interrupt(self.conversation_id)
            raise

    async def _talk(self, service_id: str, lines: InputLines, prompt: bool) -> int:
        try:
            completed = await self._turn(self.conversations.create(service_id))
        except errors.ConflictError:
            await self._explain_conflict(service_id)
            return 1
        conversation_id = self.conversation_id
        if conversation_id is None:
            raise errors.InvalidResponseError("the server did not announce the conversation id")
        while not completed:
            if prompt:
                sys.stdout.write("you> ")
                sys.stdout.flush()
            text = await lines.readline()
            if text is None or text.strip() in _QUIT:
                await self.conversations.finish(conversation_id)
                print(f"(conversation {terminal_safe(conversation_id)} finished)", file=sys.stderr)
                return 0
            if text.strip():
                completed = await self._turn(
                    self.conversations.interact(conversation_id, text=text)
                )
        print(
            f"(the agent ended the conversation {terminal_safe(conversation_id)})", file=sys.stderr
        )
        return 0

    async def _turn(self, stream: EventStream[ConversationStreamEvent]) -> bool:
        """Print one agent turn; whether the conversation is completed."""
        printer = _Printer(sys.stdout)

        def see(event: Any) -> None:
            if isinstance(event, ConversationCreatedEvent):
                self.conversation_id = event.conversation_id
                print(
                    f"(conversation {terminal_safe(event.conversation_id)}; "
                    "/quit or Ctrl-C to finish)",
                    file=sys.stderr,
                    flush=True,
                )
            printer.event(event)

        self.in_turn = True
        interaction = await stream.collect(on_event=see)
        self.in_turn = False
        return interaction.conversation_completed

    async def _finish_after_interrupt(self, conversation_id: str) -> None:
        shown = terminal_safe(conversation_id)  # the server chose it
        print(f"\n(interrupted: finishing conversation {shown})", file=sys.stderr)
        problem = ""
        try:
            async with asyncio.timeout(_FINISH_ON_INTERRUPT_SECONDS):
                await self._finish_when_idle(conversation_id)
        except errors.AmigoError as error:
            problem = str(error)
        except TimeoutError:
            problem = f"still busy after {_FINISH_ON_INTERRUPT_SECONDS:g}s"
        if problem:
            print(
                f"error: conversation {shown} is not finished ({problem}); "
                f"run: amigo-async conversations finish {shown}",
                file=sys.stderr,
            )
        else:
            print(f"(conversation {shown} finished)", file=sys.stderr)

    async def _finish_when_idle(self, conversation_id: str) -> None:
        """Finish; a turn cut short keeps the server busy a moment (409): try again then."""
        while True:
            try:
                await self.conversations.finish(conversation_id)
                return
            except errors.ConflictError:
                if not self.in_turn:
                    raise  # at the prompt a 409 means finished already: nothing to wait for
            await asyncio.sleep(_FINISH_RETRY_SECONDS)

    async def _explain_conflict(self, service_id: str) -> None:
        """The server allows one unfinished conversation per user and service: name it."""
        print(
            "error: you already have an unfinished conversation with this service; finish it "
            "first: amigo-async conversations finish ID",
            file=sys.stderr,
        )
        with contextlib.suppress(errors.AmigoError, ValueError):
            unfinished = self.conversations.list(
                service_ids=[service_id], is_finished=False, sort_by=["-created_at"], max_items=5
            )
            async for conversation in unfinished:
                print(f"  unfinished: {terminal_safe(conversation.id)}", file=sys.stderr)
