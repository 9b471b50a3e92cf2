"""``amigo-async conversations chat --fake``: a whole chat from piped input."""

from __future__ import annotations

import io
import re

import pytest

from amigo_async import cli


def _chat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], typed: str
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    status = cli.main(["conversations", "chat", "--fake"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_a_chat_prints_each_agent_message_and_finishes_on_quit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _chat(monkeypatch, capsys, "Where is my refund?\n\n/quit\n")
    assert status == 0
    assert out.splitlines() == [
        "agent> Hello! I am the fake Amigo agent. What can I do for you today?",
        'agent> You said: "Where is my refund?". Tell me more, I am listening.',
    ]
    conversation_id = re.search(r"\(conversation ([0-9a-f]{24}); ", err)
    assert conversation_id is not None, err  # the chat names its conversation
    assert f"(conversation {conversation_id.group(1)} finished)" in err


def test_the_agent_can_end_the_chat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _chat(monkeypatch, capsys, "bye\nnever read\n")
    assert status == 0
    assert out.splitlines()[-1] == "agent> Goodbye, and thank you for the conversation!"
    assert "ended the conversation" in err


def test_without_fake_a_service_id_is_required(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli.main(["conversations", "chat", "--organization", "acme"]) == 1
    assert "--service-id" in capsys.readouterr().err
