"""One validation pass: a request's path, query and body against the snapshot's schemas.

The schemas are the generated data (``_generated/api.json`` and ``schemas.txt``, the
snapshot without its prose), read once on first use. The transport checks every request
here before a rate-limit token is spent or a byte is sent; the fake server checks what
it receives with the same function (``from_strings=True``: values as a server gets
them), so the client and its test double cannot disagree about what the documents allow.
A body is JSON, or a multipart form given as its fields (interact's recorded message).
The tool repo operations, which the snapshot leaves out, are read from the hand-written
facts of `_undescribed` in the same form.

A `Problem` names where (``("body", "actions", 2, "type")``), what (human text that
never repeats a long value whole) and which kind (the words FastAPI answers with):
``type_error`` (wrong JSON kind), ``value_error`` (right kind, wrong value),
``missing`` and ``extra_forbidden``. `check_request` raises the first one as
``TypeError`` or ``ValueError`` whose message starts with the location.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import attrs

from ._durations import parse_iso_duration
from ._problem import ABSENT, Problem, short
from ._rules import prose_problems
from ._undescribed import UNDESCRIBED_OPERATIONS

__all__ = [
    "ABSENT",
    "Problem",
    "api_data",
    "check_request",
    "described",
    "documented",
    "request_problems",
    "response_problems",
]

_DATA = Path(__file__).with_name("_generated") / "api.json"
_SCHEMAS = _DATA.with_name("schemas.txt")  # components.schemas, one `name<TAB>json` per line
_PREFIX = "/v1/{organization}"
_SKIPPED_PARAMETERS = frozenset({"organization"})  # filled in by the transport
_NOT_SET = "#/components/schemas/_NotSet"  # "left out": never a value on the wire
_FORM = "multipart/form-data"
_STRIPPED = "StrippedNonemptyString"  # the server strips these strings, then checks them


# -- the operations, from the data ---------------------------------------------------


@attrs.frozen
class _Parameter:
    name: str
    required: bool
    schema: Mapping[str, Any]


@attrs.frozen
class _OperationFacts:
    path: Mapping[str, _Parameter]
    query: Mapping[str, _Parameter]
    body: Mapping[str, Any] | None  # the JSON body's schema, or the multipart form's
    body_required: bool
    form: bool  # the body is a multipart form: its fields are texts, files, repeated texts
    responses: Mapping[str, Mapping[str, Any]]  # status -> the JSON answer's schema


@cache
def api_data() -> dict[str, Any]:
    """The generated API facts (the prose-free snapshot) whole, read once per process for
    the fake's routes and ``/openapi.json``. The client's pass does not keep this copy:
    see `_Schemas`."""
    with _DATA.open(encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
    texts = _schema_texts()
    data["components"]["schemas"] = {name: json.loads(text) for name, text in texts.items()}
    return data


def _schema_texts() -> dict[str, str]:
    """Each named schema's JSON text, undecoded (`_Schemas` says why)."""
    texts = {}
    with _SCHEMAS.open(encoding="utf-8") as file:
        for line in file:
            name, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                raise ValueError(f"{_SCHEMAS.name}: a line without a tab after {name[:40]!r}")
            texts[name] = text
    return texts


class _Schemas:
    """The snapshot's named schemas (``components.schemas``), each decoded on first use.

    All 375 of them decoded are about 5 MB of Python objects, held for the life of the
    process, while a client checks the handful its calls name; kept as their JSON text
    they cost 0.6 MB (a 1 GB prompt-log export peaks 2 to 5 MB lower,
    benchmarks/bench_export_memory.py).
    """

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self._decoded: dict[str, Mapping[str, Any]] = {}

    def __getitem__(self, name: str) -> Mapping[str, Any]:
        schema = self._decoded.get(name)
        if schema is None:
            schema = self._decoded[name] = json.loads(self._texts[name])
        return schema


@attrs.frozen
class _Facts:
    operations: dict[str, _OperationFacts]
    schemas: _Schemas


@cache
def _facts() -> _Facts:
    with _DATA.open(encoding="utf-8") as file:
        paths = json.load(file)["paths"]
    return _Facts(_operations_of(paths), _Schemas(_schema_texts()))


def _operations() -> dict[str, _OperationFacts]:
    return _facts().operations


