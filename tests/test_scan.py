"""The concurrent invocation scanner against the fake server: queries, merging, limits,
failures, cancellation and bad input."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import amigo_async
from amigo_async import AmigoClient, RateLimit, errors
from amigo_async.events import RequestFinished, RequestStarted
from amigo_async.jobs.observer import ProgressObserver
from amigo_async.jobs.scan import DEFAULT_CONCURRENCY, ScannedInvocation, ScanQuery
from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._faults import Fault

OPERATION = "get-tool-invocations"
END = datetime(2024, 6, 1, tzinfo=UTC)


def _seed(fake: FakeAmigoServer, tools: int, per_tool: int) -> list[str]:
    return fake.state.tools.add_tools_with_invocations(
        tools, invocations_per_tool=per_tool, end=END
    )


def _served_ids(fake: FakeAmigoServer, tool_id: str) -> set[str]:
    return {item["id"] for item in fake.state.tools.invocations_of([tool_id])}


def _query_values(fake: FakeAmigoServer, name: str) -> list[list[str]]:
    return [
        [value for key, value in request.query if key == name]
        for request in fake.requests
        if request.operation_id == OPERATION
    ]


async def _collect(scan: Any) -> list[ScannedInvocation]:
    return [item async for item in scan]


def _client_tasks() -> set[asyncio.Task[Any]]:
    """Tasks running client code (the scan's workers, page fetches), not the fake server's."""
    package = Path(amigo_async.__file__).parent
    found = set()
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        if task is asyncio.current_task() or code is None:
            continue
        path = Path(code.co_filename)
        if path.is_relative_to(package) and not path.is_relative_to(package / "testing"):
            found.add(task)
    return found


async def _settled(within: float = 2.0) -> set[asyncio.Task[Any]]:
    """The client tasks still alive once asyncio had `within` seconds to finish them."""
    deadline = time.monotonic() + within
    while True:
        alive = _client_tasks()
        if not alive or time.monotonic() > deadline:
            return alive
        await asyncio.sleep(0.01)


# -- results ----------------------------------------------------------------------------


async def test_every_invocation_of_every_tool_arrives_tagged_with_its_query(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 3, 250)

    items = await _collect(client.tools.scan_invocations(tool_ids))

    for tool_id in tool_ids:
        found = {i.invocation.id for i in items if i.query == ScanQuery(tool_id)}
        assert found == _served_ids(fake, tool_id)
    assert all(item.invocation.tool_id == item.query.tool_id for item in items)
    assert len(items) == 750


async def test_each_query_asks_for_one_tool_page_by_page(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 3, 250)  # 3 pages of 100 each

    await _collect(client.tools.scan_invocations(tool_ids))

    per_request = _query_values(fake, "tool_id")
    assert len(per_request) == 9
    assert sorted(ids[0] for ids in per_request) == sorted(tool_ids * 3)
    assert all(len(ids) == 1 for ids in per_request)


async def test_versions_make_one_query_per_tool_version_pair(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_id = _seed(fake, 3, 300)[2]  # the third tool has versions 1.0.0, 1.1.0 and 2.0.0
    queries = [ScanQuery(tool_id, "<2"), ScanQuery(tool_id, ">=2")]

    items = await _collect(
        client.tools.scan_invocations([tool_id, tool_id], versions=["<2", ">=2"])
    )

    versions = {q: {str(i.invocation.tool_version) for i in items if i.query == q} for q in queries}
    assert versions == {queries[0]: {"1.0.0", "1.1.0"}, queries[1]: {"2.0.0"}}
    assert len(items) == 300


async def test_filters_go_with_every_query(fake: FakeAmigoServer, client: AmigoClient) -> None:
    tool_ids = _seed(fake, 2, 200)

    items = await _collect(
        client.tools.scan_invocations(
            tool_ids, succeeded=False, source_type="simulation-conversation"
        )
    )

    assert items
    assert all(i.invocation.invocation_status.succeeded is False for i in items)
    assert all(i.invocation.invocation_source.type == "simulation-conversation" for i in items)
    assert _query_values(fake, "succeeded") == [["false"]] * 2
    assert _query_values(fake, "invocation_source_type") == [["simulation-conversation"]] * 2


async def test_a_tool_without_invocations_ends_its_query_quietly(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    busy = _seed(fake, 1, 30)[0]
    idle = "0" * 24

    scan = client.tools.scan_invocations([busy, idle])
    items = await _collect(scan)

    assert len(items) == 30
    assert scan.failures == []
    assert scan.progress.queries_done == 2


async def test_progress_counts_queries_pages_and_invocations(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 2, 150)

    scan = client.tools.scan_invocations(tool_ids)
    await _collect(scan)

    progress = scan.progress
    assert (progress.queries, progress.queries_done, progress.queries_failed) == (2, 2, 0)
    assert (progress.pages, progress.invocations) == (4, 300)


async def test_the_observer_hears_each_query_start_its_pages_and_its_end(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_id = _seed(fake, 1, 150)[0]
    events: list[tuple[str, Hashable, Any]] = []

    class Observer(ProgressObserver):
        def started(self, item: Hashable) -> None:
            events.append(("started", item, None))

        def advanced(self, item: Hashable, records: int, nbytes: int = 0) -> None:
            events.append(("page", item, records))

        def finished(self, item: Hashable, *, ok: bool, detail: str = "") -> None:
            events.append(("finished", item, None if ok else detail))

    await _collect(client.tools.scan_invocations([tool_id], observer=Observer()))

    query = ScanQuery(tool_id)
    assert events == [
        ("started", query, None),
        ("page", query, 100),
        ("page", query, 50),
        ("finished", query, None),
    ]


async def test_a_scan_runs_once(fake: FakeAmigoServer, client: AmigoClient) -> None:
    scan = client.tools.scan_invocations(_seed(fake, 1, 10))
    await _collect(scan)

    with pytest.raises(RuntimeError, match="runs once"):
        await _collect(scan)


# -- since ------------------------------------------------------------------------------


async def test_since_keeps_recent_invocations_and_stops_each_query_early(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 2, 500)  # 5 pages each, spread over the 30 days before END
    since = END - timedelta(days=3)

    items = await _collect(client.tools.scan_invocations(tool_ids, since=since))

    expected = {
        record["id"]
        for tool_id in tool_ids
        for record in fake.state.tools.invocations_of([tool_id])
        if datetime.fromisoformat(record["created_at"]) >= since
    }
    assert {i.invocation.id for i in items} == expected
    assert _query_values(fake, "sort_by") == [["-created_at"]] * len(_query_values(fake, "sort_by"))
    assert fake.count(OPERATION) <= 4  # one page each, plus at most one prefetched page


# -- concurrency and the rate limit ---------------------------------------------------


class _InFlight:
    """An event hook counting the most requests ever in flight at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def __call__(self, event: object) -> None:
        if isinstance(event, RequestStarted):
            self.now += 1
            self.peak = max(self.peak, self.now)
        elif isinstance(event, RequestFinished):
            self.now -= 1


async def test_queries_run_concurrently_but_never_more_than_concurrency(
    fake: FakeAmigoServer,
) -> None:
    tool_ids = _seed(fake, 6, 150)
    fake.inject(OPERATION, Fault.slow(0.05), times=12)
    in_flight = _InFlight()

    async with fake.client(event_hooks=[in_flight]) as client:
        items = await _collect(client.tools.scan_invocations(tool_ids, concurrency=3))

    assert len(items) == 900
    assert in_flight.peak == 3


def test_the_default_concurrency_is_documented() -> None:
    assert DEFAULT_CONCURRENCY == 8


async def test_all_queries_share_the_one_rate_limit_bucket() -> None:
    limit = {OPERATION: RateLimit(5, per_seconds=0.5)}
    async with FakeAmigoServer(rate_limits=limit) as fake:
        tool_ids = _seed(fake, 4, 30)  # 3 pages of 10 each: 12 requests, 7 beyond the burst
        async with fake.client(rate_limits=limit) as client:
            started = time.monotonic()
            items = await _collect(client.tools.scan_invocations(tool_ids, limit=10))
            elapsed = time.monotonic() - started

    assert len(items) == 120
    assert fake.rate_limited[OPERATION] == 0
    assert fake.max_in_window(OPERATION) == 5
    assert elapsed >= 0.5  # (12 - 5) requests at 10 per second, at the least


# -- failures ---------------------------------------------------------------------------


async def test_a_failed_query_is_raised_at_the_end_after_every_other_invocation(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 3, 40)
    fake.inject(OPERATION, Fault.status_code(404))  # the first request: the first query's
    scan = client.tools.scan_invocations(tool_ids, concurrency=1)
    items: list[ScannedInvocation] = []

    with pytest.raises(ExceptionGroup) as raised:
        async for item in scan:
            items.append(item)

    assert {i.invocation.id for i in items} == _served_ids(fake, tool_ids[1]) | _served_ids(
        fake, tool_ids[2]
    )
    (error,) = raised.value.exceptions
    assert isinstance(error, errors.NotFoundError)
    assert any(tool_ids[0] in note for note in error.__notes__)
    assert [(f.query, f.error, f.invocations) for f in scan.failures] == [
        (ScanQuery(tool_ids[0]), error, 0)
    ]


async def test_failures_can_be_caught_by_error_type(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    tool_ids = _seed(fake, 2, 10)
    fake.inject(OPERATION, Fault.status_code(403), times=2)
    caught: list[BaseException] = []

    try:
        await _collect(client.tools.scan_invocations(tool_ids))
    except* errors.PermissionDeniedError as group:
        caught.extend(group.exceptions)

    assert len(caught) == 2


# -- cancellation -------------------------------------------------------------------------


HANG = 1.0  # seconds a hanging answer waits mid-body (the fake server sleeps it out at the end)
PROMPTLY = HANG / 2  # stopping must not wait for the hanging answers


async def _connections_are_free(fake: FakeAmigoServer, client: AmigoClient) -> None:
    """With max_connections=4, a leaked connection would make this scan hang."""
    fake.faults.clear()
    tool_ids = _seed(fake, 4, 5)
    items = await asyncio.wait_for(_collect(client.tools.scan_invocations(tool_ids)), 5)
    assert len(items) == 20


async def test_leaving_async_with_stops_every_query_at_once(fake: FakeAmigoServer) -> None:
    tool_ids = _seed(fake, 4, 300)
    async with fake.client(max_connections=4) as client:
        scan = client.tools.scan_invocations(tool_ids, concurrency=4)
        async with scan:
            async for _ in scan:
                fake.inject(OPERATION, Fault.slow(HANG), times=100)
                await asyncio.sleep(0.2)  # the next pages now hang mid-answer
                break
            exit_block = scan.__aexit__(None, None, None)
            await asyncio.wait_for(exit_block, PROMPTLY)  # what leaving the block awaits

        assert _client_tasks() == set()
        await _connections_are_free(fake, client)


async def test_aclose_stops_queries_waiting_on_slow_answers(fake: FakeAmigoServer) -> None:
    tool_ids = _seed(fake, 4, 300)
    async with fake.client(max_connections=4) as client:
        scan = client.tools.scan_invocations(tool_ids, concurrency=4)
        iterator = aiter(scan)
        await anext(iterator)
        fake.inject(OPERATION, Fault.slow(HANG), times=100)
        await asyncio.sleep(0.2)

        await asyncio.wait_for(scan.aclose(), PROMPTLY)

        assert _client_tasks() == set()
        await _connections_are_free(fake, client)


async def test_a_plain_break_stops_every_query_soon_after(fake: FakeAmigoServer) -> None:
    tool_ids = _seed(fake, 4, 300)
    async with fake.client(max_connections=4) as client:
        async for _ in client.tools.scan_invocations(tool_ids, concurrency=4):
            fake.inject(OPERATION, Fault.slow(HANG), times=100)
            await asyncio.sleep(0.2)
            break

        assert await _settled(PROMPTLY) == set()
        await _connections_are_free(fake, client)


async def test_cancelling_the_consumer_cancels_every_query(fake: FakeAmigoServer) -> None:
    tool_ids = _seed(fake, 4, 300)
    fake.inject(OPERATION, Fault.slow(HANG), times=100)  # every request hangs mid-body
    async with fake.client(max_connections=4) as client:
        consumer = asyncio.create_task(
            _collect(client.tools.scan_invocations(tool_ids, concurrency=4))
        )
        await asyncio.sleep(0.2)

        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(consumer, PROMPTLY)

        assert _client_tasks() == set()
        await _connections_are_free(fake, client)


# -- bad input ----------------------------------------------------------------------------

GOOD = "a" * 24
OTHER = "b" * 24


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"tool_ids": []}, ValueError, "at least one tool"),
        ({"tool_ids": GOOD}, TypeError, "tool_ids must be a list"),
        ({"tool_ids": [GOOD, "not-an-id"]}, ValueError, r"tool_ids\[1\]"),
        ({"tool_ids": [GOOD.upper()]}, ValueError, r"tool_ids\[0\]"),
        ({"tool_ids": [GOOD, OTHER], "versions": [">=1"]}, ValueError, "one constraint per"),
        ({"tool_ids": [GOOD], "versions": [">=1", "<2"]}, ValueError, "2 version"),
        ({"tool_ids": [GOOD], "versions": [" "]}, ValueError, r"versions\[0\]"),
        ({"tool_ids": [GOOD, GOOD]}, ValueError, "repeats"),
        ({"tool_ids": [GOOD, GOOD], "versions": ["<2", "<2"]}, ValueError, "repeats"),
        ({"tool_ids": [GOOD], "concurrency": 0}, ValueError, "concurrency"),
        ({"tool_ids": [GOOD], "concurrency": True}, TypeError, "concurrency"),
        ({"tool_ids": [GOOD], "source_type": "api"}, ValueError, "source_type"),
        ({"tool_ids": [GOOD], "conversation_ids": ["x"]}, ValueError, "conversation_ids"),
        ({"tool_ids": [GOOD], "succeeded": "no"}, TypeError, "succeeded"),
        ({"tool_ids": [GOOD], "since": datetime(2024, 1, 1)}, ValueError, "since"),
        ({"tool_ids": [GOOD], "limit": 101}, ValueError, "limit"),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    fake: FakeAmigoServer,
    client: AmigoClient,
    arguments: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        client.tools.scan_invocations(**arguments)

    assert fake.requests == []
