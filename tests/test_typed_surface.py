"""Typed all the way out: what a user's program gets from ``mypy --strict``.

One mypy run type-checks a correct program using both clients (a pager loop, a
stream narrowed with ``match``, a sync pager and stream) together with the stub
transport of tests/test_resource_seam.py; a second run checks a program with
known mistakes and expects exactly those errors. The generated sync surface is
also checked for staleness, like the generated models.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from functools import cached_property
from pathlib import Path
from types import ModuleType

import pytest
from _documents import EXAMPLES

import amigo_async

ROOT = Path(__file__).resolve().parent.parent
MYPY = Path(sys.executable).with_name("mypy")

GOOD = """
from __future__ import annotations

import asyncio

import amigo_async
from amigo_async.models.conversation import (
    InteractionCompleteEvent,
    NewMessageEvent,
    UnknownInteractWithConversationResponse,
)
from amigo_async.models.tools import Tool
from amigo_async.sync import AmigoClient as SyncClient


async def main() -> None:
    async with amigo_async.AmigoClient(organization="acme", token="t") as client:
        names: list[str] = [tool.name async for tool in client.tools.list(deprecated=False)]
        pager: amigo_async.AsyncPager[Tool] = client.tools.list()
        async for page in pager.pages():
            print(len(page.items), names)
        async for event in client.conversations.interact("0" * 24, text="hi"):
            match event:
                case NewMessageEvent(message=piece):
                    print(piece.upper())
                case InteractionCompleteEvent():
                    print(event.full_message)
                case UnknownInteractWithConversationResponse():
                    print(event.raw)
                case _:
                    pass
        interaction = await client.conversations.interact("0" * 24, text="hi").collect()
        print(interaction.full_message)


def blocking() -> None:
    with SyncClient(organization="acme", token="t", max_connections=4) as client:
        for tool in client.tools.list(limit=5):
            print(tool.name.upper())
        versions: list[str] = [v.id for v in client.tools.list_versions("0" * 24).to_list()]
        for page in client.tools.list().pages():
            print(page.has_more, versions)
        for event in client.conversations.interact("0" * 24, text="hi"):
            if isinstance(event, NewMessageEvent):
                print(event.message)
        print(client.conversations.create("0" * 24).collect().conversation_id)
        print(client.organization.get().org_id, client.admin.get_models()[0].name)
        for entry in client.admin.stream_prompt_logs("2024/01/01"):
            print(entry)
        print(client.tools.repo.git_remote_url().startswith("https"))
        for found in client.tools.scan_invocations(["0" * 24]):
            print(found)


asyncio.run(main())
blocking()
"""

BAD = """
from __future__ import annotations

import amigo_async
from amigo_async.models.conversation import NewMessageEvent
from amigo_async.sync import AmigoClient as SyncClient


async def main() -> None:
    async with amigo_async.AmigoClient(organization="acme", token="t") as client:
        async for tool in client.tools.list():
            print(tool.nmae)  # async item
        await client.tools.lisst()  # async typo
        async for event in client.conversations.interact("0" * 24, text="hi"):
            match event:
                case NewMessageEvent():
                    print(event.full_message)  # async stream


def blocking() -> None:
    with SyncClient(organization="acme", token="t") as client:
        client.tools.lisst()  # sync typo
        client.tools.list(limit="5")  # sync argument
        for tool in client.tools.list():
            print(tool.nmae)  # sync item
        SyncClient(organization="acme", tokn="t")  # sync constructor
        for event in client.conversations.create("0" * 24):
            if isinstance(event, NewMessageEvent):
                print(event.full_message)  # sync stream
