"""Server-chosen text reaches the terminal without its escape sequences: agent
messages, model names, table cells and error lines."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from aiohttp import web
from hostile import json_response, serve

from amigo_async import cli
from amigo_async.cli._chat import _Printer
from amigo_async.cli._text import terminal_safe
from amigo_async.models import converter
from amigo_async.models.conversation import InteractionCompleteEvent, NewMessageEvent

HOSTILE = "\x1b]0;PWNED\x07\x1b[2J\x1b[31mRED\x9b31m\r\x1b[1Afake\x85line\x7f"
_RAW = ("\x1b", "\x07", "\x9b", "\r", "\x85", "\x7f")


def _assert_inert(text: str) -> None:
    for control in _RAW:
        assert control not in text


async def test_model_names_are_printed_without_escapes(capsys: pytest.CaptureFixture[str]) -> None:
    async def models(request: web.Request) -> web.Response:
        return json_response({"models": [{"name": HOSTILE, "provider": "p"}]})

    async with serve(models) as api:
        argv = ["models", "list", "--base-url", api.url, "--organization", "acme"]
        status = await asyncio.to_thread(cli.main, [*argv, "--token", "tok-terminal"])
    out = capsys.readouterr().out
    assert status == 0
    _assert_inert(out)
    assert "\\x1b]0;PWNED" in out  # shown, not obeyed


def test_agent_messages_are_printed_without_escapes() -> None:
    out = io.StringIO()
    printer = _Printer(out)
    message = {
        "type": "new-message",
        "message": HOSTILE + "\nsecond line",
        "transcript_alignment": None,
        "stop": False,
        "sequence_number": 0,
        "message_id": "m",
    }
    printer.event(converter.structure(message, NewMessageEvent))
    complete = {
        "type": "interaction-complete",
        "message_id": "m",
        "interaction_id": "i",
        "full_message": HOSTILE,
        "conversation_completed": False,
    }
    printer.speaking = False
    printer.event(converter.structure(complete, InteractionCompleteEvent))
    _assert_inert(out.getvalue())
    assert "\nsecond line" in out.getvalue()  # a newline in a message stays one


def test_terminal_safe_keeps_tabs_and_printable_text() -> None:
    assert terminal_safe("a\tb é ✓") == "a\tb é ✓"
    assert terminal_safe("a\nb") == "a\\x0ab"
    assert terminal_safe("a\nb", multiline=True) == "a\nb"


async def test_a_conversation_id_the_server_chose_is_printed_without_escapes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The chat names its conversation (created, ended by the agent): the id comes from
    the server's conversation-created event."""
    events = [
        {"type": "conversation-created", "conversation_id": HOSTILE},
        {"type": "new-message", "message": "bye", "transcript_alignment": None,
         "stop": False, "sequence_number": 0, "message_id": "m"},
        {"type": "interaction-complete", "message_id": "m", "interaction_id": "i",
         "full_message": "bye", "conversation_completed": True},
    ]  # fmt: skip

    async def create(request: web.Request) -> web.Response:
        body = "".join(json.dumps(event) + "\n" for event in events)
        return web.Response(text=body, content_type="application/x-ndjson")

    service = "5eed0000000000000000c4a7"
    async with serve(create) as api:
        argv = ["conversations", "chat", "--service-id", service, "--base-url", api.url]
        argv += ["--organization", "acme", "--token", "tok-terminal"]
        await asyncio.to_thread(cli.main, argv)
    captured = capsys.readouterr()
    _assert_inert(captured.out + captured.err)
    assert "\\x1b]0;PWNED" in captured.err  # named, not obeyed
