"""Helpers shared by lists and searches: user arguments in their wire form.

Nothing here judges a value: the transport's one validation pass
(`amigo_async._validation`) checks what is sent against the snapshot's schemas and
the prose rules of `amigo_async._rules` (sort fields, ``key:value`` tags,
``org_id,user_id`` creators, version selectors), and names the query parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:
    from .._pagination import AsyncPager
    from ._base import Transport

__all__ = ["as_list", "timestamp", "unique_items", "version_selector", "versions_pager"]


T = TypeVar("T")


def as_list(values: Iterable[T] | None) -> list[T] | None:
    """An iterable filter as the list the query repeats (a tuple or generator is read once).

    Anything that is not a non-text iterable is passed on as given, so the validation
    pass names the parameter and says it must be a list (a bare str would otherwise be
    split into characters)."""
    if isinstance(values, Iterable) and not isinstance(values, (str, bytes, Mapping)):
        return list(values)
    return cast("list[T] | None", values)


def unique_items(values: Sequence[T] | None) -> Sequence[T] | None:
    """A `uniqueItems` list filter with repeats dropped (first one kept, order unchanged).

    A repeated filter value means nothing more than the value once, so the client
    sends it once instead of letting the server refuse the whole request.
    """
    if not isinstance(values, list):
        return values  # None, or a wrong shape the validation pass then names
    return list(dict.fromkeys(values))


def timestamp(value: datetime | None) -> str | None:
    """A date-time filter in ISO 8601 (a naive one is then refused as the documents say)."""
    return value.isoformat() if isinstance(value, datetime) else value  # else: the pass says


def version_selector(value: int | str | None) -> str | None:
    """A versions filter as text: ``3``, ``"latest"``, ``"2-5"``."""
    return value if value is None or isinstance(value, str) else str(value)


def versions_pager(
    transport: Transport,
    operation_id: str,
    page_class: type[object],
    item: type[T],
    path_params: Mapping[str, str],
    version: int | str | None,
    sort_by: Iterable[str] | None,
    limit: int | None,
    max_items: int | None,
) -> AsyncPager[T]:
    """A versions list (agents, state machines, behaviour sets, personas, scenarios)."""
    params = {
        "version": version_selector(version),
        "sort_by": as_list(sort_by),
    }
    return transport.paginate(
        operation_id,
        page_class,
        item,
        params,
        path_params=path_params,
        limit=limit,
        max_items=max_items,
    )
