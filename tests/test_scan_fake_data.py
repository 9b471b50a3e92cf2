"""The fake server's busy tools, added for scans: exact counts, realistic failures,
and no change to the data other tests rely on."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from amigo_async.testing._state import FakeState

END = datetime(2024, 6, 1, tzinfo=UTC)


def _fresh() -> FakeState:
    return FakeState.seeded(0, "acme")


def test_each_added_tool_has_exactly_the_asked_number_of_invocations() -> None:
    data = _fresh().tools

    tool_ids = data.add_tools_with_invocations(5, invocations_per_tool=123, end=END)

    counts = Counter(item["tool_id"] for item in data.invocations)
    assert [counts[tool_id] for tool_id in tool_ids] == [123] * 5


def test_added_tools_are_published_tools_with_one_to_three_versions() -> None:
    data = _fresh().tools

    tool_ids = data.add_tools_with_invocations(3, invocations_per_tool=30, end=END)

    assert [len(data.versions[tool_id]) for tool_id in tool_ids] == [1, 2, 3]
    assert all(data.tool(tool_id) is not None for tool_id in tool_ids)
    served = {
        (item["tool_id"], item["tool_version"]["minor"], item["tool_version"]["major"])
        for item in data.added_invocations
    }
    assert {(tool_ids[2], minor, major) for minor, major in ((0, 1), (1, 1), (0, 2))} <= served


def test_added_invocations_fail_with_exception_types_and_timeouts_take_30_seconds() -> None:
    data = _fresh().tools
    data.add_tools_with_invocations(4, invocations_per_tool=500, end=END)

    failed = [i for i in data.added_invocations if not i["invocation_status"]["succeeded"]]

    assert 0.02 < len(failed) / len(data.added_invocations) < 0.3
    assert len({i["invocation_status"]["exception_type"] for i in failed}) >= 3
    timeouts = [i for i in failed if i["invocation_status"]["exception_type"] == "TimeoutError"]
    assert timeouts and all(i["duration_ms"] >= 30_000 for i in timeouts)


def test_added_invocations_spread_over_the_span_before_end() -> None:
    data = _fresh().tools
    data.add_tools_with_invocations(2, invocations_per_tool=200, end=END, span=timedelta(days=7))

    times = [datetime.fromisoformat(i["created_at"]) for i in data.added_invocations]

    assert times == sorted(times)
    assert END - timedelta(days=7) <= times[0] and times[-1] <= END


def test_adding_tools_leaves_the_seeded_invocations_as_they_were() -> None:
    before = _fresh().tools.invocations
    data = _fresh().tools

    data.add_tools_with_invocations(3, invocations_per_tool=10, end=END)

    assert data.invocations[: len(before)] == before


def test_invocations_of_one_or_several_tools_keep_the_list_order() -> None:
    data = _fresh().tools
    first, second = data.add_tools_with_invocations(2, invocations_per_tool=50, end=END)

    everything = data.invocations

    assert data.invocations_of([first]) == [i for i in everything if i["tool_id"] == first]
    assert data.invocations_of([first, second]) == [
        i for i in everything if i["tool_id"] in (first, second)
    ]
    assert data.invocations_of([]) == everything


def test_invocations_can_end_now_for_the_command_line_fake() -> None:
    """`amigo-async fake` dates them up to now, so the docs' `tools scan --since 7d` finds
    them; the order, the spacing and every other field stay as seeded."""
    fixed = _fresh().tools.invocations
    data = _fresh().tools
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    data.invocations_end = now

    moved = data.invocations

    assert datetime.fromisoformat(moved[-1]["created_at"]) == now
    week_ago = (now - timedelta(days=7)).isoformat()
    assert all(week_ago <= item["created_at"] <= now.isoformat() for item in moved)
    assert fixed[0]["created_at"] < week_ago  # the dates the tests rely on: 2024
    strip = ("created_at", "updated_at")
    assert [{k: v for k, v in i.items() if k not in strip} for i in moved] == [
        {k: v for k, v in i.items() if k not in strip} for i in fixed
    ]
