"""Ctrl-C at any moment of a command, even while its modules load: status 130 and
"interrupted", never a KeyboardInterrupt traceback.

Each run is a separate interpreter that starts the command as the console script
does, and sends itself SIGINT the moment a chosen module starts to load: the
client's dependencies (before the command has parsed anything), a command group,
and the fake server (inside the running event loop).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

ROOT = Path(__file__).resolve().parents[1]

DRIVER = """
import os, signal, sys

class InterruptOnImport:
    def find_spec(self, name, path=None, target=None):
        if name == sys.argv[1]:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptOnImport())
from amigo_async.cli import main
sys.exit(main(sys.argv[2:]))
"""

COMMANDS = {
    "models": ["models", "list", "--fake"],
    "export": ["prompt-logs", "export", "--fake", "--out", "{tmp}"],
    "scan": ["tools", "scan", "--fake"],
}


def _as_at_a_terminal() -> None:
    """Give the child the SIGINT a terminal's Ctrl-C meets: a suite started with
    ``nohup`` or ``&`` from a script ignores SIGINT, and every child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted_run(
    module: str, command: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    argv = [part.replace("{tmp}", str(tmp_path / "out")) for part in command]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", DRIVER, module, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        preexec_fn=_as_at_a_terminal,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("module", ["aiohttp", "amigo_async.cli._app", "amigo_async.testing"])
def test_sigint_while_starting_exits_130_with_interrupted(
    module: str, command: str, tmp_path: Path
) -> None:
    result = _interrupted_run(module, COMMANDS[command], tmp_path)

    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in result.stderr


def _read_until(stream: IO[str], text: str) -> str:
    seen = ""
    while text not in seen:
        character = stream.read(1)
        assert character, seen
        seen += character
    return seen


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("moment", ["at the prompt", "while the agent speaks"])
def test_ctrl_c_in_a_chat_leaves_at_once_and_finishes_the_conversation(moment: str) -> None:
    """The prompt waits on standard input (a pipe nobody writes to): Ctrl-C must not
    wait for a line, and the conversation the chat started must not stay open, even
    when the server is still busy with the turn Ctrl-C cut short."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    chat = subprocess.Popen(
        [sys.executable, "-m", "amigo_async.cli", "conversations", "chat", "--fake"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        preexec_fn=_as_at_a_terminal,
    )
    try:
        assert chat.stdin is not None and chat.stdout is not None and chat.stderr is not None
        announced = chat.stderr.readline()
        conversation_id = announced.split()[1].rstrip(";")
        assert announced.startswith("(conversation "), announced
        _read_until(chat.stdout, "What can I do for you today?\n")  # the agent's turn is over
        if moment == "while the agent speaks":
            chat.stdin.write("Where is my refund?\n")
            chat.stdin.flush()
            _read_until(chat.stdout, "agent> You said")
        chat.send_signal(signal.SIGINT)
        status = chat.wait(timeout=15)  # before the fix: never, until a line arrives
        err = chat.stderr.read()
    finally:
        chat.kill()
        chat.wait()
    assert status == 130, err
    assert f"(conversation {conversation_id} finished)" in err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
