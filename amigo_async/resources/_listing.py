"""Checks and helpers shared by lists and searches: what the snapshot states only in prose.

Patterns, bounds and enums the snapshot states in a schema are checked by the
transport; these are the conventions its descriptions spell out in words
(sort fields, ``key:value`` tags, ``org_id,user_id`` creators, version selectors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from .._checks import (
    check_aware_datetime,
    check_one_of,
    check_str_list,
    check_tag,
    check_version_selector,
)
from .._spec import OPERATIONS

if TYPE_CHECKING:
    from .._pagination import AsyncPager
    from ._base import Transport

__all__ = [
    "check_creators",
    "check_sort_by",
    "check_tags",
    "check_timestamp",
    "versions_pager",
]


T = TypeVar("T")

_CREATOR = re.compile(r"^[^,\s]+,[^,\s]+$")


def check_sort_by(name: str, values: Iterable[str] | None, operation_id: str) -> list[str] | None:
    """`sort_by` entries: a field the operation documents, optionally prefixed by + or -."""
    paging = OPERATIONS[operation_id].paging
    fields = paging.sort_fields if paging is not None else ()
    items = check_str_list(name, values)
    for index, item in enumerate(items or ()):
        field = item[1:] if item[:1] in ("+", "-") else item
        check_one_of(f"{name}[{index}]", field, fields)
    return items


def check_tags(name: str, values: Iterable[str] | None) -> list[str] | None:
    """A `tag` filter: ``key:value`` entries (``key:*`` any value, ``key:`` a null value)."""
    items = check_str_list(name, values)
    for index, item in enumerate(items or ()):
        check_tag(f"{name}[{index}]", item)
    return items


def check_creators(name: str, values: Iterable[str] | None) -> list[str] | None:
    """A `creator` filter: ``org_id,user_id`` entries."""
    items = check_str_list(name, values)
    for index, item in enumerate(items or ()):
        if _CREATOR.fullmatch(item) is None:
            raise ValueError(f"{name}[{index}] must be 'org_id,user_id'; got {item!r}")
    return items


def check_timestamp(name: str, value: datetime | None) -> str | None:
    """A date-time filter: a timezone-aware datetime, sent in ISO 8601."""
    checked = check_aware_datetime(name, value)
    return None if checked is None else checked.isoformat()


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
        "version": check_version_selector("version", version),
        "sort_by": check_sort_by("sort_by", sort_by, operation_id),
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
