"""`InvocationScan` on its own, fed by scripted pagers (no HTTP): merging, mid-query
failures and the `since` cut-off."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from amigo_async import errors
from amigo_async._pagination import AsyncPager, Page
from amigo_async.jobs.observer import ProgressObserver
from amigo_async.jobs.scan import InvocationScan, ScannedInvocation, ScanQuery
from amigo_async.models import converter
from amigo_async.models.tools import ToolInvocation

START = datetime(2024, 5, 1, tzinfo=UTC)


def _invocation(tool_id: str, n: int, created_at: datetime | None = None) -> ToolInvocation:
    payload: dict[str, Any] = {
        "id": f"{n:024x}",
        "org_id": "acme",
        "invocation_status": {"succeeded": True, "output": "ok"},
        "invocation_source": {"type": "future-source"},
        "duration_ms": 10,
        "tool_id": tool_id,
        "tool_version": {"major": 1, "minor": 0, "patch": 0},
        "inputs": {},
        "created_at": created_at.isoformat() if created_at else None,
    }
    return converter.structure(payload, ToolInvocation)


def _pager(
    pages: Sequence[Sequence[ToolInvocation] | Exception], fetched: list[int] | None = None
) -> AsyncPager[ToolInvocation]:
    """Serves `pages` in order; an exception in the list is raised in place of that page.
    The tokens asked for are appended to `fetched`."""

    async def fetch(token: int) -> Page[ToolInvocation]:
        if fetched is not None:
            fetched.append(token)
        page = pages[token]
        if isinstance(page, Exception):
            raise page
        last = token == len(pages) - 1
        return Page(items=page, has_more=not last, next_token=None if last else token + 1)

    return AsyncPager(fetch, first_token=0, operation_id="get-tool-invocations")


async def _drain(scan: InvocationScan) -> tuple[list[ScannedInvocation], BaseException | None]:
    items: list[ScannedInvocation] = []
    try:
        async for item in scan:
            items.append(item)
    except ExceptionGroup as group:
        return items, group
    return items, None


async def test_a_query_failing_midway_keeps_its_earlier_pages_and_the_other_queries() -> None:
    a, b = ScanQuery("a" * 24), ScanQuery("b" * 24)
    broken = errors.ServerError("boom", status=500, operation_id="get-tool-invocations")
    scan = InvocationScan(
        [
            (a, _pager([[_invocation(a.tool_id, n) for n in range(3)], broken])),
            (b, _pager([[_invocation(b.tool_id, n) for n in range(3, 5)]] * 3)),
        ],
        concurrency=2,
    )

    items, group = await _drain(scan)

    assert sum(item.query == a for item in items) == 3
    assert sum(item.query == b for item in items) == 6
    assert isinstance(group, ExceptionGroup)
    assert group.exceptions == (broken,)
    assert "2 scan queries" in str(group) and "1 of" in str(group)
    assert [(f.query, f.invocations) for f in scan.failures] == [(a, 3)]
    assert (scan.progress.queries_done, scan.progress.queries_failed) == (1, 1)


async def test_failures_are_listed_in_the_planned_order() -> None:
    queries = [ScanQuery(c * 24) for c in "abc"]
    scan = InvocationScan(
        [(q, _pager([ValueError(q.tool_id)])) for q in queries],
        concurrency=3,
    )

    _, group = await _drain(scan)

    assert [f.query for f in scan.failures] == queries
    assert isinstance(group, ExceptionGroup)
    assert len(group.exceptions) == 3


async def test_since_drops_older_invocations_and_stops_the_query() -> None:
    query = ScanQuery("a" * 24)
    since = START
    newest_first = [_invocation(query.tool_id, n, START + timedelta(hours=2 - n)) for n in range(5)]
    fetched: list[int] = []
    scan = InvocationScan([(query, _pager([newest_first] * 3, fetched))], since=since)

    items, group = await _drain(scan)

    assert [item.invocation.created_at for item in items] == [
        START + timedelta(hours=2),
        START + timedelta(hours=1),
        START,
    ]
    assert group is None
    assert scan.progress.invocations == 3
    assert 2 not in fetched  # page 1 may have been prefetched; nothing after it


async def test_since_keeps_invocations_without_a_creation_time() -> None:
    query = ScanQuery("a" * 24)
    page = [_invocation(query.tool_id, 0, None), _invocation(query.tool_id, 1, START)]
    scan = InvocationScan([(query, _pager([page]))], since=START - timedelta(days=1))

    items, _ = await _drain(scan)

    assert len(items) == 2


def test_since_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="since"):
        InvocationScan([], since=datetime(2024, 1, 1))


async def test_an_empty_scan_ends_at_once() -> None:
    items, group = await _drain(InvocationScan([]))

    assert (items, group) == ([], None)


async def test_an_observer_that_raises_ends_the_scan_with_its_own_error() -> None:
    class Broken(ProgressObserver):
        def advanced(self, item: Hashable, records: int, nbytes: int = 0) -> None:
            raise KeyError("display bug")

    queries = [ScanQuery(c * 24) for c in "ab"]
    scan = InvocationScan(
        [(q, _pager([[_invocation(q.tool_id, 0)]] * 3)) for q in queries], observer=Broken()
    )

    with pytest.raises(KeyError, match="display bug"):
        await _drain(scan)
    assert scan.failures == []
