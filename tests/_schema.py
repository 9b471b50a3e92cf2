"""A minimal JSON-schema check of the fake's answers against the snapshot's response schemas.

Covers what the snapshot uses: $ref, anyOf/oneOf/allOf, type, enum, const,
properties/required/additionalProperties, items/prefixItems, min/max items,
pattern, minLength/maxLength, minimum/maximum (and exclusive ones), date-time.
Returns the list of problems (empty when the value fits), each with its path.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from _snapshot import snapshot

__all__ = ["problems", "response_schema"]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def response_schema(operation_id: str, status: int) -> dict[str, Any] | None:
    """The JSON schema the snapshot documents for `operation_id` answering `status`."""
    for item in snapshot()["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                content = operation["responses"].get(str(status), {}).get("content", {})
                schema: dict[str, Any] | None = content.get("application/json", {}).get("schema")
                return schema
    raise KeyError(operation_id)


def problems(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return problems(value, snapshot()["components"]["schemas"][name], path)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [problems(value, option, path) for option in schema[key]]
            if all(options):
                return [f"{path}: fits none of {key}: {min(options, key=len)}"]
    found = [p for sub in schema.get("allOf", ()) for p in problems(value, sub, path)]
    return found + _own(value, schema, path)


def _own(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    kind = schema.get("type")
    if kind is not None and not _is(value, kind):
        return [f"{path}: {type(value).__name__} is not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of the enum"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: {value!r} is not {schema['const']!r}"]
    if isinstance(value, dict):
        return _object(value, schema, path)
    if isinstance(value, list):
        return _array(value, schema, path)
    if isinstance(value, str):
        return _string(value, schema, path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value, schema, path)
    return []


def _is(value: Any, kind: str | list[str]) -> bool:
    kinds = [kind] if isinstance(kind, str) else kind
    if isinstance(value, bool):
        return "boolean" in kinds
    return any(isinstance(value, _TYPES[k]) for k in kinds)


def _object(value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
    found = [f"{path}: missing {name}" for name in schema.get("required", ()) if name not in value]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            found += problems(item, properties[name], f"{path}.{name}")
        elif extra is False:
            found.append(f"{path}: unexpected {name}")
        elif isinstance(extra, dict):
            found += problems(item, extra, f"{path}.{name}")
    return found


def _array(value: list[Any], schema: dict[str, Any], path: str) -> list[str]:
    found = []
    if len(value) < schema.get("minItems", 0):
        found.append(f"{path}: fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        found.append(f"{path}: more than {schema['maxItems']} items")
    prefix = schema.get("prefixItems", [])
    for index, item in enumerate(value):
        sub = prefix[index] if index < len(prefix) else schema.get("items")
        if isinstance(sub, dict):
            found += problems(item, sub, f"{path}[{index}]")
    return found


def _string(value: str, schema: dict[str, Any], path: str) -> list[str]:
    found = []
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if len(value) < schema.get("minLength", 0):
        found.append(f"{path}: shorter than {schema['minLength']}")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{path}: longer than {schema['maxLength']}")
    if schema.get("format") == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            found.append(f"{path}: {value!r} is not a date-time")
    return found


def _number(value: float, schema: dict[str, Any], path: str) -> list[str]:
    checks = (
        ("minimum", lambda bound: value < bound),
        ("maximum", lambda bound: value > bound),
        ("exclusiveMinimum", lambda bound: value <= bound),
        ("exclusiveMaximum", lambda bound: value >= bound),
    )
    return [
        f"{path}: {value} breaks {key} {schema[key]}"
        for key, broken in checks
        if key in schema and broken(schema[key])
    ]
