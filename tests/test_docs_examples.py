"""Every ```python block of README.md and docs/ runs, as it is, against the fake server.

One fake serves the whole module from a thread of its own (its start-up costs
more than most blocks); each block runs as a script would, with its own
``asyncio.run``, every ``AMIGO_*`` variable the fake prints (a token and an API
key) and an empty working directory. Blocks that change the fake's data undo it (a conversation started
is finished), as a reader's session would need. A block that needs a real account is marked by the
line ``<!-- example: needs a real account -->`` (or another reason after
``example:``) just above its fence, and is skipped with that reason;
``<!-- example: requires duckdb pyarrow -->`` runs the block when those modules
import, and skips it (naming them) when they do not.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from _documents import EXAMPLES, Example

from amigo_async.testing import FakeAmigoServer


def test_the_documents_hold_examples() -> None:
    assert len(EXAMPLES) >= 20
    assert {e.document for e in EXAMPLES} >= {"README.md", "docs/quickstart.md"}


def _run(example: Example) -> str:
    output = io.StringIO()
    namespace = {"__name__": "__main__", "__file__": example.name}
    with contextlib.redirect_stdout(output):
        exec(compile(example.code, example.name, "exec"), namespace)
    return output.getvalue()


@pytest.fixture(scope="module")
def fake_environment() -> Iterator[dict[str, str]]:
    """A fake on its own event loop in a thread, for every block of the module."""
    started = threading.Event()
    found: dict[str, str] = {}
    stopping: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def serve() -> None:
        stop = asyncio.Event()
        async with FakeAmigoServer(time_scale=60) as fake:
            fake.state.prompt_logs.add_week()  # as `amigo-async fake` serves, which the docs use
            found.update(
                AMIGO_BASE_URL=fake.url,
                AMIGO_ORGANIZATION_ID=fake.organization,
                AMIGO_TOKEN=fake.token,
                AMIGO_API_KEY=fake.api_key,
                AMIGO_API_KEY_ID=fake.api_key_id,
                AMIGO_USER_ID=fake.user_id,
            )
            stopping.append((asyncio.get_running_loop(), stop))
            started.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(60), "the fake did not start"
    yield found
    loop, stop = stopping[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs_against_the_fake(
    example: Example,
    fake_environment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if example.skip is not None:
        if not example.skip.startswith("requires "):
            pytest.skip(example.skip)
        for module in example.skip.split()[1:]:
            pytest.importorskip(module, reason=f"the example needs {module}")
    for name, value in fake_environment.items():  # all the fake prints, as a reader exports
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a token cache stays here
    monkeypatch.chdir(tmp_path)
    _run(example)
