"""The seeded data a user needs to try the fake, named so docs and scripts can find it.

`services.list()` answers 25 services and `admin.stream_prompt_logs` needs a
prefix that has logs: without these names the fake's data can only be found by
reading its source. The chat service id and the example prefix are the same for
every seed; tool ids depend on the seed (seed 0 is what the CLI serves).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

import attrs

from ._data.prompt_logs import DEMO_PREFIX, EXAMPLE_PREFIX
from ._data.service import CHAT_SERVICE_ID

if TYPE_CHECKING:
    from ._server import FakeAmigoServer
    from ._state import FakeState

__all__ = ["Seeds", "announce", "announcement"]


@attrs.frozen
class Seeds:
    """Ids and names of the fake's seeded data that examples can use as they are."""

    chat_service_id: str
    """A service in which `conversations.create` starts a conversation (the first listed)."""
    prompt_log_prefixes: tuple[str, ...]
    """Prefixes that have prompt logs: the README's example prefix, then ``demo/``."""
    prompt_log_days: tuple[str, ...]
    """UTC days (``YYYY-MM-DD``, oldest first) that are prefixes with logs, for
    `--since`/`--date` and `date_prefixes`: the past week but every third day when
    served from the command line, none otherwise."""
    tools_with_invocations: tuple[tuple[str, str], ...]
    """(name, id) of the tools that have invocations, in list order."""

    @classmethod
    def of(cls, state: FakeState) -> Seeds:
        tools = state.tools
        invoked = {invocation["tool_id"] for invocation in tools.invocations}
        return cls(
            chat_service_id=CHAT_SERVICE_ID,
            prompt_log_prefixes=(EXAMPLE_PREFIX, DEMO_PREFIX.rstrip("/")),
            prompt_log_days=tuple(state.prompt_logs.days),
            tools_with_invocations=tuple(
                (tool["name"], tool["id"]) for tool in tools.tools if tool["id"] in invoked
            ),
        )


def announcement(fake: FakeAmigoServer) -> Iterator[str]:
    """What a started fake prints: where it is, the variables as `export` lines a shell
    takes pasted or through `eval`, the seeded ids."""
    seeds = fake.seeds
    yield f"Fake Amigo API on {fake.url}  (organization {fake.organization})"
    yield f"  export AMIGO_BASE_URL={fake.url}"
    yield f"  export AMIGO_ORGANIZATION_ID={fake.organization}"
    yield f"  export AMIGO_TOKEN={fake.token}"
    yield f"  export AMIGO_API_KEY={fake.api_key}"
    yield f"  export AMIGO_API_KEY_ID={fake.api_key_id}"
    yield f"  export AMIGO_USER_ID={fake.user_id}"
    yield "Seeded data:"
    yield f"  chat service id: {seeds.chat_service_id}"
    yield f"  prompt-log prefixes: {', '.join(seeds.prompt_log_prefixes)}"
    if seeds.prompt_log_days:
        days = ", ".join(seeds.prompt_log_days)
        yield f"  prompt-log days: {days} (the week's other days are empty)"
    for name, tool_id in seeds.tools_with_invocations:
        yield f"  tool with invocations: {name} {tool_id}"


def announce(fake: FakeAmigoServer, file: TextIO | None = None) -> None:
    """Print the announcement one flushed line at a time: a pipe sees each line at once."""
    out = file if file is not None else sys.stdout
    for line in announcement(fake):
        print(line, file=out, flush=True)
