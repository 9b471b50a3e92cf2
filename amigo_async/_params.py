"""The documented constraints, checked before anything is sent, from the generated facts.

Every query and path parameter of the snapshot has its facts in
`_spec_rows.PARAMETERS`; every constrained field of a generated model carries
them as attrs metadata. One function reads both, so ~70 operations are checked
without a line written per method: a wrong value raises ``TypeError`` (wrong
kind) or ``ValueError`` (wrong value) whose message starts with the parameter's
name or the field's path (``body.tags[2].key``), and no rate-limit token is spent.

The transport calls `check_parameters` for every request it builds and
`check_body` for an attrs body. Operations the snapshot does not describe (the
tool repo) have no facts and are not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import attrs

from ._checks import check_count, check_one_of, parse_iso_duration
from ._spec_rows import PARAMETERS, ParamRow
from .models import Null

__all__ = ["check_body", "check_parameters", "check_value"]

_KIND_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (str,),  # a documented object in a query travels as a JSON string
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def _by_place(rows: tuple[ParamRow, ...]) -> tuple[dict[str, ParamRow], dict[str, ParamRow]]:
    return (
        {row.name: row for row in rows if row.where == "path"},
        {row.name: row for row in rows if row.where == "query"},
    )


_DOCUMENTED = {operation_id: _by_place(rows) for operation_id, rows in PARAMETERS.items()}
"""operationId -> (path rows, query rows) by name, built once at import."""


def check_parameters(
    operation_id: str,
    path_params: Mapping[str, object] | None,
    params: Mapping[str, object] | None,
) -> None:
    """Every given query and path value against the operation's documented parameters.

    A query name the operation does not document is refused (a typo would be
    silently ignored by the server), and so is a missing required one; None
    means "not sent".
    """
    documented = _DOCUMENTED.get(operation_id)
    if documented is None:
        return
    path_rows, query_rows = documented
    given_query = params or {}
    unknown = [name for name in given_query if name not in query_rows]
    if unknown:
        known = ", ".join(sorted(query_rows)) or "none"
        raise ValueError(
            f"{sorted(unknown)[0]} is not a query parameter of {operation_id} (documented: {known})"
        )
    given_path = path_params or {}
    for name, row in path_rows.items():
        _check_row(row, given_path.get(name))
    for name, row in query_rows.items():
        _check_row(row, given_query.get(name))


def _check_row(row: ParamRow, value: object) -> None:
    if value is None:
        if row.required:
            raise ValueError(f"{row.name} is required")
        return
    check_value(row.name, value, row.facts)


def check_value(name: str, value: object, facts: Mapping[str, Any]) -> None:
    """One value against its facts; `name` leads every message."""
    kind = facts.get("kind")
    if kind is not None:
        _check_kind(name, value, kind)
    if isinstance(value, (list, tuple)):
        _check_items(name, value, facts)
    elif isinstance(value, dict):
        _check_values(name, value, facts)
    elif isinstance(value, str):
        _check_string(name, value, facts)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _check_number(name, value, facts)
    if "enum" in facts and not isinstance(value, (list, tuple, dict)):
        check_one_of(name, value, facts["enum"])


def _check_kind(name: str, value: object, kind: str) -> None:
    allowed = _KIND_TYPES.get(kind, (object,))
    if isinstance(value, bool) and bool not in allowed:
        raise TypeError(f"{name} must be {_a(kind)}, not bool")
    if not isinstance(value, allowed):
        raise TypeError(f"{name} must be {_a(kind)}, not {type(value).__name__}")


def _a(kind: str) -> str:
    words = {"integer": "an int", "number": "a number", "boolean": "a bool", "array": "a list"}
    return words.get(kind, "a str")


def _check_items(name: str, value: list[Any] | tuple[Any, ...], facts: Mapping[str, Any]) -> None:
    check_count(name, value, min_items=facts.get("min_items", 0), max_items=facts.get("max_items"))
    items = facts.get("items")
    for index, item in enumerate(value):
        if item is None:
            raise TypeError(f"{name}[{index}] must not be None")
        if items is not None:
            check_value(f"{name}[{index}]", item, items)
    if facts.get("unique_items"):
        seen: list[object] = []
        for index, item in enumerate(value):
            if item in seen:
                raise ValueError(f"{name}[{index}] repeats an earlier item: {item!r}")
            seen.append(item)


def _check_values(name: str, value: dict[Any, Any], facts: Mapping[str, Any]) -> None:
    low, high = facts.get("min_properties", 0), facts.get("max_properties")
    if len(value) < low or (high is not None and len(value) > high):
        bound = f"at least {low}" if len(value) < low else f"at most {high}"
        raise ValueError(f"{name} must hold {bound} entries; got {len(value)}")
    values = facts.get("values")
    if values is not None:
        for key, item in value.items():
            if item is not None:
                check_value(f"{name}[{key!r}]", item, values)


def _check_string(name: str, value: str, facts: Mapping[str, Any]) -> None:
    if facts.get("stripped"):  # the server strips first: judge what it will judge
        value = value.strip()
        if not value:
            raise ValueError(f"{name} must not be empty or only whitespace")
    low, high = facts.get("min_length"), facts.get("max_length")
    if low is not None and len(value) < low:
        raise ValueError(f"{name} must be at least {low} character(s) long; got {len(value)}")
    if high is not None and len(value) > high:
        raise ValueError(f"{name} must be at most {high} characters long; got {len(value)}")
    pattern = facts.get("pattern")
    if pattern is not None and _compiled(pattern).search(value) is None:
        raise ValueError(f"{name} must match {pattern}; got {_short(value)}")
    if not _fits_format(value, facts.get("format")):
        raise ValueError(f"{name} must be {_a_format(facts['format'])}; got {_short(value)}")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern (it searches); a final ``$`` ends the text, as the server reads
    it, not a final line (Python's ``$`` also matches before a trailing newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _fits_format(value: str, fmt: str | None) -> bool:
    if fmt == "date-time":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return False
        return parsed.tzinfo is not None
    if fmt == "duration":
        try:
            parse_iso_duration(value)
        except ValueError:
            return False
    if fmt == "email":
        return _EMAIL.fullmatch(value) is not None
    if fmt == "uri":
        return _URI.fullmatch(value) is not None
    return True


def _a_format(fmt: str) -> str:
    return {
        "date-time": "a timezone-aware ISO 8601 date-time",
        "duration": "an ISO 8601 duration",
        "email": "an email address",
        "uri": "a URI",
    }[fmt]


_BOUNDS = (
    ("minimum", "at least", 0, True),
    ("maximum", "at most", 0, False),
    ("exclusive_minimum", "more than", 1, True),
    ("exclusive_maximum", "less than", 1, False),
)


def _check_number(name: str, value: float, facts: Mapping[str, Any]) -> None:
    for key, words, strict, lower in _BOUNDS:
        bound = facts.get(key)
        if bound is None:
            continue
        inside = value > bound if lower else value < bound
        if not inside and (strict or value != bound):
            raise ValueError(f"{name} must be {words} {bound}; got {value}")


def _short(value: str) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_body(model: object, name: str = "body") -> None:
    """An attrs request body, recursively: field metadata (the snapshot's constraints),
    and None in a field that is required and not nullable. Paths name the field
    (``body.tags[2].key``)."""
    if not attrs.has(type(model)):
        _walk(name, model)
        return
    for field in attrs.fields(type(model)):  # type: ignore[arg-type]  # attrs.has() checked it
        value = getattr(model, field.name)
        path = f"{name}.{field.name}"
        if value is None:
            if field.default is attrs.NOTHING and not _nullable(field.type):
                raise ValueError(f"{path} is required")
            continue
        if isinstance(value, Null):
            if not field.metadata.get("clearable"):
                raise ValueError(f"{path} cannot be sent as null (NULL): not clearable")
            continue
        if field.metadata:
            check_value(path, value, field.metadata)
        _walk(path, value)


def _walk(path: str, value: object) -> None:
    """Models nested in lists and dicts."""
    if attrs.has(type(value)):
        check_body(value, path)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _walk(f"{path}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(f"{path}[{key!r}]", item)


def _nullable(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return annotation is None or re.search(r"\bNone\b|\bAny\b", text) is not None