"""

EXPECTED_BAD = {
    "# async item": 'error: "Tool" has no attribute "nmae"',
    "# async typo": 'error: "ToolsWithScan" has no attribute "lisst"',
    "# sync typo": 'error: "ToolsWithScan" has no attribute "lisst"',
    "# sync argument": (
        'error: Argument "limit" to "list" of "ToolsWithScan" has incompatible type "str"'
    ),
    "# sync item": 'error: "Tool" has no attribute "nmae"',
    "# sync constructor": 'error: Unexpected keyword argument "tokn" for "AmigoClient"',
    "# async stream": 'error: "NewMessageEvent" has no attribute "full_message"',
    "# sync stream": 'error: "NewMessageEvent" has no attribute "full_message"',
}


def _mypy(tmp_path: Path, *files: Path) -> list[tuple[str, int, str]]:
    """One ``mypy --strict`` run; its errors as (file name, line, message)."""
    done = subprocess.run(
        [
            str(MYPY),
            "--strict",
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # An editable install is found through an import hook mypy does not follow.
        env={**os.environ, "MYPYPATH": str(ROOT)},
        timeout=600,
    )
    found = []
    for line in done.stdout.splitlines():
        matched = re.match(r"(.+?):(\d+): (error: .*)", line)
        if matched:
            found.append((Path(matched[1]).name, int(matched[2]), matched[3]))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return found


pytestmark = pytest.mark.slow  # one mypy run of ~10 s (more on a busy machine) for the module


@pytest.fixture(scope="module")
def mypy_results(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, int, str]]:
    """Both programs (and the stub transport) in one mypy run: mypy is slow to start."""
    tmp_path = tmp_path_factory.mktemp("typed")
    good = tmp_path / "good.py"
    bad = tmp_path / "bad.py"
    good.write_text(textwrap.dedent(GOOD))
    bad.write_text(textwrap.dedent(BAD))
    documented = []
    for number, example in enumerate(_TYPED_EXAMPLES):
        documented.append(tmp_path / f"{_EXAMPLE_FILE}{number}.py")
        documented[-1].write_text(example.code)
    return _mypy(tmp_path, good, bad, *documented, ROOT / "tests" / "test_resource_seam.py")


def test_a_correct_program_using_both_clients_passes_mypy_strict(
    mypy_results: list[tuple[str, int, str]],
) -> None:
    unexpected = [
        error
        for error in mypy_results
        if error[0] != "bad.py" and not error[0].startswith(_EXAMPLE_FILE)
    ]
    assert unexpected == []


# A user copies the documents' examples into a checked code base: each must pass as it is
# (a block that needs another library, such as duckdb, is left to its own types).
_TYPED_EXAMPLES = [e for e in EXAMPLES if not (e.skip or "").startswith("requires ")]
_EXAMPLE_FILE = "documented_example_"


def test_every_documented_example_passes_mypy_strict(
    mypy_results: list[tuple[str, int, str]],
) -> None:
    assert len(_TYPED_EXAMPLES) >= 20
    failing = [
        f"{_TYPED_EXAMPLES[int(name.removeprefix(_EXAMPLE_FILE).removesuffix('.py'))].name}"
        f" (block line {line}): {message}"
        for name, line, message in mypy_results
        if name.startswith(_EXAMPLE_FILE)
    ]
    assert failing == []


def test_typos_and_wrong_types_fail_mypy_strict_in_user_code(
    mypy_results: list[tuple[str, int, str]],
) -> None:
    lines = textwrap.dedent(BAD).splitlines()
    found = {
        lines[line - 1].split("  ")[-1]: message
        for name, line, message in mypy_results
        if name == "bad.py"
    }
    assert found.keys() == EXPECTED_BAD.keys(), found
    for marker, expected in EXPECTED_BAD.items():
        assert found[marker].startswith(expected), (marker, found[marker])


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_sync", ROOT / "scripts" / "generate_sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sync_surface_is_what_the_generator_writes() -> None:
    generator = _generator()
    assert generator.TARGET.read_text("utf-8") == generator.generate(), (
        "stale; run: python scripts/generate_sync.py"
    )


def _stub_members() -> dict[str, set[str]]:
    """Class name -> the names the generated stub declares on it."""
    tree = ast.parse((ROOT / "amigo_async" / "_sync_api.pyi").read_text("utf-8"))
    members: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members[node.name] = {
                item.target.id if isinstance(item, ast.AnnAssign) else item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef)
                or (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name))
            }
    return members


def test_every_public_attribute_of_a_live_client_is_in_the_sync_surface() -> None:
    """The generator reads class annotations: an attribute set only in __init__ would be missed."""
    client = amigo_async.AmigoClient("acme", token="t")
    for name, member in vars(amigo_async.AmigoClient).items():
        if isinstance(member, cached_property):
            getattr(client, name)  # an area is made on first use
    stub = _stub_members()
    objects = {
        "AmigoClient": client,
        **{type(value).__name__: value for value in vars(client).values()},
    }
    assert "ToolsWithScan" in objects
    missing = [
        f"{name}.{attribute}"
        for name, value in objects.items()
        if name in stub
        for attribute in vars(value)
        if not attribute.startswith("_") and attribute not in stub[name]
    ]
    assert missing == []
    assert {"admin", "tools", "organization_id", "stats"} <= stub["AmigoClient"]
    assert "repo" in stub["ToolsWithScan"]
