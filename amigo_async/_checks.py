"""Input checks run before a request is sent, so bad input never spends a rate-limit token.

Every check raises a ``ValueError`` (or ``TypeError`` for a wrong type) whose
message starts with the parameter's name, so the caller sees which argument
is wrong. The patterns are the ones the documents give; they live here once
and every resource reads them from this module.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

__all__ = [
    "ENVVAR_NAME_PATTERN",
    "OBJECT_ID_PATTERN",
    "PROJECT_PATH_PATTERN",
    "TAG_PATTERN",
    "TAG_TEXT_PATTERN",
    "TOOL_NAME_PATTERN",
    "USER_VARIABLE_PATTERN",
    "VERSION_SELECTOR_PATTERN",
    "check_aware_datetime",
    "check_count",
    "check_envvar_name",
    "check_header_value",
    "check_int",
    "check_limit",
    "check_non_empty",
    "check_object_id",
    "check_object_ids",
    "check_one_of",
    "check_optional_bool",
    "check_pattern",
    "check_str_list",
    "check_tag",
    "check_tool_name",
    "check_version_selector",
    "format_iso_duration",
    "parse_iso_duration",
    "unique_items",
]

_T = TypeVar("_T")

OBJECT_ID_PATTERN = re.compile(r"^[a-f0-9]{24}$")
"""A MongoDB ObjectId as the documents spell it: 24 lower-case hex digits."""

TOOL_NAME_PATTERN = re.compile(r"^[a-z0-9_]+$")
"""Tool names: lower-case letters, digits and underscores."""

TAG_PATTERN = re.compile(r"^[^:]*[^:\s][^:]*:.*$")
"""A tag filter `key:value`: a non-blank key before the first colon; the value may be
`*` (any value) or empty (the documents: "key:" matches a null value)."""

PROJECT_PATH_PATTERN = re.compile(r"^[-\w\d_/]+$")
"""A tool project directory in the tool repo (publish-tool-version, test-tool)."""

TAG_TEXT_PATTERN = re.compile(r"^[\w\s]+$")
"""Tag keys and values in create-tool / modify-tool bodies (stripped, non-empty)."""

USER_VARIABLE_PATTERN = re.compile(r"^[a-z_][a-z0-9_]+$")
"""Names of the user variables given to a tool invocation."""


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_pattern(name: str, value: object, pattern: re.Pattern[str], what: str = "") -> str:
    """`value` must be a string that fully matches `pattern`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if pattern.fullmatch(value) is None:
        label = what or f"the pattern {pattern.pattern}"
        raise ValueError(f"{name} must match {label}; got {_describe(value)}")
    return value


def check_object_id(name: str, value: object) -> str:
    """An id path or query parameter: `^[a-f0-9]{24}$`."""
    return check_pattern(name, value, OBJECT_ID_PATTERN, "^[a-f0-9]{24}$ (24 hex digits)")


def check_object_ids(name: str, values: Iterable[object] | None) -> list[str] | None:
    """A list of ids (None stays None); each one checked."""
    items = check_str_list(name, values)
    if items is None:
        return None
    for index, item in enumerate(items):
        check_object_id(f"{name}[{index}]", item)
    return items


def check_tool_name(name: str, value: object) -> str:
    return check_pattern(name, value, TOOL_NAME_PATTERN, "^[a-z0-9_]+$")


def check_tag(name: str, value: object) -> str:
    return check_pattern(name, value, TAG_PATTERN, "the tag syntax key:value")


def check_header_value(name: str, value: object) -> str:
    """A string sent as a header: printable, no line break (no header injection)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.isprintable():
        raise ValueError(f"{name} must not contain control characters or line breaks")
    return value


def check_int(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """An int (never a bool, which Python counts as one) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}; got {value}")
    return value


def check_limit(name: str, value: int | None, cap: int, minimum: int = 1) -> int | None:
    """A page size: None (the server's default) or an int in [minimum, cap]."""
    if value is None:
        return None
    check_int(name, value, minimum=minimum)
    if value > cap:
        raise ValueError(f"{name} must be at most {cap} (the documented cap); got {value}")
    return value


def check_non_empty(name: str, value: _T) -> _T:
    """A string or collection that must hold something (whitespace-only strings are empty)."""
    if value is None:
        raise ValueError(f"{name} must not be empty; got None")
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(f"{name} must not be empty")
    elif isinstance(value, Collection) and len(value) == 0:
        raise ValueError(f"{name} must not be empty")
    return value


