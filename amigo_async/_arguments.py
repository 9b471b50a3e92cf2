"""Checks of the caller's own arguments: values that never reach the wire as given.

What a request sends is judged by the one validation pass (`_validation`, prose rules in
`_rules`). What is left here is about the library's own knobs and shapes: a
client's connection count, a download's chunk size, a header the client sets, a
scan's tool ids and window, or which of two arguments was given. Each check raises
``TypeError`` for a wrong type and ``ValueError`` for a wrong value, its message
starting with the argument's name.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import TypeVar, get_args

import attrs

from ._problem import short

__all__ = [
    "check_absent",
    "check_aware_datetime",
    "check_chunk_size",
    "check_exactly_one",
    "check_header_value",
    "check_int",
    "check_model",
    "check_non_empty",
    "check_object_id",
    "check_object_ids",
    "check_one_of",
    "check_str_list",
    "check_timed_texts",
]

_T = TypeVar("_T")

_OBJECT_ID = re.compile(r"^[a-f0-9]{24}$")
"""A MongoDB ObjectId as the documents spell it: 24 lower-case hex digits."""


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


def check_chunk_size(chunk_size: object) -> int:
    """How many bytes a download hands over at a time: the client's, never sent."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError("chunk_size must be a positive int")
    return chunk_size


def check_header_value(name: str, value: object) -> str:
    """A string the client sends as a header: not blank, printable, no line break (no
    header injection). Headers are the client's to set, so they are judged here."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.isprintable():
        raise ValueError(f"{name} must not contain control characters or line breaks")
    return check_non_empty(name, value)


def check_model(name: str, value: object, cls: type[_T]) -> _T:
    """`value` itself when it is a `cls`, its bytes fields holding bytes: a dict or another
    model is refused by name, as is text where an image's bytes go (the model encodes
    them as base64, so the wire never shows what the caller gave)."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be of type {cls.__name__}, not {type(value).__name__}")
    for field in _bytes_fields(type(value)):
        item = getattr(value, field)
        if item is not None and not isinstance(item, bytes | bytearray):
            raise TypeError(f"{field} must be bytes, not {type(item).__name__}")
    return value


_BYTES_FIELDS: dict[type, tuple[str, ...]] = {}


def _bytes_fields(cls: type) -> tuple[str, ...]:
    """The fields of an attrs class annotated ``bytes`` or ``bytes | None``, found once."""
    found = _BYTES_FIELDS.get(cls)
    if found is None:
        fields = attrs.fields(cls) if attrs.has(cls) else ()
        found = _BYTES_FIELDS[cls] = tuple(f.name for f in fields if _holds_bytes(f.type))
    return found


def _holds_bytes(annotation: object) -> bool:
    """``bytes`` or ``bytes | None``, resolved or still text."""
    if isinstance(annotation, str):
        return annotation.split("|")[0].strip() == "bytes"
    return annotation is bytes or bytes in get_args(annotation)


def check_absent(goes_with: str, **given: object) -> None:
    """Arguments that mean something only with another choice, given without it."""
    named = [f"{name}=" for name, value in given.items() if value is not None]
    if named:
        raise ValueError(f"{' and '.join(named)} go with {goes_with} only")


def check_exactly_one(**given: object) -> None:
    """Mutually exclusive arguments: exactly one of them is not None."""
    named = [name for name, value in given.items() if value is not None]
    if len(named) != 1:
        raise ValueError(f"give exactly one of {'= or '.join(given)}=")


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


def check_object_id(name: str, value: object) -> str:
    """An id: `^[a-f0-9]{24}$`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if _OBJECT_ID.fullmatch(value) is None:
        raise ValueError(f"{name} must match ^[a-f0-9]{{24}}$ (24 hex digits); got {short(value)}")
    return value


def check_object_ids(name: str, values: Iterable[object] | None) -> list[str] | None:
    """A list of ids (None stays None); each one checked."""
    items = check_str_list(name, values)
    if items is None:
        return None
    for index, item in enumerate(items):
        check_object_id(f"{name}[{index}]", item)
    return items


def check_str_list(name: str, values: Iterable[object] | None) -> list[str] | None:
    """A list of strings; a bare str is refused (it would be split into characters)."""
    if values is None:
        return None
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be a list of str, not a single {type(values).__name__}")
    items: list[str] = []
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise TypeError(f"{name}[{index}] must be a str, not {type(item).__name__}")
        items.append(item)
    return items


def check_one_of(name: str, value: _T, allowed: Collection[_T]) -> _T:
    """A value among a few the library offers (a scan's `source_type`)."""
    if value not in allowed:
        choices = ", ".join(sorted(repr(a) for a in allowed))
        raise ValueError(f"{name} must be one of {choices}; got {short(value)}")
    return value


def check_aware_datetime(name: str, value: object) -> datetime | None:
    """None or a timezone-aware datetime (a naive one is ambiguous)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. datetime.now(UTC))")
    return value


def check_timed_texts(
    name: str, pairs: Sequence[tuple[datetime, str]]
) -> list[tuple[datetime, str]]:
    """(datetime, text) pairs (interact's external events): the argument's shape, which
    never travels as such (the form sends two lists); their values are the pass's."""
    if isinstance(pairs, str | bytes) or not isinstance(pairs, Sequence):
        raise TypeError(f"{name} must be a list of (datetime, str) pairs")
    for index, pair in enumerate(pairs):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"{name}[{index}] must be a (datetime, str) pair")
        if not isinstance(pair[0], datetime) or not isinstance(pair[1], str):
            raise TypeError(f"{name}[{index}] must be a (datetime, str) pair")
    return list(pairs)
