"""One async paginator for every continuation-token list.

A resource gives it a `fetch(token) -> Page` function and the documented first
token; the paginator follows `has_more` and the next token, refuses a repeated
token instead of looping, and fetches at most one page ahead of the caller, so a
caller handling page k overlaps with the request for page k+1 (still paced by the
rate limiter: the prefetch is an ordinary request).

`limit=0` is refused by every pager before sending: the snapshot allows it, but a
page of 0 items hands back the token it was given and would never advance.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import attrs

from .errors import InvalidResponseError, PaginationError

if TYPE_CHECKING:
    from ._spec import Paging

__all__ = [
    "DEFAULT_MAX_EMPTY_PAGES",
    "AsyncPager",
    "Page",
    "PageToken",
    "check_page_class",
    "page_of",
]

DEFAULT_MAX_EMPTY_PAGES = 10
"""Empty pages in a row that still claim `has_more` before the pager gives up: a
server that answers like that forever would otherwise be paged forever."""

T = TypeVar("T")

PageToken: TypeAlias = str | int | float
"""A continuation token: whatever the server sends, sent back as a query value."""


@attrs.frozen
class Page(Generic[T]):
    """One page: its items, whether more follow, the token for the next one."""

    items: Sequence[T]
    has_more: bool
    next_token: PageToken | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)  # e.g. filter_values on a first page

    @property
    def is_last(self) -> bool:
        return not self.has_more or self.next_token is None


PageFetcher = Callable[[PageToken], Awaitable[Page[T]]]

_CHECKED_PAGE_CLASSES: set[tuple[type[object], str, type[object]]] = set()


def check_page_class(page: type[object], items_field: str, item: type[object]) -> None:
    """Refuse a pager whose declared item class is not what its page class holds.

    The item class is what the type checker sees (``AsyncPager[item]``); the items
    are whatever the page class structures. This ties the two together, once per
    list, so a wrong pairing fails at the first call instead of typing items wrongly.
    """
    key = (page, items_field, item)
    if key in _CHECKED_PAGE_CLASSES:
        return
    declared = typing.get_type_hints(page).get(items_field)
    if typing.get_origin(declared) not in (list, Sequence) or typing.get_args(declared) != (item,):
        raise TypeError(
            f"{page.__name__}.{items_field} is {declared!r}, not a list of {item.__name__}"
        )
    _CHECKED_PAGE_CLASSES.add(key)


def page_of(answer: Any, paging: Paging, operation_id: str) -> Page[Any]:
    """One structured list answer as a `Page`; its next token must be a query value."""
    filter_values = getattr(answer, "filter_values", None)
    token = getattr(answer, paging.token_field)
    if token is not None and (isinstance(token, bool) or not isinstance(token, str | int | float)):
        raise InvalidResponseError(
            f"the answer does not fit: expected a string or number @ $.{paging.token_field}, "
            f"got {type(token).__name__}",
            operation_id=operation_id,
        )
    return Page(
        items=getattr(answer, paging.items_field),
        has_more=answer.has_more,
        next_token=token,
        extra={"filter_values": filter_values} if filter_values is not None else {},
    )


def check_max_items(max_items: int | None) -> int | None:
    if max_items is None:
        return None
    if isinstance(max_items, bool) or not isinstance(max_items, int):
        raise TypeError("max_items must be an integer or None")
    if max_items < 0:
        raise ValueError("max_items must be >= 0")
    return max_items


def _prefetch(fetching: Awaitable[Page[T]]) -> asyncio.Task[Page[T]]:
    """A page fetched ahead of the caller, which may abandon the pager before awaiting it.

    Its failure is marked as seen at once: the pager re-raises it when it awaits the
    task, and an abandoned pager leaves no "Task exception was never retrieved".
    """
    task = asyncio.ensure_future(fetching)
    task.add_done_callback(_mark_seen)
    return task


def _mark_seen(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class AsyncPager(Generic[T]):
    """``async for item in pager`` walks every item; ``pager.pages()`` walks whole pages."""

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        first_token: PageToken,
        operation_id: str,
        max_items: int | None = None,
        prefetch: bool = True,
    ) -> None:
        self._fetch = fetch
        self._first_token = first_token
        self._operation_id = operation_id
        self._max_items = check_max_items(max_items)
        self._prefetch = prefetch

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        remaining = self._max_items
        async for page in self.pages():
            for item in page.items:
                if remaining is not None:
                    if remaining <= 0:
                        return
                    remaining -= 1
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]

    async def pages(self) -> AsyncIterator[Page[T]]:
        if self._max_items == 0:
            return
        seen: set[PageToken | None] = {self._first_token}
        fetched_items = 0
        empty_in_a_row = 0
        pending: asyncio.Task[Page[T]] | None = asyncio.ensure_future(
            self._fetch(self._first_token)
        )
        try:
            while pending is not None:
                page = await pending
                pending = None
                fetched_items += len(page.items)
                token = page.next_token
                enough = self._max_items is not None and fetched_items >= self._max_items
                if token is None or not page.has_more or enough:
                    yield page
                    return
                empty_in_a_row = 0 if page.items else empty_in_a_row + 1
                if empty_in_a_row >= DEFAULT_MAX_EMPTY_PAGES:
                    raise PaginationError(
                        f"{empty_in_a_row} empty pages in a row still claim has_more",
                        operation_id=self._operation_id,
                    )
                if token in seen:
                    yield page  # deliver what arrived, then refuse to loop
                    raise PaginationError(
                        f"the server repeated continuation token {token!r}",
                        operation_id=self._operation_id,
                    )
                seen.add(token)
                if self._prefetch:
                    pending = _prefetch(self._fetch(token))
                    yield page
                else:
                    yield page
                    pending = asyncio.ensure_future(self._fetch(token))
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
