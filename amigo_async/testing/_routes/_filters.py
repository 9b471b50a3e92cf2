"""List filters and answer shapes shared by the behaviour set, metric and simulation routes.

What `_crud` does not cover for these areas: ``org_id,user_id`` creators, boolean
filters, date ranges, search terms, and the values ``filter_values`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from .._app import Call
from .._crud import tags_of, values_at

__all__ = [
    "authored",
    "between",
    "by_bool",
    "by_creator",
    "creator",
    "distinct",
    "now",
    "searched",
    "tag_keys",
    "touched",
]

Records = list[dict[str, Any]]


def now() -> str:
    return datetime.now(UTC).isoformat()


def creator(call: Call) -> dict[str, str]:
    """The caller as a ``UserInfo``."""
    return {"org_id": call.state.organization, "user_id": call.user_id or ""}


def authored(call: Call) -> dict[str, Any]:
    """The fields a new record gets from who made it, and when."""
    who, when = creator(call), now()
    return {"created_at": when, "updated_at": when, "creator": who, "updated_by": who}


def touched(call: Call, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` with who made them, and when."""
    return {**changes, "updated_at": now(), "updated_by": creator(call)}


def by_bool(call: Call, items: Iterable[dict[str, Any]], query: str) -> Records:
    """Records whose field named like the boolean query has its value (all without it)."""
    value = call.query_bool(query)
    if value is None:
        return list(items)
    return [item for item in items if bool(item.get(query)) == value]


def by_creator(call: Call, items: Iterable[dict[str, Any]]) -> Records:
    wanted = set(call.query_all("creator"))
    if not wanted:
        return list(items)
    return [i for i in items if f"{i['creator']['org_id']},{i['creator']['user_id']}" in wanted]


def between(call: Call, items: Iterable[dict[str, Any]], after: str, before: str) -> Records:
    """Records created within the ``after`` and ``before`` query bounds (each optional)."""
    low, high = call.query_datetime(after), call.query_datetime(before)
    return [
        item
        for item in items
        if (low is None or datetime.fromisoformat(item["created_at"]) >= low)
        and (high is None or datetime.fromisoformat(item["created_at"]) <= high)
    ]


def searched(call: Call, items: Iterable[dict[str, Any]], *fields: str) -> Records:
    """Records whose `fields` hold every term of the ``query`` parameter (case-insensitive)."""
    terms = (call.query("query") or "").lower().split()
    return [
        item
        for item in items
        if all(any(t in str(item.get(f) or "").lower() for f in fields) for t in terms)
    ]


def distinct(items: Iterable[dict[str, Any]], field: str) -> list[Any]:
    """The distinct values of a list or scalar `field` (a dotted path), in first-seen order
    (filter values)."""
    seen: list[Any] = []
    for item in items:
        for value in values_at(item, field):
            if value not in seen:
                seen.append(value)
    return seen


def tag_keys(items: Iterable[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(f"{k}:{v or ''}" for i in items for k, v in tags_of(i).items()))
