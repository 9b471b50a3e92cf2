"""The one cattrs converter, and the one path every response body takes into a model.

Models are plain attrs data and know nothing of JSON; this module knows how to
convert them. Unknown fields are ignored (forward compatibility), but every
primitive is structured strictly: a `str` must be a JSON string, a `bool` a JSON
boolean, an `int` a JSON integer, a list a JSON array. cattrs' defaults would
coerce `"false"` to True, `null` to "None" and "abc" to a list of lists, and a
client that reads a wrong answer as a right one loses data silently.
"""

from __future__ import annotations

import base64
import binascii
import collections.abc
import types
import typing
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from .. import errors

__all__ = [
    "NULL",
    "Null",
    "converter",
    "describe_mismatch",
    "parse_datetime",
    "register_request_bodies",
    "structure",
    "structure_response",
    "unstructure",
]

T = TypeVar("T")

# Without cattrs' detailed validation, structuring takes about half the time; the
# rare answer that does not fit is described afterwards by `describe_mismatch`.
converter = cattrs.Converter(
    forbid_extra_keys=False, omit_if_default=False, detailed_validation=False
)


def parse_datetime(value: Any, _: Any = None) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise TypeError(f"expected a string, got {_kind(value)}")


def _int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    raise TypeError(f"expected an integer, got {_kind(value)}")


def _float(value: Any, _: Any) -> float:
    if type(value) is float or type(value) is int:
        return float(value)
    raise TypeError(f"expected a number, got {_kind(value)}")


def _bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise TypeError(f"expected true or false, got {_kind(value)}")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


_SEQUENCE_ORIGINS = (list, collections.abc.Sequence, collections.abc.MutableSequence)
_MAPPING_ORIGINS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _is_sequence(cls: Any) -> bool:
    return typing.get_origin(cls) in _SEQUENCE_ORIGINS or cls in (list, tuple)


def _is_mapping(cls: Any) -> bool:
    return typing.get_origin(cls) in _MAPPING_ORIGINS or cls is dict


_PRIMITIVES = (str, int, bool)


def _strict_sequence(cls: Any) -> Any:
    """A list only from a JSON array; the element hook is looked up once.

    A list of strings, ints or bools (the commonest nested shape) is checked
    with one pass over exact types instead of one hook call per item.
    """
    args = typing.get_args(cls)
    element = args[0] if args else Any
    if element in _PRIMITIVES:
        return _primitive_list(element)
    hook = converter.get_structure_hook(element)

    def structure_list(value: Any, _: Any) -> list[Any]:
        if type(value) is not list:
            raise TypeError(f"expected an array, got {_kind(value)}")
        return [hook(item, element) for item in value]

    return structure_list


def _primitive_list(element: type) -> Any:
    def structure_primitive_list(value: Any, _: Any) -> list[Any]:
        if type(value) is not list:
            raise TypeError(f"expected an array, got {_kind(value)}")
        for item in value:
            if type(item) is not element:
                raise TypeError(f"expected an array of {element.__name__}")
        return value  # a fresh list from the JSON decoder: nothing else holds it

    return structure_primitive_list


