"""The generic paginator, on synthetic pages (endpoint pagination is tested per resource)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from amigo_async import AsyncPager, Page, errors


class _Pages:
    """A list served in pages of `size`, with integer tokens starting at `first`."""

    def __init__(self, items: list[int], size: int, first: int = 0, repeat_at: int | None = None):
        self.items, self.size, self.first, self.repeat_at = items, size, first, repeat_at
        self.tokens: list[Any] = []
        self.in_flight = self.max_in_flight = 0

    async def fetch(self, token: Any) -> Page[int]:
        self.tokens.append(token)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            start = (token - self.first) * self.size
            chunk = self.items[start : start + self.size]
            more = start + self.size < len(self.items)
            next_token = token + 1 if more else None
            if self.repeat_at is not None and token == self.repeat_at:
                next_token = token
            return Page(chunk, more, next_token)
        finally:
            self.in_flight -= 1


def _pager(pages: _Pages, **options: Any) -> AsyncPager[int]:
    return AsyncPager(pages.fetch, first_token=pages.first, operation_id="get-things", **options)


async def test_items_follow_every_page_until_has_more_is_false() -> None:
    pages = _Pages(list(range(25)), size=10)
    assert [item async for item in _pager(pages)] == list(range(25))
    assert pages.tokens == [0, 1, 2]


async def test_pages_are_yielded_whole() -> None:
    pages = _Pages(list(range(25)), size=10, first=1)
    sizes = [len(page.items) async for page in _pager(pages).pages()]
    assert sizes == [10, 10, 5]
    assert pages.tokens == [1, 2, 3]


async def test_a_null_token_ends_even_if_has_more_says_otherwise() -> None:
    async def fetch(token: Any) -> Page[int]:
        return Page([1, 2], has_more=True, next_token=None)

    pager = AsyncPager(fetch, first_token=0, operation_id="get-things")
    assert await pager.to_list() == [1, 2]


async def test_a_repeated_token_is_an_error_after_its_page_is_delivered() -> None:
    pages = _Pages(list(range(50)), size=10, repeat_at=1)
    seen: list[int] = []
    with pytest.raises(errors.PaginationError, match="repeated continuation token 1"):
        async for item in _pager(pages):
            seen.append(item)
    assert seen == list(range(20))


async def test_max_items_stops_early_and_fetches_no_more_pages_than_needed() -> None:
    pages = _Pages(list(range(100)), size=10)
    assert [item async for item in _pager(pages, max_items=15)] == list(range(15))
    assert pages.tokens == [0, 1]
    assert [item async for item in _pager(_Pages([1], 10), max_items=0)] == []


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_max_items_is_refused_before_any_request(bad: Any) -> None:
    pages = _Pages([1], 10)
    with pytest.raises((TypeError, ValueError)):
        _pager(pages, max_items=bad)
    assert pages.tokens == []


async def test_the_next_page_is_fetched_while_the_caller_works_at_most_one_ahead() -> None:
    pages = _Pages(list(range(60)), size=10)
    fetched_while_handling: list[int] = []
    async for _page in _pager(pages).pages():
        await asyncio.sleep(0.05)  # the caller handles the page
        fetched_while_handling.append(len(pages.tokens))
    assert fetched_while_handling == [2, 3, 4, 5, 6, 6]  # page k+1 requested during page k
    assert pages.max_in_flight == 1


async def test_without_prefetch_pages_are_fetched_on_demand() -> None:
    pages = _Pages(list(range(30)), size=10)
    counts = [len(pages.tokens) async for _ in _pager(pages, prefetch=False).pages()]
    assert counts == [1, 2, 3]


async def test_breaking_out_cancels_the_prefetch() -> None:
    pages = _Pages(list(range(100)), size=10)
    pager = _pager(pages).pages()
    async for _ in pager:
        break
    await pager.aclose()  # type: ignore[attr-defined]
    assert pages.in_flight == 0


def test_a_pager_whose_item_class_is_not_what_its_pages_hold_is_refused() -> None:
    from amigo_async._pagination import check_page_class
    from amigo_async.models.tools import Tool, ToolList, ToolVersion

    check_page_class(ToolList, "tools", Tool)  # what client.tools.list() pairs
    with pytest.raises(TypeError, match=r"ToolList\.tools"):
        check_page_class(ToolList, "tools", ToolVersion)