def _operations_of(paths: Mapping[str, Any]) -> dict[str, _OperationFacts]:
    """operationId -> its facts; where an id names several methods, the GET (as `_spec`)."""
    out = {
        operation_id: _facts_of(operation)
        for operation_id, operation in UNDESCRIBED_OPERATIONS.items()
    }
    for item in paths.values():
        for method, operation in item.items():
            known = operation["operationId"] in out
            if known and method != "get":
                continue
            out[operation["operationId"]] = _facts_of(operation)
    return out


def _facts_of(operation: Mapping[str, Any]) -> _OperationFacts:
    places: dict[str, dict[str, _Parameter]] = {"path": {}, "query": {}}
    for parameter in operation.get("parameters", []):
        place = places.get(parameter["in"])
        if place is None or parameter["name"] in _SKIPPED_PARAMETERS:
            continue
        place[parameter["name"]] = _Parameter(
            parameter["name"], bool(parameter.get("required")), parameter["schema"]
        )
    request = operation.get("requestBody", {})
    content = request.get("content", {})
    form = _FORM in content
    body = content.get(_FORM if form else "application/json", {}).get("schema")
    responses = {
        status: answer["content"]["application/json"]["schema"]
        for status, answer in operation.get("responses", {}).items()
        if "application/json" in answer.get("content", {})
    }
    return _OperationFacts(
        places["path"], places["query"], body, bool(request.get("required")), form, responses
    )


def described(operation_id: str) -> bool:
    """Whether the pass has facts of the operation: the snapshot's, or `_undescribed`'s."""
    return operation_id in _operations()


def documented(operation_id: str) -> bool:
    """Whether the snapshot describes the operation (the tool repo's are not)."""
    return operation_id in _operations() and operation_id not in UNDESCRIBED_OPERATIONS


# -- entry points -------------------------------------------------------------------


def request_problems(
    operation_id: str,
    *,
    path: Mapping[str, object] | None,
    query: Mapping[str, object] | None,
    body: object = ABSENT,
    from_strings: bool = False,
    clearable_only: bool = False,
) -> list[Problem]:
    """Everything the documents forbid in a request, prose rules included.

    `from_strings`: path and query values arrive as strings (a list of strings for an
    array), as a server receives them, and are read per their schema first, as FastAPI
    does. `clearable_only` (the client): an optional field is sent as null only where
    the documents tell null ("clear it") from left out; elsewhere null means nothing.
    A query or path value of None is "not sent"."""
    facts = _operations().get(operation_id)
    problems: list[Problem] = []
    if facts is not None:
        walker = _Walker(problems, request=True, clearable_only=clearable_only)
        _check_parameters(walker, "path", facts.path, path or {}, from_strings)
        _check_parameters(walker, "query", facts.query, query or {}, from_strings)
        if body is ABSENT:
            if facts.body is not None and facts.body_required:
                problems.append(Problem(("body",), "is required", "missing"))
        elif facts.body is not None:
            if facts.form and isinstance(body, Mapping):
                body = _form_fields(walker, facts.body, body)
            walker.check(facts.body, body, ("body",))
    if not problems:
        problems += prose_problems(operation_id, path or {}, query or {}, body)
    return problems


def response_problems(operation_id: str, status: int, body: object) -> list[Problem]:
    """What in a JSON answer does not fit the schema documented for its status."""
    facts = _operations().get(operation_id)
    if facts is None:
        return []
    schema = facts.responses.get(str(status))
    if schema is None:
        return []
    problems: list[Problem] = []
    _Walker(problems, request=False, clearable_only=False).check(schema, body, ("body",))
    return problems


def check_request(
    operation_id: str,
    path: Mapping[str, object] | None,
    query: Mapping[str, object] | None,
    body: object = ABSENT,
) -> None:
    """The client's pass: raise the first problem as ``TypeError`` or ``ValueError``."""
    if not (path or query) and body is ABSENT and operation_id not in _needing_input():
        return  # nothing given and nothing required: nothing to check
    problems = request_problems(
        operation_id, path=path, query=query, body=body, clearable_only=True
    )
    if problems:
        first = problems[0]
        error = TypeError if first.type == "type_error" else ValueError
        raise error(first.message())


@cache
def _needing_input() -> frozenset[str]:
    """Operations that refuse a call without arguments (a required body or parameter)."""
    return frozenset(
        operation_id
        for operation_id, facts in _operations().items()
        if (facts.body is not None and facts.body_required)
        or any(p.required for p in (*facts.path.values(), *facts.query.values()))
    )