def check_str_list(
    name: str,
    values: Iterable[object] | None,
    *,
    min_items: int = 0,
    max_items: int | None = None,
) -> list[str] | None:
    """A list of strings; a bare str is refused (it would be split into characters)."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a list of str, not a single {type(values).__name__}")
    items: list[str] = []
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{index}] must be a str, not {type(item).__name__}")
        items.append(item)
    check_count(name, items, min_items=min_items, max_items=max_items)
    return items


def check_count(
    name: str, values: Sequence[object], *, min_items: int = 0, max_items: int | None = None
) -> None:
    """A list's length within documented bounds (e.g. 1-10 inputs, at most 5 file paths)."""
    if len(values) < min_items:
        raise ValueError(f"{name} must hold at least {min_items} item(s); got {len(values)}")
    if max_items is not None and len(values) > max_items:
        raise ValueError(f"{name} must hold at most {max_items} item(s); got {len(values)}")


def check_one_of(name: str, value: _T, allowed: Collection[_T]) -> _T:
    """An enum-like string parameter (e.g. `bump_type`)."""
    if value not in allowed:
        choices = ", ".join(sorted(repr(a) for a in allowed))
        raise ValueError(f"{name} must be one of {choices}; got {_describe(value)}")
    return value


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_ISO_DURATION = re.compile(
    rf"P(?!$)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
# A year is 365 days and a month 30, as the server's parser (pydantic) counts them.
_ISO_UNITS = (
    timedelta(days=365),
    timedelta(days=30),
    timedelta(weeks=1),
    timedelta(days=1),
    timedelta(hours=1),
    timedelta(minutes=1),
    timedelta(seconds=1),
)


def parse_iso_duration(text: str) -> timedelta:
    """An ISO 8601 duration such as ``P30D`` or ``P1DT12H`` as a `timedelta`."""
    match = _ISO_DURATION.fullmatch(text)
    if match is None:
        raise ValueError(f"not an ISO 8601 duration: {_describe(text)}")
    total = timedelta()
    for number, unit in zip(match.groups(), _ISO_UNITS, strict=True):
        if number is not None:
            total += unit * float(number.replace(",", "."))
    return total


def format_iso_duration(value: timedelta) -> str:
    """The ISO 8601 spelling of a non-negative `timedelta` (``P30D``, ``P1DT2H30M``)."""
    if value < timedelta():
        raise ValueError("a negative duration has no ISO 8601 spelling here")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    date = f"{value.days}D" if value.days else ""
    time = "".join(f"{amount}{unit}" for amount, unit in ((hours, "H"), (minutes, "M")) if amount)
    if value.microseconds:
        time += f"{seconds + value.microseconds / 1e6:g}S"
    elif seconds:
        time += f"{seconds}S"
    if not date and not time:
        return "PT0S"
    return "P" + date + (f"T{time}" if time else "")


def check_optional_bool(name: str, value: object) -> bool | None:
    """A filter such as `deprecated=` or `succeeded=`: True, False or None (no filter)."""
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be True, False or None, not {type(value).__name__}")
    return value


def check_aware_datetime(name: str, value: object) -> datetime | None:
    """A timestamp filter: None or a timezone-aware datetime (a naive one is ambiguous)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(UTC))")
    return value


# -- documented uniqueness and environment-variable names (issue 13, item 14) --------------

ENVVAR_NAME_PATTERN = re.compile(r"[A-Z_]+")
"""modify-tool-envvars names, as the snapshot writes it (unanchored, JSON Schema style)."""


def unique_items(values: Sequence[_T] | None) -> Sequence[_T] | None:
    """A `uniqueItems` list filter with repeats dropped (first one kept, order unchanged).

    A repeated filter value means nothing more than the value once, so the client
    sends it once instead of letting the server refuse the whole request.
    """
    if not isinstance(values, list):
        return values  # None, or a wrong shape the validation pass then names
    return list(dict.fromkeys(values))


def check_envvar_name(name: str, value: object) -> str:
    """An environment-variable name: a stripped non-empty string matching `[A-Z_]+`.

    The snapshot's pattern is not anchored (JSON Schema searches), so `S3_BUCKET`
    passes and `lower` does not; surrounding whitespace is refused, as the
    documented type is a *stripped* non-empty string.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    check_non_empty(name, value)
    if value != value.strip():
        raise ValueError(f"{name} must not start or end with whitespace; got {value!r}")
    if ENVVAR_NAME_PATTERN.search(value) is None:
        raise ValueError(f"{name} must match [A-Z_]+ (upper-case letters, _); got {value!r}")
    return value


VERSION_SELECTOR_PATTERN = re.compile(r"^(?:[1-9][0-9]*|latest)(?:-(?:[1-9][0-9]*|latest))?$")
"""A versions filter: ``3``, ``latest``, or an inclusive range ``2-5`` / ``1-latest``."""


def check_version_selector(name: str, value: int | str | None) -> str | None:
    """One version (``3``, ``"latest"``) or an inclusive range (``"2-5"``, ``"1-latest"``)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(check_int(name, value, minimum=1))
    return check_pattern(
        name, value, VERSION_SELECTOR_PATTERN, "a version, 'latest' or a range like '2-5'"
    )
