"""``--fake``: the embedded fake server and the data each demonstration needs.

The only part of the command that imports `amigo_async.testing`, and only when
``--fake`` is given (the commands import this module at start, so it imports the
fake inside its functions).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._client import AmigoClient
    from ..testing import FakeAmigoServer

__all__ = ["fake_client", "prepare_export_demo", "seed_scan_demo"]

_DEMO_LOGS_PER_DAY = 4
_DEMO_TOOLS = 6
_DEMO_INVOCATIONS_PER_TOOL = 400  # 4 pages each: the demo stays within one minute's limit


@asynccontextmanager
async def fake_client(
    prepare: Callable[[FakeAmigoServer], None] | None, **client_options: Any
) -> AsyncIterator[AmigoClient]:
    """A client on a fake server started for this command; `prepare` seeds it first."""
    from ..testing import FakeAmigoServer

    async with FakeAmigoServer() as fake:
        if prepare is not None:
            prepare(fake)
        async with fake.client(**client_options) as client:
            yield client


def prepare_export_demo(fake: FakeAmigoServer, prefixes: list[str], *, dated: bool = False) -> None:
    """Use the seeded prefixes unless some were given, and cut the first download short
    once, so the demo shows an error entry and a retry that succeeds.

    With `dated` prefixes (one per day), the fake gets a few logs under each day but
    every third, so the demo shows empty days too.
    """
    from ..testing import Fault

    data = fake.state.prompt_logs
    if not prefixes:
        prefixes.extend(data.demo_prefixes)
    if dated:
        for number, prefix in enumerate(prefixes):
            if number % 3 != 2:
                data.add_generated(f"{prefix}/", _DEMO_LOGS_PER_DAY, file_size=3000, messages=4)
    smallest = min(len(data.archive(prefix)) for prefix in data.demo_prefixes)
    fake.inject("get-prompt-logs", Fault.truncate(smallest // 2))


def seed_scan_demo(fake: FakeAmigoServer, *, now: datetime | None = None) -> list[str]:
    """Give a fake server tools whose invocations spread over the last 30 days."""
    return fake.state.tools.add_tools_with_invocations(
        _DEMO_TOOLS,
        invocations_per_tool=_DEMO_INVOCATIONS_PER_TOOL,
        end=now if now is not None else datetime.now(UTC),
    )
