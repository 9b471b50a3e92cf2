"""Issue 20, items 2-3: the fake shows its data, and a pipe receives every line at once."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from amigo_async import AmigoClient, errors
from amigo_async.testing import FakeAmigoServer, announce


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "amigo_async.testing"],
        [sys.executable, "-m", "amigo_async.cli", "fake"],
    ],
    ids=["python -m amigo_async.testing", "amigo-async fake"],
)
def test_a_piped_command_line_fake_prints_every_line_at_once(command: list[str]) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [*command, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in iter(process.stdout.readline, ""):
            lines.append(line)
            if line.startswith("  tool with invocations: legacy_search"):
                break  # arrived while the server still runs: nothing waits in a buffer
        text = "".join(lines)
        for name in ("AMIGO_BASE_URL=", "AMIGO_TOKEN=", "AMIGO_API_KEY=", "AMIGO_USER_ID="):
            assert name in text
        assert "chat service id: 5eed0000000000000000c4a7" in text
        assert "prompt-log prefixes: conversation-42, demo" in text
        assert "prompt-log days: " in text
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_the_first_listed_service_is_the_chat_service(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    [first] = await client.services.list(max_items=1).to_list()
    assert first.id == fake.seeds.chat_service_id == "5eed0000000000000000c4a7"
    assert first.is_active
    greeting = await client.conversations.create(first.id).collect()
    assert greeting.conversation_id is not None


async def test_every_announced_prompt_log_prefix_has_logs(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    for prefix in fake.seeds.prompt_log_prefixes:
        entries = [entry async for entry in client.admin.stream_prompt_logs(prefix)]
        assert entries and all(e.log_key.startswith(prefix) for e in entries), prefix


async def test_every_announced_tool_has_invocations(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tools = fake.seeds.tools_with_invocations
    assert [name for name, _ in tools][:2] == ["weather_lookup", "calculator"]
    for _, tool_id in tools:
        found = await client.tools.list_invocations(tool_id=[tool_id], max_items=1).to_list()
        assert found and found[0].tool_id == tool_id


async def test_the_announcement_names_the_seeds_it_serves(fake: FakeAmigoServer) -> None:
    out = io.StringIO()
    announce(fake, out)
    text = out.getvalue()
    assert f"  export AMIGO_BASE_URL={fake.url}\n" in text  # pasteable into a shell
    for name, tool_id in fake.seeds.tools_with_invocations:
        assert f"tool with invocations: {name} {tool_id}\n" in text


async def test_the_command_line_fakes_week_has_logs_on_each_announced_day(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    today = datetime.now(UTC).date()
    week = [(today - timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    assert fake.seeds.prompt_log_days == ()
    fake.state.prompt_logs.add_week()  # what `amigo-async fake` does before it announces

    with_logs = [day for number, day in enumerate(week) if number % 3 != 2]
    assert list(fake.seeds.prompt_log_days) == with_logs
    for day in with_logs:
        entries = [entry async for entry in client.admin.stream_prompt_logs(day)]
        assert entries and all(e.log_key.startswith(f"{day}/") for e in entries), day
    with pytest.raises(errors.NotFoundError):  # an empty day, as `--since` reports it
        await client.admin.stream_prompt_logs(week[2]).__anext__()
    out = io.StringIO()
    announce(fake, out)
    assert f"prompt-log days: {', '.join(with_logs)} (the week's" in out.getvalue()
