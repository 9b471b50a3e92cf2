"""Schema-valid sample records built from the generated attrs models, for seeding the fake.

The generated models already say what every field is (type, required or not,
tagged-union variants, enums through their ``*_VALUES`` tuples), so the fake
builds its seeded data from them instead of repeating the snapshot by hand:

    record = sample(WebhookDestination, rng, url="https://example.com/hook")

returns the JSON-ready dict (renamed fields such as ``_id`` included, datetimes
as ISO 8601 strings) of one instance; `rng` makes it deterministic. Overrides
name top-level fields and take wire values or model instances. Every field is
filled, the optional ones too (a sample never sends ``null`` where the schema
does not allow it); an ``id``/``*_id`` string is a 24-hex object id, an
``email`` an address, an enum a documented value.
"""

from __future__ import annotations

import random
import re
import sys
import types
import typing
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import attrs

from ..models import structure, unstructure
from ._data._common import object_id

__all__ = ["sample"]

_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_WORDS = ("alpha", "bravo", "delta", "echo", "kilo", "lima", "oscar", "tango")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # LLMType -> LLM_Type


def sample(cls: type[Any], rng: random.Random, /, **overrides: Any) -> dict[str, Any]:
    """One schema-valid JSON object of the attrs class `cls`, `overrides` applied."""
    hints = _hints(cls)
    values = {
        field.name: _field_value(cls, field, hints[field.name], rng)
        for field in attrs.fields(cls)
        if field.name not in overrides
    }
    instance = cls(**values, **{k: _instance(cls, k, v) for k, v in overrides.items()})
    record: dict[str, Any] = unstructure(instance)
    return record


# -- introspection ------------------------------------------------------------


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    return hints


def _enum_values(cls: type[Any], name: str) -> tuple[str, ...]:
    """The documented values of a str-enum field, found by its alias's ``*_VALUES`` tuple."""
    # The annotation as written ("list[WebhookType]"): attrs.resolve_types (cattrs calls
    # it) replaces a field's type by the alias's target, str, which has lost the name.
    annotation = next(
        (
            str(k.__annotations__[name])
            for k in cls.__mro__
            if name in vars(k).get("__annotations__", {})
        ),
        "",
    )
    module = vars(sys.modules[cls.__module__])
    for word in _IDENTIFIER.findall(annotation):
        snake = _CAMEL_BREAK.sub("_", word).upper()
        values = module.get(f"{snake}_VALUES")
        if isinstance(values, tuple):
            return values
    return ()


def _instance(cls: type[Any], name: str, value: Any) -> Any:
    """An override as the field's type: wire values are structured, instances kept."""
    hint = _hints(cls)[name]
    if attrs.has(type(value)) or value is None:
        return value
    return structure(value, hint)


# -- values ---------------------------------------------------------------------


def _field_value(cls: type[Any], field: attrs.Attribute[Any], hint: Any, rng: random.Random) -> Any:
    if typing.get_origin(hint) is Literal:
        return field.default
    return _value(hint, rng, field.name, _enum_values(cls, field.name))


def _value(hint: Any, rng: random.Random, name: str, choices: tuple[str, ...]) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _union(args, rng, name, choices)
    if origin is Literal:
        return args[0]
    if origin is tuple and args and args[-1] is not Ellipsis:  # a pair such as (name, version)
        return tuple(_value(arg, rng, name, choices) for arg in args)
    if origin in (list, tuple) or hint is list:
        element = args[0] if args else str
        return [_value(element, rng, name, choices) for _ in range(rng.randint(1, 2))]
    if origin is dict or hint is dict:
        value_type = args[1] if len(args) == 2 else str
        return {rng.choice(_WORDS): _value(value_type, rng, name, ())}
    if attrs.has(hint):
        return structure(sample(hint, rng), hint)
    return _scalar(hint, rng, name, choices)


def _union(args: tuple[Any, ...], rng: random.Random, name: str, choices: tuple[str, ...]) -> Any:
    """A value of one known variant: never None, never an ``Unknown...`` class."""
    known = [
        arg
        for arg in args
        if arg is not type(None) and not getattr(arg, "__name__", "").startswith("Unknown")
    ]
    return _value(rng.choice(known), rng, name, choices)


def _scalar(hint: Any, rng: random.Random, name: str, choices: tuple[str, ...]) -> Any:
    if hint is bool:
        return rng.random() < 0.5
    if hint is int:
        return rng.randint(1, 20)
    if hint is float:
        return round(rng.uniform(0, 1), 3)
    if hint is datetime:
        return _EPOCH + timedelta(minutes=rng.randint(0, 500_000))
    if hint is bytes:  # an image field: base64 text on the wire
        return rng.randbytes(rng.randint(1, 8))
    if hint is str:
        return _text(rng, name, choices)
    return rng.choice(_WORDS)  # Any: a plain JSON string is a valid sample


def _text(rng: random.Random, name: str, choices: tuple[str, ...]) -> str:
    if choices:
        return rng.choice(choices)
    if name == "id" or name.endswith("_id") or name.endswith("_ids"):
        return object_id(rng)
    if name == "email" or name.endswith("_email"):
        return f"{rng.choice(_WORDS)}.{rng.randint(1, 999)}@example.com"
    if name == "url" or name.endswith("_link"):
        return f"https://example.com/{rng.choice(_WORDS)}"
    return f"{rng.choice(_WORDS)}-{rng.randint(1, 999)}"
