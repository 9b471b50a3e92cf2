"""The rules the documents state only in prose, checked in the same pass as the schemas.

The snapshot's schemas say what a value is; some conventions live in its descriptions
instead: the fields `sort_by` accepts, ``key:value`` tag filters, ``org_id,user_id``
creators, version selectors (``3``, ``latest``, ``2-5``). They are written here by
hand, keyed by operation id, and `_validation.request_problems` runs them after the
schema checks. The tool repo operations, which the snapshot does not describe, keep
their hand-written facts here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ._problem import ABSENT, Problem, short
from ._spec import OPERATIONS

__all__ = ["prose_problems"]

_TAG = re.compile(r"^[^:]*[^:\s][^:]*:.*$")
_CREATOR = re.compile(r"^[^,\s]+,[^,\s]+$")
VERSION_SELECTOR = re.compile(r"^(?:[1-9][0-9]*|latest)(?:-(?:[1-9][0-9]*|latest))?$")
"""``3``, ``latest``, ``2-5``, ``3-latest``: a version or an inclusive range of them."""

_FILTERED_LISTS = frozenset(
    {
        "get-conversations",
        "get-dynamic-behavior-sets",
        "search-dynamic-behavior-sets",
        "get-metrics",
        "search-metrics",
        "get-simulation-personas",
        "search-simulation-personas",
        "get-simulation-scenarios",
        "search-simulation-scenarios",
        "get-simulation-unit-tests",
        "search-simulation-unit-tests",
        "get-simulation-unit-test-sets",
        "search-simulation-unit-test-sets",
        "get-simulation-unit-test-set-runs",
        "get-tools",
        "get-tool-versions",
    }
)
"""Lists whose ``tag`` filter is ``key:value`` and ``creator`` is ``org_id,user_id``."""

_VERSION_LISTS = frozenset(
    {
        "get-agent-versions",
        "get-service-hierarchical-state-machine-versions",
        "get-dynamic-behavior-set-versions",
        "get-simulation-persona-versions",
        "get-simulation-scenario-versions",
    }
)
"""Lists whose ``version`` query is a selector: ``3``, ``latest`` or a range."""


def prose_problems(
    operation_id: str,
    path: Mapping[str, object],
    query: Mapping[str, object],
    body: object = ABSENT,
) -> list[Problem]:
    """What breaks a prose rule of the operation (the schema checks passed)."""
    problems: list[Problem] = []
    paging = OPERATIONS[operation_id].paging if operation_id in OPERATIONS else None
    if paging is not None and paging.sort_fields and query.get("sort_by") is not None:
        _each(problems, "sort_by", query["sort_by"], _sort_field(paging.sort_fields))
    if operation_id in _FILTERED_LISTS:
        if query.get("tag") is not None:
            _each(problems, "tag", query["tag"], _pattern(_TAG, "'key:value'"))
        if query.get("creator") is not None:
            _each(problems, "creator", query["creator"], _pattern(_CREATOR, "'org_id,user_id'"))
    if operation_id in _VERSION_LISTS and query.get("version") is not None:
        rule = _pattern(VERSION_SELECTOR, "a version, 'latest' or a range such as '2-5'")
        _each(problems, "version", query["version"], rule)
    return problems


def _each(
    problems: list[Problem], name: str, value: object, rule: Callable[[object], str | None]
) -> None:
    if isinstance(value, Sequence) and not isinstance(value, str):
        for index, item in enumerate(value):
            message = rule(item)
            if message is not None:
                problems.append(Problem(("query", name, index), message, "value_error"))
        return
    message = rule(value)
    if message is not None:
        problems.append(Problem(("query", name), message, "value_error"))


def _sort_field(fields: tuple[str, ...]) -> Callable[[object], str | None]:
    def rule(item: object) -> str | None:
        text = str(item)
        field = text[1:] if text[:1] in ("+", "-") else text
        if field in fields:
            return None
        choices = ", ".join(repr(f) for f in sorted(fields))
        return f"must be one of {choices} (optionally after + or -); got {short(item)}"

    return rule


def _pattern(pattern: re.Pattern[str], what: str) -> Callable[[object], str | None]:
    def rule(item: object) -> str | None:
        if isinstance(item, str) and pattern.fullmatch(item):
            return None
        return f"must be {what}; got {short(item)}"

    return rule