def _check_parameters(
    walker: _Walker,
    place: str,
    documented: Mapping[str, _Parameter],
    given: Mapping[str, object],
    from_strings: bool,
) -> None:
    for name in given:
        if name not in documented and given[name] is not None:
            known = ", ".join(sorted(documented)) or "none"
            walker.add((place, name), f"is not a {place} parameter (documented: {known})", "extra")
    for name, parameter in documented.items():
        value = given.get(name)
        if value is None:
            if parameter.required:
                walker.add((place, name), "is required", "missing")
            continue
        if from_strings:
            value = _from_string(walker.single(parameter.schema), value)
        if isinstance(value, str) and walker.kinds(parameter.schema) == {"object"}:
            value = _json_object(value)  # a documented object travels as JSON text
        walker.check(parameter.schema, value, (place, name))


def _form_fields(
    walker: _Walker, schema: Mapping[str, Any], fields: Mapping[str, object]
) -> dict[str, object]:
    """A form's fields as its schema reads them: a file's bytes as text (one character a
    byte), a field given once as a one-item list where the schema wants a list, and a
    one-item list as its item where it does not (a server sees only repeated names)."""
    members = schema.get("oneOf") or schema.get("anyOf") or [schema]
    properties: Mapping[str, Any] = walker.resolve(members[0]).get("properties", {})
    out: dict[str, object] = {}
    for name, value in fields.items():
        if isinstance(value, bytes | bytearray | memoryview):
            value = bytes(value).decode("latin-1")
        wants_list = walker.resolve(properties.get(name, {})).get("type") == "array"
        if wants_list and isinstance(value, str):
            value = [value]
        elif not wants_list and isinstance(value, list) and len(value) == 1:
            value = value[0]
        out[name] = value
    return out


