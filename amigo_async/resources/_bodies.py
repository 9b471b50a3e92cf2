"""Request bodies from the generated request models.

A field the snapshot does not require defaults to None in the model; left at
None it is left out of the body, so the server applies its own default (for an
update: "leave unchanged"). A required field that is None is sent as ``null``.
"""

from __future__ import annotations

from typing import Any

import attrs

from ..models import unstructure

__all__ = ["request_body"]


def request_body(name: str, value: object, cls: type[Any]) -> dict[str, Any]:
    """`value` (which must be a `cls`) as the JSON object to send."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, not {type(value).__name__}")
    body: dict[str, Any] = _without_unset(value, unstructure(value))
    return body


def _without_unset(value: object, data: Any) -> Any:
    cls = type(value)
    if attrs.has(cls) and isinstance(data, dict):
        for field in attrs.fields(cls):
            if field.name not in data:
                continue
            item = getattr(value, field.name)
            if item is None and field.default is None:
                del data[field.name]
            else:
                data[field.name] = _without_unset(item, data[field.name])
    elif isinstance(value, list | tuple) and isinstance(data, list):
        return [_without_unset(v, d) for v, d in zip(value, data, strict=False)]
    elif isinstance(value, dict) and isinstance(data, dict):
        return {k: _without_unset(value.get(k), d) for k, d in data.items()}
    return data