def _is_optional(cls: Any) -> bool:
    args = typing.get_args(cls)
    return (
        typing.get_origin(cls) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _present(optional: Any) -> Any:
    """`X` of `X | None`."""
    return next(arg for arg in typing.get_args(optional) if arg is not type(None))


def _strict_optional(cls: Any) -> Any:
    """`X | None`: None as is, anything else through X's hook, looked up once."""
    inner = _present(cls)
    hook = converter.get_structure_hook(inner)

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _strict_mapping(cls: Any) -> Any:
    """A dict only from a JSON object."""
    args = typing.get_args(cls)
    key_type, value_type = args if len(args) == 2 else (Any, Any)
    key_hook = converter.get_structure_hook(key_type)
    value_hook = converter.get_structure_hook(value_type)

    def structure_dict(value: Any, _: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise TypeError(f"expected an object, got {_kind(value)}")
        return {key_hook(k, key_type): value_hook(v, value_type) for k, v in value.items()}

    return structure_dict


def _bytes(value: Any, _: Any) -> bytes:
    """A ``format: base64`` string (an image): bytes in Python, base64 text on the wire."""
    if type(value) is not str:
        raise TypeError(f"expected base64 text, got {_kind(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise TypeError("expected base64 text") from None


converter.register_structure_hook(bytes, _bytes)
converter.register_unstructure_hook(bytes, lambda value: base64.b64encode(value).decode("ascii"))
converter.register_structure_hook(datetime, parse_datetime)
converter.register_unstructure_hook(datetime, lambda value: value.isoformat())
converter.register_structure_hook(str, _str)
converter.register_structure_hook(int, _int)
converter.register_structure_hook(float, _float)
converter.register_structure_hook(bool, _bool)
converter.register_structure_hook_factory(_is_sequence, _strict_sequence)
converter.register_structure_hook_factory(_is_mapping, _strict_mapping)
converter.register_structure_hook_factory(_is_optional, _strict_optional)


_REQUEST_BODIES: set[type[Any]] = set()


@attrs.frozen
class Null:
    """The value of `NULL`: a request field sent as JSON null on purpose."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Any = Null()
"""Send JSON null for a request field whose documents tell "left out" from null.

A generated request model leaves a field at None out of the body (unchanged);
``additional_notes=NULL`` in `UpdateMetricRequest` sends ``null`` (cleared). Only
fields the snapshot documents as clearable accept it (`ValueError` otherwise).
Typed as Any so it fits any field's annotation.
"""

converter.register_unstructure_hook(Null, lambda _: None)


def register_request_bodies(classes: tuple[type[Any], ...]) -> None:
    """Generated request bodies: a field left at its None default is not sent at all
    (unless its metadata says the snapshot requires it: then it is sent as null).

    The snapshot tells "left out" from null for many fields; sending every optional
    field as null would set what the caller never meant to touch. Hooks are made
    on first use, so nested bodies need no registration order.
    """
    _REQUEST_BODIES.update(classes)


def _omitting_none(cls: type[Any]) -> Any:
    fields = attrs.fields(attrs.resolve_types(cls))  # real types, not annotation strings
    skip: dict[str, Any] = {
        field.name: override(omit_if_default=True, unstruct_hook=_null_aware(field.type))
        for field in fields
        if field.default is None and not field.metadata.get("required")
    }
    return make_dict_unstructure_fn(cls, converter, **skip)


def _null_aware(annotation: Any) -> Any:
    """A field's own unstructuring, except that `NULL` becomes JSON null."""

    def unstructure_field(value: Any) -> Any:
        return None if isinstance(value, Null) else converter.unstructure(value, annotation)

    return unstructure_field


converter.register_unstructure_hook_factory(_REQUEST_BODIES.__contains__, _omitting_none)


def structure(data: Any, cls: type[T]) -> T:
    return converter.structure(data, cls)


def unstructure(value: Any) -> Any:
    return converter.unstructure(value)


def structure_response(body: Any, cls: type[T], operation_id: str) -> T:
    """Structure an answer, or raise `InvalidResponseError` naming the field that does not fit.

    The message names a field path and types, never values, so no secret an
    answer may carry reaches a log through it.
    """
    try:
        return converter.structure(body, cls)
    except Exception:  # cattrs and our hooks raise many kinds; each means "wrong shape"
        pass
    raise errors.InvalidResponseError(
        f"the answer does not fit {_name(cls)}: {describe_mismatch(body, cls)}",
        operation_id=operation_id,
    )


_KEY_CHARS = 40


def describe_mismatch(data: Any, cls: Any, root: str = "$") -> str:
    """Why `data` does not fit `cls`: ``"<reason> @ <path>"`` for the first field that fails.

    Runs only after structuring failed, trying each field's own hook, so the
    happy path carries no bookkeeping for it.
    """
    try:
        found = _first_mismatch(data, cls, root)
    except Exception:  # a shape no rule below foresaw: the root is still a true answer
        found = None
    return found or f"expected {_name(cls)}, got {_kind(data)} @ {root}"


def _first_mismatch(value: Any, cls: Any, path: str) -> str | None:
    try:
        converter.structure(value, cls)
    except Exception as exc:
        missing = isinstance(exc, KeyError)
    else:
        return None
    inner = _inner_mismatch(value, cls, path)
    if inner is not None:
        return inner
    reason = "required field missing" if missing else f"expected {_name(cls)}, got {_kind(value)}"
    return f"{reason} @ {path}"


def _inner_mismatch(value: Any, cls: Any, path: str) -> str | None:
    """The first mismatch inside an object, array or map, if the failure lies inside one."""
    if _is_optional(cls) and value is not None:
        return _first_mismatch(value, _present(cls), path)
    if attrs.has(cls) and type(value) is dict:
        return _field_mismatch(value, cls, path)
    args = typing.get_args(cls)
    if typing.get_origin(cls) in (typing.Union, types.UnionType) and type(value) is dict:
        tagged = (member for member in args if attrs.has(member) and _tagged_as(member, value))
        member = next(tagged, None)  # the variant its tag names, as `_unions` chooses it
        return None if member is None else _field_mismatch(value, member, path)
    if _is_sequence(cls) and type(value) is list:
        element = args[0] if args else Any
        found = (_first_mismatch(item, element, f"{path}[{i}]") for i, item in enumerate(value))
        return next((text for text in found if text), None)
    if _is_mapping(cls) and type(value) is dict and len(args) == 2:
        found = (
            _first_mismatch(item, args[1], f"{path}[{_key(key)}]") for key, item in value.items()
        )
        return next((text for text in found if text), None)
    return None


def _field_mismatch(value: dict[str, Any], cls: type[Any], path: str) -> str | None:
    overrides = getattr(converter.get_structure_hook(cls), "overrides", {})
    for field in attrs.fields(attrs.resolve_types(cls)):
        renamed = getattr(overrides.get(field.name), "rename", None)
        key = renamed or field.name
        if key not in value:
            if field.default is attrs.NOTHING:
                return f"required field missing @ {path}.{key}"
            continue
        found = _first_mismatch(value[key], field.type, f"{path}.{key}")
        if found:
            return found
    return None


def _tagged_as(member: type[Any], value: dict[str, Any]) -> bool:
    """Whether `value` carries `member`'s tag (a Literal field holding its default).

    Compared with its type, as `_unions` keys tags: a tag of True is not matched by 1.
    """
    return any(
        typing.get_origin(field.type) is typing.Literal
        and type(tag := value.get(field.name)) is type(field.default)
        and tag == field.default
        for field in attrs.fields(attrs.resolve_types(member))
    )


def _key(key: str) -> str:
    """A map key as a path step; a server's key can be any length, the message stays short."""
    return repr(key) if len(key) <= _KEY_CHARS else repr(key[:_KEY_CHARS]) + "…"


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or str(cls).replace("typing.", "")
