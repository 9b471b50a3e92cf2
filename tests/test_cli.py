"""The command a user expects: --version, global options anywhere, credential flags
beside the environment, every variable named in --help, models and conversations
commands, and more runs at once than sign-in allows a minute signing in once."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from amigo_async import RateLimit, __version__, cli
from amigo_async.testing import FakeAmigoServer

ROOT = Path(__file__).resolve().parents[1]
RUNS = 3  # each run costs ~1 s of CPU to start; the fake allows them one sign-in a minute


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _against(fake: FakeAmigoServer, *argv: str) -> list[str]:
    return [*argv, "--base-url", fake.url, "--organization", fake.organization]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"amigo-async {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "--fake", "models", "list"],
        ["models", "-v", "--fake", "list"],
        ["models", "list", "--fake", "-v"],
        ["demo", "--fake", "--verbose"],  # the old name still works
    ],
)
def test_global_options_anywhere(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    verbose: list[bool] = []
    monkeypatch.setattr(
        "amigo_async.cli._app.configure_logging", lambda on, given=(): verbose.append(on)
    )
    status, out, err = _run(capsys, *argv)
    assert status == 0, err
    assert out.startswith("5 models:")  # --fake was seen
    assert verbose == [True]


def test_help_names_every_environment_variable_read(capsys: pytest.CaptureFixture[str]) -> None:
    read = set()  # every AMIGO_* name the library's code holds as a string
    for module in (ROOT / "amigo_async").rglob("*.py"):
        if not {"cli", "testing"} & set(module.relative_to(ROOT).parts):
            read |= set(re.findall(r"[\"'](AMIGO_[A-Z0-9_]+)[\"']", module.read_text()))
    assert read >= {"AMIGO_TOKEN", "AMIGO_API_KEY", "AMIGO_ORGANIZATION_ID"}
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    help_text = capsys.readouterr().out
    assert all(name in help_text for name in read), read
    assert "wins over" in help_text and "demo" not in help_text


def test_fake_help_lists_only_the_options_that_apply(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["fake", "--help"])
    help_text = capsys.readouterr().out
    for meaningless in ("--token", "--api-key", "--base-url", "--region", "--fake", "--user-id"):
        assert meaningless not in help_text
    assert "--verbose" in help_text and "--organization" in help_text and "--port" in help_text
    with pytest.raises(SystemExit) as exited:
        cli.main(["fake", "--token", "t"])  # refused, not ignored
    assert exited.value.code == 2
    assert "unrecognized arguments: --token" in capsys.readouterr().err


async def test_credential_flags_win_over_the_environment(
    fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AMIGO_TOKEN", "not-the-token")
    argv = _against(fake, "models", "list", "--token", fake.token)
    assert await asyncio.to_thread(cli.main, argv) == 0
    monkeypatch.setenv("AMIGO_TOKEN", fake.token)
    argv = _against(fake, "models", "list", "--token", "wrong-token")
    assert await asyncio.to_thread(cli.main, argv) == 1
    assert "status 401" in capsys.readouterr().err


async def test_conversations_list_and_finish(
    fake: FakeAmigoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    service_id = fake.state.conversations.service_id
    async with fake.client() as client:
        created = await client.conversations.create(service_id).collect()
    conversation_id = created.conversation_id
    unfinished = _against(fake, "conversations", "list", "--state", "unfinished")
    unfinished += ["--token", fake.token]
    assert await asyncio.to_thread(cli.main, unfinished) == 0
    assert conversation_id in capsys.readouterr().out
    finish = _against(fake, "conversations", "finish", conversation_id, "--token", fake.token)
    assert await asyncio.to_thread(cli.main, finish) == 0
    assert f"conversation {conversation_id} finished" in capsys.readouterr().out
    assert await asyncio.to_thread(cli.main, unfinished) == 0
    out, err = capsys.readouterr()
    assert conversation_id not in out
    assert out.count("\n") == 1 and err == "no conversation matches\n"  # none left unfinished


async def test_a_chat_blocked_by_an_unfinished_conversation_names_it(
    fake: FakeAmigoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    service_id = fake.state.conversations.service_id
    async with fake.client() as client:
        created = await client.conversations.create(service_id).collect()
    argv = _against(fake, "conversations", "chat", "--service-id", service_id)
    assert await asyncio.to_thread(cli.main, [*argv, "--token", fake.token]) == 1
    err = capsys.readouterr().err
    assert f"unfinished: {created.conversation_id}" in err
    assert "amigo-async conversations finish" in err


async def test_runs_at_once_beyond_the_sign_in_limit_sign_in_once(tmp_path: Path) -> None:
    """More runs than the fake's sign-in limit allows (one a minute here, five documented).

    scripts/cli_loop.py runs twenty against the documented limit.
    """
    async with FakeAmigoServer(
        rate_limits={"sign-in-with-api-key": RateLimit(1, per_seconds=60)}
    ) as fake:
        await _runs_sign_in_once(fake, tmp_path)


async def _runs_sign_in_once(fake: FakeAmigoServer, tmp_path: Path) -> None:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(ROOT),
        "AMIGO_ORGANIZATION_ID": fake.organization,
        "AMIGO_BASE_URL": fake.url,
        "AMIGO_API_KEY": fake.api_key,
        "AMIGO_API_KEY_ID": fake.api_key_id,
        "AMIGO_USER_ID": fake.user_id,
    }

    async def one_run() -> tuple[int | None, bytes]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "amigo_async.cli", "models", "list",
            env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await process.communicate()
        return process.returncode, err

    results = await asyncio.gather(*(one_run() for _ in range(RUNS)))
    assert [status for status, _ in results] == [0] * RUNS, results
    assert fake.sign_ins == 1  # sign-in allows 5 a minute: without the cache, runs would wait
    assert fake.count("get-models") == RUNS
    (entry,) = (tmp_path / "cache").rglob("*.json")
    assert fake.api_key not in entry.read_text()


def test_the_library_imports_no_command_no_fake_and_no_cache_paths() -> None:
    program = (
        "import sys, amigo_async\n"
        "amigo_async.AmigoClient('acme', api_key='k', api_key_id='i', user_id='u')\n"
        "print(sorted(m for m in ('argparse', 'amigo_async.cli', 'amigo_async.testing',"
        " 'platformdirs') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_verbose_turns_on_the_library_s_debug_records_only() -> None:
    """asyncio's and aiohttp's DEBUG chatter stays out of ``-v``: only amigo_async's records."""
    script = (
        "import logging\n"
        "from amigo_async.cli._logging import configure_logging\n"
        "configure_logging(True)\n"
        "print(logging.getLogger().level, logging.getLogger('amigo_async').level,"
        " logging.getLogger('asyncio').getEffectiveLevel())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split() == [str(logging.WARNING), str(logging.DEBUG), str(logging.WARNING)]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["models", "list", "--help"]])
def test_version_and_help_load_no_client_and_no_api_document(argv: list[str]) -> None:
    """Start-up: the parser is built without aiohttp, the models or the generated api.json."""
    program = (
        "import sys\n"
        "from amigo_async.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('aiohttp', 'asyncio', 'attrs', 'amigo_async._client', 'amigo_async._spec',"
        " 'amigo_async._validation', 'amigo_async.models', 'amigo_async.jobs.export')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.stdout.strip(), result.stderr  # the version or the help was printed
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_the_parser_s_spelled_out_values_are_the_library_s() -> None:
    from amigo_async.cli import export as export_cli
    from amigo_async.cli import scan as scan_cli
    from amigo_async.jobs.export import FORMATS
    from amigo_async.jobs.scan import DEFAULT_CONCURRENCY
    from amigo_async.models.facts import INVOCATION_SOURCE_TYPES

    assert export_cli.FORMATS == FORMATS
    assert scan_cli.DEFAULT_CONCURRENCY == DEFAULT_CONCURRENCY
    assert scan_cli.INVOCATION_SOURCE_TYPES == INVOCATION_SOURCE_TYPES


@pytest.mark.parametrize(
    ("environment", "argv", "expected"),
    [
        ({}, [], "pass --organization or set AMIGO_ORGANIZATION_ID"),
        ({"AMIGO_ORGANIZATION_ID": "acme"}, [], "pass --token (a JWT) or --api-key, --api-key-id"),
        ({"AMIGO_ORGANIZATION_ID": "acme"}, ["--api-key", "k"], "pass --api-key-id or set"),
    ],
)
def test_a_missing_setting_names_its_option_and_variable(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    argv: list[str],
    expected: str,
) -> None:
    for name in [name for name in os.environ if name.startswith("AMIGO_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    status, _, err = _run(capsys, "models", "list", *argv)
    assert status == 1
    assert expected in err and err.rstrip().endswith("--fake)"), err
    assert "=" not in err.split("error: ", 1)[1], err  # no Python keyword on the command line


def test_a_reader_that_stops_early_ends_the_command_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`amigo-async conversations list | head -1`: no "error: Broken pipe", the status a
    shell gives a command ended by SIGPIPE (as `yes | head -1`)."""
    reading, writing = os.pipe()
    os.close(reading)
    with open(writing, "w", closefd=True) as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        status = cli.main(["models", "list", "--fake"])
        monkeypatch.undo()
    assert status == 141
    assert "error" not in capsys.readouterr().err


def test_the_fake_on_a_port_in_use_says_how_to_pick_another(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status, _, err = _run(capsys, "fake", "--port", str(taken.getsockname()[1]))
    assert status == 1
    assert "is in use" in err and "--port 0" in err, err
