"""Checks shared by paginated lists: `sort_by` entries against the documented fields."""

from __future__ import annotations

from collections.abc import Iterable

from .._checks import check_one_of, check_str_list
from .._spec import OPERATIONS

__all__ = ["check_sort_by"]


def check_sort_by(name: str, values: Iterable[str] | None, operation_id: str) -> list[str] | None:
    """`sort_by` entries: a field the operation documents, optionally prefixed by + or -."""
    paging = OPERATIONS[operation_id].paging
    fields = paging.sort_fields if paging is not None else ()
    items = check_str_list(name, values)
    for index, item in enumerate(items or ()):
        field = item[1:] if item[:1] in ("+", "-") else item
        check_one_of(f"{name}[{index}]", field, fields)
    return items
