"""Requests built from the generated data: one valid request per operation, then the same
request with one wrong value per constrained field or parameter.

A `Mutation` says where the wrong value goes and which exception the client must raise
before sending. The valid request comes first so the wrong value is the only problem.
"""

from __future__ import annotations

import base64
import copy
import itertools
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from _snapshot import snapshot, snapshot_operations
from images import ico, png

from amigo_async._validation import compiled

_CANDIDATES = (
    "a" * 24,
    "ab",
    "A_B",
    "a.b",
    "key:value",
    "2024-01-02T03:04:05+00:00",
    "P1D",
    "user@example.com",
    "https://example.com/x",
    "YWJj",
    "multipart/form-data; boundary=x",
)
_NOT_MATCHING = ("!!", " ", "A.A.A", "", "é")
_FORMAT_SAMPLES = {
    "date-time": "2024-01-02T03:04:05+00:00",
    "duration": "P1D",
    "email": "user@example.com",
    "uri": "https://example.com/x",
    "base64": "YWJj",
}
_WRONG_KIND = {
    "string": 5,
    "integer": "3",
    "number": "3.5",
    "boolean": "yes",
    "array": "x",
    "object": "x",
}
_NOT_SET = "#/components/schemas/_NotSet"
_PREFIX = "/v1/{organization}"
_RENAMED = {
    "get_roles_v1__organization__role__get": "get-roles",
    "get_webhook_destinations": "get-webhook-destinations",
}


class Mutation(NamedTuple):
    loc: tuple[str | int, ...]  # ("body", "name"), ("query", "limit"), ("path", "tool_id")
    value: Any  # the wrong value; `_REMOVE` to leave a required field out
    error: type[Exception]
    why: str


class Request(NamedTuple):
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any  # None: no JSON body
    mutations: list[Mutation]


REMOVE = object()


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    schemas = snapshot()["components"]["schemas"]
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _single(schema: dict[str, Any]) -> dict[str, Any] | None:
    """The one schema a value of `schema` takes: a union's first real member, or its variant."""
    schema = resolve(schema)
    members = schema.get("anyOf") or schema.get("oneOf")
    if members is None:
        return schema
    mapping = schema.get("discriminator", {}).get("mapping")
    if mapping:
        return resolve({"$ref": next(iter(mapping.values()))})
    real = [m for m in members if m.get("$ref") != _NOT_SET and resolve(m).get("type") != "null"]
    return _single(real[0]) if real else None


def sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits `schema`: every field filled (to depth 5), one item per list at least."""
    one = _single(schema)
    if one is None:
        return None
    if "const" in one:
        return one["const"]
    if "enum" in one:
        return one["enum"][0]
    kind = one.get("type")
    if kind == "string":
        return _string(one)
    if kind == "integer":
        return int(_number(one))
    if kind == "number":
        return _number(one)
    if kind == "boolean":
        return True
    if kind == "array":
        if "prefixItems" in one:
            return [sample(item, depth + 1) for item in one["prefixItems"]]
        count = max(one.get("minItems", 0), 1 if one.get("maxItems", 1) > 0 else 0)
        items = [sample(one.get("items", {}), depth + 1) for _ in range(count)]
        if one.get("uniqueItems") and count > 1:
            items = [f"{item}{index}" for index, item in enumerate(items)]
        return items
    if kind == "object":
        return _object(one, depth)
    return "x"


def _string(schema: dict[str, Any]) -> str:
    if schema.get("format") in _FORMAT_SAMPLES:
        return _FORMAT_SAMPLES[schema["format"]]
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10**6)
    for text in _CANDIDATES:
        fits = low <= len(text) <= high
        if fits and ("pattern" not in schema or compiled(schema["pattern"]).search(text)):
            return text
    return "a" * max(low, 1)


def _number(schema: dict[str, Any]) -> int | float:
    if "minimum" in schema:
        return schema["minimum"]
    if "exclusiveMinimum" in schema:
        return schema["exclusiveMinimum"] + 1
    if "maximum" in schema:
        return min(schema["maximum"], 1)
    return 1


def _object(schema: dict[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties", {})
    names = list(properties) if depth < 5 else schema.get("required", ())
    out = {name: sample(properties[name], depth + 1) for name in names}
    out = {name: value for name, value in out.items() if value is not None}
    extra = schema.get("additionalProperties")
    for index in range(schema.get("minProperties", 0) - len(out)):
        out[f"k{index}"] = sample(extra, depth + 1) if isinstance(extra, dict) else "x"
    return out


# -- wrong values ---------------------------------------------------------------------


def wrong_values(
    schema: dict[str, Any], loc: tuple[str | int, ...], depth: int = 0
) -> Iterator[Mutation]:
    """One wrong value per constraint of `schema`, and those of the fields it nests."""
    raw = resolve(schema)
    members = raw.get("anyOf") or raw.get("oneOf")
    one = _single(schema)
    if one is None:
        return
    if members is not None and not raw.get("discriminator"):
        real = [
            m for m in members if m.get("$ref") != _NOT_SET and resolve(m).get("type") != "null"
        ]
        if len(real) > 1:
            return  # several shapes: a value wrong for one may fit another
    kind = one.get("type")
    if kind in _WRONG_KIND and "const" not in one and not raw.get("discriminator"):
        yield Mutation(loc, _WRONG_KIND[kind], TypeError, f"not {_a(kind)}")
    if "enum" in one:
        yield Mutation(loc, "not-a-documented-value", ValueError, "out of enum")
    if kind == "string":
        yield from _string_wrongs(one, loc)
    elif kind in ("integer", "number"):
        yield from _number_wrongs(one, loc)
    elif kind == "array":
        yield from _array_wrongs(one, loc, depth)
    elif kind == "object" and depth < 4:
        yield from _object_wrongs(one, loc, depth)


def _a(kind: str) -> str:
    return kind


def _string_wrongs(schema: dict[str, Any], loc: tuple[str | int, ...]) -> Iterator[Mutation]:
    if "pattern" in schema:
        pattern = compiled(schema["pattern"])
        bad = next((t for t in _NOT_MATCHING if not pattern.search(t)), None)
        if bad is not None:
            yield Mutation(loc, bad, ValueError, "pattern")
    if "maxLength" in schema:
        yield Mutation(loc, "a" * (schema["maxLength"] + 1), ValueError, "too long")
    if schema.get("minLength", 0) > 0:
        yield Mutation(loc, "", ValueError, "too short")
    if schema.get("format") == "date-time":
        yield Mutation(loc, "2024-01-02T03:04:05", ValueError, "naive date-time")
    if schema.get("format") in ("email", "uri", "duration"):
        yield Mutation(loc, "not a " + schema["format"], ValueError, schema["format"])


def _number_wrongs(schema: dict[str, Any], loc: tuple[str | int, ...]) -> Iterator[Mutation]:
    if "minimum" in schema:
        yield Mutation(loc, schema["minimum"] - 1, ValueError, "below minimum")
    if "exclusiveMinimum" in schema:
        yield Mutation(loc, schema["exclusiveMinimum"], ValueError, "at exclusive minimum")
    if "maximum" in schema:
        yield Mutation(loc, schema["maximum"] + 1, ValueError, "above maximum")
    if schema.get("type") == "integer":
        yield Mutation(loc, True, TypeError, "a bool for an int")


def _array_wrongs(
    schema: dict[str, Any], loc: tuple[str | int, ...], depth: int
) -> Iterator[Mutation]:
    item = sample(schema.get("items", {}), depth + 1)
    if schema.get("minItems", 0) > 0:
        yield Mutation(loc, [], ValueError, "too few items")
    if "maxItems" in schema:
        many = [sample(schema.get("items", {}), depth + 1) for _ in range(schema["maxItems"] + 1)]
        if schema.get("uniqueItems") and all(isinstance(v, str) for v in many):
            many = [f"{v}{i}" for i, v in enumerate(many)]
        yield Mutation(loc, many, ValueError, "too many items")
    if schema.get("uniqueItems") and item is not None and schema.get("maxItems", 2) >= 2:
        yield Mutation(loc, [item, item], ValueError, "duplicate items")
    if isinstance(schema.get("items"), dict) and "prefixItems" not in schema:
        yield from wrong_values(schema["items"], (*loc, 0), depth + 1)


def _object_wrongs(
    schema: dict[str, Any], loc: tuple[str | int, ...], depth: int
) -> Iterator[Mutation]:
    for name in schema.get("required", ()):
        yield Mutation((*loc, name), REMOVE, ValueError, "missing")
    if schema.get("additionalProperties") is False:
        yield Mutation((*loc, "zz_undocumented"), 1, ValueError, "extra field")
    for name, field in schema.get("properties", {}).items():
        yield from wrong_values(field, (*loc, name), depth + 1)


def requests() -> Iterator[tuple[str, Request]]:
    """(operation id, a valid request with its mutations) for every operation of the data."""
    seen: set[str] = set()
    for method, _, operation in snapshot_operations():
        operation_id = _RENAMED.get(operation["operationId"], operation["operationId"])
        if operation_id in seen or (method != "GET" and operation_id == "access-git-interface"):
            continue
        seen.add(operation_id)
        yield operation_id, _request(operation)


def _request(operation: dict[str, Any]) -> Request:
    places: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
    mutations: list[Mutation] = []
    for parameter in operation.get("parameters", []):
        where, name = parameter["in"], parameter["name"]
        if where not in places or name == "organization":
            continue
        if parameter.get("required"):
            places[where][name] = sample(parameter["schema"])
            mutations.append(Mutation((where, name), REMOVE, ValueError, "missing"))
        for mutation in wrong_values(parameter["schema"], (where, name)):
            if _query_object(parameter["schema"]) or (
                mutation.error is TypeError and where == "path"
            ):
                continue  # an object travels as JSON text; a path is text whatever it holds
            mutations.append(mutation)
    content = operation.get("requestBody", {}).get("content", {})
    body = None
    kind = next((k for k in ("application/json", "multipart/form-data") if k in content), None)
    if kind is not None:  # a form is checked by its fields, as a JSON object is
        schema = content[kind]["schema"]
        body = _prose_valid(sample(schema))
        mutations += [m for m in wrong_values(schema, ("body",)) if m.loc != ("body",)]
    return Request(places["path"], places["query"], body, mutations)


_IMAGES = {
    "logo": png(400, 160),
    "square_logo": png(40, 40),
    "favicon": ico((48, 48)),
    "signup_page_headshot": png(292, 400),
}
"""Organization images of the documented kinds and sizes (a prose rule reads the bytes)."""


def _prose_valid(body: Any) -> Any:
    """The sampled body made to meet the prose rules the schema cannot say: images."""
    if isinstance(body, dict):
        for field, image in _IMAGES.items():
            if isinstance(body.get(field), str):
                body[field] = base64.b64encode(image).decode()
    return body


def _query_object(schema: dict[str, Any]) -> bool:
    one = _single(schema)
    return one is not None and one.get("type") == "object"


def apply(request: Request, mutation: Mutation) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """The request with `mutation` in place (nested dicts filled in with valid samples)."""
    path, query, body = copy.deepcopy((request.path, request.query, request.body))
    place, *rest = mutation.loc
    target: Any = {"path": path, "query": query}.get(str(place), body)
    if place == "body" and not rest:
        return path, query, mutation.value
    for key, following in itertools.pairwise(rest):
        if isinstance(target, list):
            target = target[int(key)]
        else:
            target = target.setdefault(key, [] if isinstance(following, int) else {})
    last = rest[-1]
    if mutation.value is REMOVE:
        if isinstance(target, dict):
            target.pop(last, None)
    elif isinstance(target, list):
        while len(target) <= int(last):
            target.append(None)
        target[int(last)] = mutation.value
    else:
        target[last] = mutation.value
    return path, query, body


def where(loc: tuple[str | int, ...]) -> str:
    """The start of the message for `loc`: ``body.a[2].b`` or the parameter's name."""
    head, *rest = loc
    text = "body" if head == "body" else ""
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return re.escape(text) + r"(?=[\s.\[])"
