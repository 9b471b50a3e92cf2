"""Pagination of the tool lists: caps, first tokens, token fields, max_items, prefetch, loops."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from amigo_async import OPERATIONS, AmigoClient, RateLimit, errors
from amigo_async.models.tools import UnknownInvocationSource, UnknownInvocationStatus
from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._app import HANDLERS, Call, Reply, json_reply


def sent_query(fake: FakeAmigoServer, index: int = -1) -> dict[str, str]:
    return dict(fake.requests[index].query)


def test_the_table_holds_the_documented_caps_and_first_tokens() -> None:
    facts = {
        op.id: (
            op.paging.cap,
            op.paging.default_limit,
            op.paging.first_token,
            op.paging.token_field,
        )
        for op in OPERATIONS.values()
        if op.paging is not None and op.area in ("tool", "organization")
    }
    assert facts == {
        "get-tools": (20, 10, 0, "continuation_token"),
        "get-tool-versions": (50, 50, 0, "continuation_token"),
        "get-tool-invocations": (100, 100, 0, "continuation_token"),
        "get-tool-repo-commits": (20, 20, 1, "next_continuation_token"),
        "get-tool-repo-branches": (20, 20, 1, "continuation_token"),
        "get-agents": (20, 10, 0, "continuation_token"),
        "get-agent-versions": (10, 10, 0, "continuation_token"),
        "get-service-hierarchical-state-machines": (50, 50, 0, "continuation_token"),
        "get-service-hierarchical-state-machine-versions": (10, 10, 0, "continuation_token"),
    }


async def test_pages_are_as_large_as_the_cap_by_default(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    await client.tools.list().to_list()
    assert sent_query(fake) == {"limit": "20", "continuation_token": "0"}
    await client.tools.list_invocations().to_list()
    assert sent_query(fake)["limit"] == "100"
    await client.tools.repo.list_branches().to_list()
    assert sent_query(fake) == {"limit": "20", "continuation_token": "1"}


async def test_versions_pages_hold_up_to_fifty(client: AmigoClient, fake: FakeAmigoServer) -> None:
    tool_id = fake.state.tools.tools[0]["id"]
    await client.tools.list_versions(tool_id).to_list()
    assert sent_query(fake)["limit"] == "50"


async def test_a_small_max_items_asks_for_a_small_page(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    found = await client.tools.list_invocations(max_items=3).to_list()
    assert len(found) == 3
    assert fake.count("get-tool-invocations") == 1
    assert sent_query(fake)["limit"] == "3"


async def test_max_items_stops_across_pages(client: AmigoClient, fake: FakeAmigoServer) -> None:
    found = await client.tools.list_invocations(limit=10, max_items=25).to_list()
    assert [inv.id for inv in found] == [inv["id"] for inv in fake.state.tools.invocations[:25]]
    assert fake.count("get-tool-invocations") == 3


async def test_tokens_advance_from_zero(client: AmigoClient, fake: FakeAmigoServer) -> None:
    await client.tools.list(limit=2).to_list()
    tokens = [dict(r.query)["continuation_token"] for r in fake.requests]
    assert tokens == ["0", "2", "4"]


async def test_commits_start_at_one_and_follow_next_continuation_token(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    commits = await client.tools.repo.list_commits(limit=20).to_list()
    assert len(commits) == 30
    tokens = [dict(r.query)["continuation_token"] for r in fake.requests]
    assert tokens == ["1", "21"]


async def test_branches_start_at_one(client: AmigoClient, fake: FakeAmigoServer) -> None:
    pages = [page async for page in client.tools.repo.list_branches(limit=2).pages()]
    assert [len(page.items) for page in pages] == [2, 2, 1]
    assert [dict(r.query)["continuation_token"] for r in fake.requests] == ["1", "3", "5"]


async def test_pages_yield_whole_pages(client: AmigoClient) -> None:
    pages = [page async for page in client.tools.list_invocations(limit=100).pages()]
    assert [len(page.items) for page in pages] == [100, 100, 50]
    assert [page.has_more for page in pages] == [True, True, False]


@pytest.fixture
def repeating_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """get-tools answers 'more, from token 7' forever, like a broken server."""

    async def repeating(call: Call) -> Reply:
        tool = {**call.state.tools.tools[0], "org_id": "acme"}
        return json_reply(
            {"tools": [tool], "has_more": True, "continuation_token": 7, "filter_values": None}
        )

    monkeypatch.setitem(HANDLERS, "get-tools", repeating)
    yield


@pytest.mark.usefixtures("repeating_server")
async def test_a_repeated_token_raises_pagination_error_after_delivering_the_pages(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    seen = []
    with pytest.raises(errors.PaginationError, match="repeated continuation token 7"):
        async for tool in client.tools.list():
            seen.append(tool)
    assert len(seen) == 2
    assert fake.count("get-tools") == 2


@pytest.fixture
def null_token_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def more_without_token(call: Call) -> Reply:
        return json_reply({"tool_invocations": [], "has_more": True, "continuation_token": None})

    monkeypatch.setitem(HANDLERS, "get-tool-invocations", more_without_token)
    yield


@pytest.mark.usefixtures("null_token_server")
async def test_a_null_token_ends_the_listing(client: AmigoClient, fake: FakeAmigoServer) -> None:
    assert await client.tools.list_invocations().to_list() == []
    assert fake.count("get-tool-invocations") == 1


async def test_prefetch_stays_at_most_one_page_ahead(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    pages = client.tools.list_invocations(limit=10).pages()
    await anext(pages)
    await asyncio.sleep(0.2)  # ample time for any eager fetching to happen
    assert fake.count("get-tool-invocations") == 2
    await anext(pages)
    await asyncio.sleep(0.2)
    assert fake.count("get-tool-invocations") == 3
    await pages.aclose()  # type: ignore[attr-defined]


async def test_ten_thousand_invocations_with_one_odd_item_all_arrive() -> None:
    fast = {"get-tool-invocations": RateLimit(1000, 1.0)}
    async with FakeAmigoServer(rate_limits=fast) as fake:
        fake.state.tools.invocation_count = 10_000
        invocations = fake.state.tools.invocations
        invocations[4321] = {
            **invocations[4321],
            "invocation_status": {"succeeded": "partially"},
            "invocation_source": {"type": "sms", "number": "+1"},
        }
        started = time.perf_counter()
        async with fake.client(rate_limits=fast) as client:
            found = await client.tools.list_invocations().to_list()
        elapsed = time.perf_counter() - started
    assert len(found) == 10_000
    assert fake.count("get-tool-invocations") == 100
    assert isinstance(found[4321].invocation_status, UnknownInvocationStatus)
    assert isinstance(found[4321].invocation_source, UnknownInvocationSource)
    assert found[4321].invocation_source.raw["number"] == "+1"
    assert elapsed < 30