def _json_object(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return text  # the type check then says it is not an object


def _from_string(schema: Mapping[str, Any], value: object) -> object:
    """A query or path value as a server reads it: "3" is 3 for an integer, "true" True."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        values = value if isinstance(value, list) else [value]
        return [_from_string(items, item) for item in values]
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        return value
    try:
        if kind == "integer":
            number = float(value) if re.fullmatch(r"-?\d+\.0*", value) else int(value)
            return int(number)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean":
        lowered = value.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
    return value


# -- the schema walk ----------------------------------------------------------------

_KIND_WORDS = {
    "string": "a str",
    "integer": "an int",
    "number": "a number",
    "boolean": "a bool",
    "array": "a list",
    "object": "an object",
    "null": "None",
}
_PROBLEM_TYPES = {"extra": "extra_forbidden", "missing": "missing", "type": "type_error"}


def _fits_kind(kind: str, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":  # 3.0 is read as 3, as the server (pydantic) reads it
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "null":
        return value is None
    return True


def _kind_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


class _Walker:
    """One walk over a value and its schema, collecting problems."""

    def __init__(self, problems: list[Problem], *, request: bool, clearable_only: bool) -> None:
        self.problems = problems
        self.request = request
        self.clearable_only = clearable_only
        self._schemas = _facts().schemas

    def add(self, loc: tuple[str | int, ...], msg: str, kind: str = "value") -> None:
        self.problems.append(Problem(loc, msg, _PROBLEM_TYPES.get(kind, "value_error")))

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self._schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def check(self, schema: Mapping[str, Any], value: object, loc: tuple[str | int, ...]) -> None:
        stripped = False
        while "$ref" in schema:
            stripped = stripped or _STRIPPED in schema["$ref"]
            schema = self._schemas[schema["$ref"].rsplit("/", 1)[1]]
        members = schema.get("anyOf") or schema.get("oneOf")
        if members is not None:
            self._union(schema, members, value, loc)
            return
        kind = schema.get("type")
        if isinstance(kind, str) and not _fits_kind(kind, value):
            if kind == "string" and schema.get("format") == "date-time":
                self._datetime_object(value, loc)
                return
            self.add(loc, f"must be {_KIND_WORDS[kind]}, not {_kind_name(value)}", "type")
            return
        if "const" in schema and value != schema["const"]:
            self.add(loc, f"must be {schema['const']!r}; got {short(value)}")
            return
        if "enum" in schema:
            if not _is_one_of(value, schema["enum"]):
                self.add(loc, f"must be one of {_choices(schema['enum'])}; got {short(value)}")
            return
        self._by_kind(schema, value, loc, stripped)

    def _by_kind(
        self, schema: Mapping[str, Any], value: object, loc: tuple[str | int, ...], stripped: bool
    ) -> None:
        if isinstance(value, str):
            self._string(schema, value, loc, stripped)
        elif isinstance(value, bool):
            return
        elif isinstance(value, int | float):
            self._number(schema, value, loc)
        elif isinstance(value, list | tuple):
            self._array(schema, value, loc)
        elif isinstance(value, Mapping):
            self._object(schema, value, loc)

    def _optional_null(self, schema: Mapping[str, Any], loc: tuple[str | int, ...]) -> None:
        """Null in an optional field: the client sends it (`NULL`) only to clear a field."""
        if self.clearable_only and not _is_clearable(schema):
            self.add(loc, "cannot be sent as null (NULL): not clearable")
        else:
            self.check(schema, None, loc)

    def _datetime_object(self, value: object, loc: tuple[str | int, ...]) -> None:
        if not isinstance(value, datetime):
            self.add(loc, f"must be a str, not {_kind_name(value)}", "type")
        elif value.tzinfo is None or value.utcoffset() is None:
            self.add(loc, "must be a timezone-aware date-time; got a naive datetime")

    # -- unions

    def _union(
        self,
        schema: Mapping[str, Any],
        members: Sequence[Mapping[str, Any]],
        value: object,
        loc: tuple[str | int, ...],
    ) -> None:
        real = [m for m in members if m.get("$ref") != _NOT_SET]
        if value is None:
            if not any(self.resolve(m).get("type") == "null" for m in real):
                self.add(loc, f"must be {self._kinds(real)}, not None", "type")
            return
        real = [m for m in real if self.resolve(m).get("type") != "null"]
        tag = schema.get("discriminator", {}).get("propertyName")
        if tag is None:
            tag = self._implicit_tag(schema, real)
        if tag is not None and isinstance(value, Mapping):
            self._tagged(schema, real, tag, value, loc)
            return
        fitting = [m for m in real if _fits_kind(self._kind_of(m), value)]
        if not fitting:
            self.add(loc, f"must be {self._kinds(real)}, not {_kind_name(value)}", "type")
            return
        attempts: list[list[Problem]] = []
        for member in fitting:
            trial = _Walker([], request=self.request, clearable_only=self.clearable_only)
            trial.check(member, value, loc)
            if not trial.problems:
                return
            attempts.append(trial.problems)
        fewest = min(attempts, key=len)  # the member the value came closest to
        self.problems.extend(fewest)

    def _tagged(
        self,
        schema: Mapping[str, Any],
        members: Sequence[Mapping[str, Any]],
        tag: str,
        value: Mapping[str, Any],
        loc: tuple[str | int, ...],
    ) -> None:
        mapping = self._tags(schema, members, tag)
        given = value.get(tag)
        target = mapping.get(given) if isinstance(given, str) else None
        if target is None:
            if tag not in value:
                self._untagged(members, tag, value, loc)
            else:
                choices = _choices(list(mapping))
                self.add((*loc, tag), f"must be one of {choices}; got {short(given)}")
            return
        self.check(target, value, loc)

    def _untagged(
        self,
        members: Sequence[Mapping[str, Any]],
        tag: str,
        value: Mapping[str, Any],
        loc: tuple[str | int, ...],
    ) -> None:
        """No tag given: where members leave it out of `required` (a default fills it in,
        as the grants' conditions do), the value stands if exactly one member takes it
        (`oneOf`); where every member requires it, it is missing."""
        optional = [m for m in members if tag not in self.resolve(m).get("required", ())]
        if not optional:
            self.add((*loc, tag), "is required", "missing")
            return
        attempts: list[list[Problem]] = []
        for member in optional:
            trial = _Walker([], request=self.request, clearable_only=self.clearable_only)
            trial.check(member, value, loc)
            attempts.append(trial.problems)
        fitting = sum(1 for found in attempts if not found)
        if fitting == 1:
            return
        if fitting > 1:
            self.add((*loc, tag), "is required: the value fits more than one kind", "missing")
            return
        fewest: list[Problem] = min(attempts, key=len)
        self.problems.extend(fewest)

    def _implicit_tag(
        self, schema: Mapping[str, Any], members: Sequence[Mapping[str, Any]]
    ) -> str | None:
        """A property every member requires with a `const` of its own (interact's
        ``initial_message_type``): a discriminator in all but name, so a value is judged
        by the member it names, not by whichever member it came closest to."""
        if len(members) < 2:
            return None
        key = id(schema)
        if key not in _IMPLICIT_TAGS:
            _IMPLICIT_TAGS[key] = self._find_implicit_tag(members)
        return _IMPLICIT_TAGS[key]

    def _find_implicit_tag(self, members: Sequence[Mapping[str, Any]]) -> str | None:
        schemas = [self.resolve(m) for m in members]
        first = schemas[0].get("properties", {})
        for name, prop in first.items():
            if "const" not in prop:
                continue
            consts = [s.get("properties", {}).get(name, {}).get("const") for s in schemas]
            required = all(name in s.get("required", ()) for s in schemas)
            if required and None not in consts and len(set(map(repr, consts))) == len(consts):
                return str(name)
        return None

    def _tags(
        self, schema: Mapping[str, Any], members: Sequence[Mapping[str, Any]], tag: str
    ) -> dict[str, Mapping[str, Any]]:
        mapping = schema.get("discriminator", {}).get("mapping")
        if mapping:
            return {key: {"$ref": ref} for key, ref in mapping.items()}
        out: dict[str, Mapping[str, Any]] = {}
        for member in members:
            const = self.resolve(member).get("properties", {}).get(tag, {}).get("const")
            if isinstance(const, str):
                out[const] = member
        return out

    def single(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """The one schema a value takes: a nullable union's only real member, resolved."""
        schema = self.resolve(schema)
        members = schema.get("anyOf") or schema.get("oneOf") or ()
        real = [
            self.resolve(m)
            for m in members
            if m.get("$ref") != _NOT_SET and self.resolve(m).get("type") != "null"
        ]
        return real[0] if len(real) == 1 else schema

    def kinds(self, schema: Mapping[str, Any]) -> set[str]:
        """The non-null JSON kinds a schema (or its union's members) admits."""
        schema = self.resolve(schema)
        members = schema.get("anyOf") or schema.get("oneOf")
        if members is None:
            return {self._kind_of(schema)}
        found = set().union(*(self.kinds(m) for m in members if m.get("$ref") != _NOT_SET))
        return found - {"null"}

    def _kind_of(self, schema: Mapping[str, Any]) -> str:
        """The JSON kind a member asks for; "any" for a nested union or no type."""
        kind = self.resolve(schema).get("type")
        return kind if isinstance(kind, str) else "any"

    def _kinds(self, members: Sequence[Mapping[str, Any]]) -> str:
        words = []
        for member in members:
            word = _KIND_WORDS.get(self._kind_of(member), "a value")
            if word not in words:
                words.append(word)
        return " or ".join(words) or "a value"

    # -- kinds

    def _string(
        self, schema: Mapping[str, Any], value: str, loc: tuple[str | int, ...], stripped: bool
    ) -> None:
        if stripped:  # the server strips first: judge what it will judge
            value = value.strip()
            if not value:
                self.add(loc, "must not be empty or only whitespace")
                return
        low, high = schema.get("minLength"), schema.get("maxLength")
        if low is not None and len(value) < low:
            self.add(loc, f"must be at least {low} character(s) long; got {len(value)}")
        elif high is not None and len(value) > high:
            self.add(loc, f"must be at most {high} characters long; got {len(value)}")
        pattern = schema.get("pattern")
        if pattern is not None and compiled(pattern).search(value) is None:
            self.add(loc, f"must match {pattern}; got {short(value)}")
        fmt = schema.get("format")
        if not isinstance(fmt, str) or not (self.request or fmt == "date-time"):
            return
        check = _FORMATS.get(fmt)
        if check is not None and not check(value):
            self.add(loc, f"must be {_FORMAT_WORDS[fmt]}; got {short(value)}")

    def _number(self, schema: Mapping[str, Any], value: float, loc: tuple[str | int, ...]) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            self.add(loc, f"must be a finite number; got {value}")
            return
        for key, words, strict, lower in _BOUNDS:
            bound = schema.get(key)
            if bound is None:
                continue
            inside = value > bound if lower else value < bound
            if not inside and (strict or value != bound):
                self.add(loc, f"must be {words} {bound}; got {value}")
                return

    def _array(
        self, schema: Mapping[str, Any], value: Sequence[object], loc: tuple[str | int, ...]
    ) -> None:
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None and len(value) < low:
            self.add(loc, f"must hold at least {low} item(s); got {len(value)}")
        elif high is not None and len(value) > high:
            self.add(loc, f"must hold at most {high} item(s); got {len(value)}")
        prefix = schema.get("prefixItems")
        items = schema.get("items")
        for index, item in enumerate(value):
            if prefix is not None and index < len(prefix):
                self.check(prefix[index], item, (*loc, index))
            elif isinstance(items, Mapping):
                self.check(items, item, (*loc, index))
        if schema.get("uniqueItems"):
            self._unique(value, loc)

    def _unique(self, value: Sequence[object], loc: tuple[str | int, ...]) -> None:
        seen: list[str] = []
        for index, item in enumerate(value):
            key = json.dumps(item, sort_keys=True, default=str)
            if key in seen:
                self.add((*loc, index), f"repeats an earlier item: {short(item)}")
                return
            seen.append(key)

    def _object(
        self, schema: Mapping[str, Any], value: Mapping[Any, Any], loc: tuple[str | int, ...]
    ) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                self.add((*loc, name), "is required", "missing")
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if low is not None and len(value) < low:
            self.add(loc, f"must hold at least {low} entries; got {len(value)}")
        elif high is not None and len(value) > high:
            self.add(loc, f"must hold at most {high} entries; got {len(value)}")
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        required = set(schema.get("required", ()))
        for key, item in value.items():
            where = (*loc, key if key in properties else _cut(str(key)))
            if names is not None:
                self.check(names, key, where)
            if key in properties:
                if item is None and key not in required:
                    self._optional_null(properties[key], where)
                    continue
                self.check(properties[key], item, where)
            elif extra is False:
                self.add(where, "is not a documented field", "extra")
            elif isinstance(extra, Mapping) and extra:
                self.check(extra, item, where)


def _is_clearable(schema: Mapping[str, Any]) -> bool:
    """Null and "left out" documented apart (``anyOf`` with ``_NotSet``): null clears."""
    members = schema.get("anyOf") or schema.get("oneOf") or ()
    return any(m.get("$ref") == _NOT_SET for m in members)


_BOUNDS = (  # keyword, words, strict, a lower bound
    ("minimum", "at least", False, True),
    ("maximum", "at most", False, False),
    ("exclusiveMinimum", "more than", True, True),
    ("exclusiveMaximum", "less than", True, False),
)

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


def _is_aware_datetime(value: str) -> bool:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed.utcoffset() is not None


def _is_duration(value: str) -> bool:
    try:
        parse_iso_duration(value)
    except ValueError:
        return False
    return True


_FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": _is_aware_datetime,
    "duration": _is_duration,
    "email": lambda value: _EMAIL.fullmatch(value) is not None,
    "uri": lambda value: _URI.fullmatch(value) is not None,
}
_FORMAT_WORDS = {
    "date-time": "a timezone-aware ISO 8601 date-time",
    "duration": "an ISO 8601 duration",
    "email": "an email address",
    "uri": "a URI",
}


@lru_cache(maxsize=512)
def compiled(pattern: str) -> re.Pattern[str]:
    """A JSON Schema pattern (it searches); a final ``$`` ends the text, as the server reads
    it, not a final line (Python's ``$`` also matches before a trailing newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


_IMPLICIT_TAGS: dict[int, str | None] = {}
"""id(a union schema of the data) -> its implicit tag: found once (see `_ENUMS`)."""

_ENUMS: dict[int, frozenset[object]] = {}
"""id(an enum list of the data) -> its values: built once, whatever its length (the
data lives as long as the process, so an id is never reused)."""


def _is_one_of(value: object, choices: list[object]) -> bool:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return any(value is c or (type(value) is type(c) and value == c) for c in choices)
    values = _ENUMS.get(id(choices))
    if values is None:
        values = _ENUMS[id(choices)] = frozenset(c for c in choices if not isinstance(c, bool))
    return value in values


def _choices(choices: list[object]) -> str:
    if len(choices) > 12:
        return f"the {len(choices)} documented values"
    return ", ".join(repr(c) for c in choices)


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
