"""The one strategy for unions: by tag, and the few untagged unions of plain values.

A tagged union is structured with one dict lookup on its tag. A tag this client
does not know becomes the union's ``Unknown...`` variant, which keeps the raw
payload (a newer server never breaks a listing, and the value can be sent back
unchanged). A known tag whose body does not fit its class is an error: it
propagates, and the caller's structuring path turns it into
`InvalidResponseError`, because a misread known variant is a real mismatch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
import cattrs

__all__ = ["UnknownFactory", "register_plain_union", "register_tagged_union"]

UnknownFactory = Callable[[Any, dict[str, Any]], Any]
"""Builds the ``Unknown...`` variant from the tag value and the raw payload."""

_StructureFn = Callable[[Any, Any], Any]


def _tag_key(value: Any) -> tuple[type[Any], Any] | None:
    # True == 1 in a dict: keying by type keeps a boolean tag from matching an int.
    return (type(value), value) if isinstance(value, str | bool | int) else None


def _tag_value(cls: type[Any], tag: str) -> Any:
    default = attrs.fields_dict(cls)[tag].default
    if default is attrs.NOTHING:
        raise TypeError(f"{cls.__name__}.{tag} needs its tag value as default")
    return default


def tagged_union_hook(
    converter: cattrs.Converter,
    tag: str,
    variants: Iterable[type[Any]],
    unknown: UnknownFactory,
) -> _StructureFn:
    """A structure hook choosing the variant by ``data[tag]``; variant hooks fetched lazily.

    Each variant's tag value is the default of its `tag` field (``type: Literal["x"] = "x"``),
    so it is written once, in the class.
    """
    classes: dict[tuple[type[Any], Any], type[Any]] = {}
    for cls in variants:
        key = _tag_key(_tag_value(cls, tag))
        if key is None or classes.setdefault(key, cls) is not cls:
            raise ValueError(f"{cls.__name__}: tag {tag!r} is not a str/bool or is taken")
    hooks: dict[tuple[type[Any], Any], _StructureFn] = {}

    def structure(data: Any, _: Any) -> Any:
        if not isinstance(data, dict):
            raise TypeError(f"expected an object tagged by {tag!r}, got {type(data).__name__}")
        value = data.get(tag)
        key = _tag_key(value)
        cls = None if key is None else classes.get(key)
        if key is None or cls is None:
            return unknown(value, data)
        hook = hooks.get(key)
        if hook is None:
            hook = hooks[key] = converter.get_structure_hook(cls)
        return hook(data, cls)

    return structure


def register_tagged_union(
    converter: cattrs.Converter,
    union: Any,
    tag: str,
    variants: Iterable[type[Any]],
    unknown: type[Any],
    factory: UnknownFactory | None = None,
    raw: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """Register `union` (and ``union | None``) by `tag`; `unknown` unstructures to its raw dict.

    `factory` builds the unknown variant when its class does not take ``(tag, raw)``;
    `raw` reads the payload back when it is not kept in a ``raw`` field.
    """
    hook = tagged_union_hook(converter, tag, variants, factory or unknown)
    converter.register_structure_hook(union, hook)
    converter.register_structure_hook(
        union | None, lambda data, cls: None if data is None else hook(data, cls)
    )
    converter.register_unstructure_hook(unknown, raw or _raw)


def register_plain_union(converter: cattrs.Converter, union: Any, types: tuple[type, ...]) -> None:
    """Register a union of JSON scalars (``float | bool | str``): the value is kept as sent."""

    def structure(data: Any, _: Any) -> Any:
        if data is None or not isinstance(data, types):
            raise TypeError(f"expected one of {[t.__name__ for t in types]}, got {data!r}")
        return data

    converter.register_structure_hook(union, structure)
    converter.register_structure_hook(
        union | None, lambda data, cls: None if data is None else structure(data, cls)
    )


def _raw(value: Any) -> dict[str, Any]:
    return dict(value.raw)
