"""Generic create/read/update/delete behaviour for fake endpoints, answering like the real server.

Most areas of the API are records keyed by an id, listed with a continuation
token and refused with the same few statuses. This module holds that once; a
route module keeps only what its area means:

    @handler("get-webhook-destinations")
    async def get_destinations(call: Call) -> Reply:
        ...
        return listing(call, "get-...", store.values())

`Store` holds the records (404 for an unknown id, 409 for a duplicate), `body_of`
reads a body with the generated request model, `matching`/`tagged` are the
documented list filters and `listing` sorts and pages as the operations table says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from ..models import structure, unstructure
from ._app import Call, Refused, Reply, json_reply, paginate
from ._app import paging_of as _paging_of

__all__ = [
    "Store",
    "body_of",
    "drop_not_set",
    "fields_of",
    "listing",
    "matching",
    "sorted_by_query",
    "tag_list",
    "tagged",
    "tags_of",
    "values_at",
    "with_organization",
]

T = TypeVar("T")


# Fields the snapshot types as `X | _NotSet | null`: `{}` (`_NotSet`) means "leave unchanged",
# which the generated models read as the field left out (the official SDK sends `{}`).
_NOT_SET_FIELDS: dict[str, tuple[str, ...]] = {
    "update-user-info": ("preferred_language", "timezone"),
    "update-metric": ("additional_notes",),
    "create-simulation-persona": ("initial_version.preferred_language", "initial_version.timezone"),
    "create-simulation-persona-version": ("preferred_language", "timezone"),
    "update-simulation-unit-test-set": ("description",),
}


def drop_not_set(operation_id: str, data: dict[str, Any]) -> None:
    """Remove the object values ("leave unchanged": `_NotSet` is any object, usually `{}`)
    of the operation's `_NotSet` fields."""
    for path in _NOT_SET_FIELDS.get(operation_id, ()):
        *parents, name = path.split(".")
        node: Any = data
        for parent in parents:
            node = node.get(parent) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(name), dict):
            del node[name]


def body_of(call: Call, cls: type[T]) -> T:
    """The request body as the generated model `cls`, or 422 naming the first misfit field."""
    data = call.json()  # an object: the pass checked it fits the model
    drop_not_set(call.operation.id, data)
    return structure(_integral(data), cls)


def _integral(value: Any) -> Any:
    """Whole floats as ints, as pydantic's lax mode reads 3.0 for an int field (cattrs does
    not); a float field takes the int as well."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral(item) for item in value]
    return value


def fields_of(model: Any) -> dict[str, Any]:
    """A request model as a JSON-ready dict with every top-level field, None when left out.

    The client leaves None fields out of a request body; a route reads
    ``changes["tags"] is None`` as "not sent" either way.
    """
    return {**{field.name: None for field in attrs.fields(type(model))}, **unstructure(model)}


class Store:
    """Records of one kind, JSON-ready dicts keyed by their `key` field, in insertion order."""

    def __init__(self, what: str, key: str = "id", records: Iterable[dict[str, Any]] = ()) -> None:
        self.what = what  # "Webhook destination": names the record in 404/409 details
        self.key = key
        self.records: dict[str, dict[str, Any]] = {}
        for record in records:
            self.add(record)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.records

    def values(self) -> list[dict[str, Any]]:
        return list(self.records.values())

    def add(self, record: dict[str, Any]) -> dict[str, Any]:
        self.records[record[self.key]] = record
        return record

    def get(self, record_id: str) -> dict[str, Any]:
        record = self.records.get(record_id)
        if record is None:
            raise Refused(404, f"{self.what} {record_id} not found.")
        return record

    def update(self, record_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge the changes that are not None (a field left out of an update is kept)."""
        record = self.get(record_id)
        record.update({name: value for name, value in changes.items() if value is not None})
        return record

    def delete(self, record_id: str) -> dict[str, Any]:
        record = self.get(record_id)
        del self.records[record_id]
        return record

    def unique(
        self,
        field: str,
        value: Any,
        *,
        but: str | None = None,
        counted: Callable[[dict[str, Any]], bool] = lambda record: True,
    ) -> None:
        """Refuse with 409 when a record other than `but` already has `value` in `field`
        (among the `counted` ones: where a deleted or inactive record frees its name)."""
        for record in self.records.values():
            if record.get(field) == value and record[self.key] != but and counted(record):
                raise Refused(409, f"A {self.what.lower()} with {field} {value!r} already exists.")


def matching(
    call: Call, items: Iterable[dict[str, Any]], query: str, field: str | None = None
) -> list[dict[str, Any]]:
    """Records whose `field` (dotted path; default: the query's name), or one of its values
    when it is a list, is among ``query=`` values."""
    wanted = set(call.query_all(query))
    if not wanted:
        return list(items)
    path = field or query
    return [item for item in items if wanted & {str(v) for v in values_at(item, path)}]


def tagged(
    call: Call, items: Iterable[dict[str, Any]], query: str = "tags"
) -> list[dict[str, Any]]:
    """The documented ``key:value`` tag filter: every entry must match (``key:*`` any value,
    ``key:`` no value; an empty key matches nothing). A record's ``tags`` hold a
    ``{key: value}`` dict or a list of ``{key, value}``."""
    wanted = [entry.partition(":")[::2] for entry in call.query_all(query)]

    def fits(tags: dict[str, Any]) -> bool:
        return all(
            key in tags and (value == "*" or (tags[key] or "") == value) for key, value in wanted
        )

    return [item for item in items if fits(tags_of(item))]


def with_organization(record: Mapping[str, Any], organization: str) -> dict[str, Any]:
    """A stored record as served: the organization id on it and on its creator and updater
    (seeds do not know the organization; their user infos leave it empty or out)."""
    served = {**record, "org_id": organization}
    for key in ("creator", "updated_by"):
        user = record.get(key)
        if isinstance(user, dict):
            field = "user_org_id" if "user_org_id" in user else "org_id"
            served[key] = {**user, field: user.get(field) or organization}
    return served


def tag_list(tags: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """A request's ``{key: value}`` tags as the ``[{key, value}]`` list most records store."""
    return [{"key": key, "value": value} for key, value in tags.items()]


def tags_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """A record's tags as ``{key: value}``, whether stored as a dict or a list of pairs."""
    tags = item.get("tags") or {}
    return tags if isinstance(tags, dict) else {tag["key"]: tag["value"] for tag in tags}


def listing(
    call: Call,
    operation_id: str,
    items: Iterable[dict[str, Any]],
    extra: Mapping[str, Any] | None = None,
) -> Reply:
    """One page of `items`, sorted and cut as the operation documents; `extra` fields added."""
    paging = _paging_of(operation_id)
    ordered = sorted_by_query(call, items)
    page, has_more, token = paginate(call, ordered, operation_id)
    answer = {paging.items_field: page, "has_more": has_more, paging.token_field: token}
    return json_reply({**answer, **(extra or {})})


def sorted_by_query(
    call: Call, items: Iterable[dict[str, Any]], renamed: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """`items` in the ``sort_by`` order, the first entry the primary key (stable sorts, last
    first); `renamed` maps a sort field's first segment to the record's field name."""
    ordered = list(items)
    for entry in reversed(call.query_all("sort_by")):  # documented fields: checked by the rules
        head, dot, rest = entry.lstrip("+-").partition(".")
        path = (renamed or {}).get(head, head) + dot + rest
        ordered.sort(key=lambda item: _sort_key(_lookup(item, path)), reverse=entry[0] == "-")
    return ordered


def values_at(item: Mapping[str, Any], path: str) -> list[Any]:
    """The value at a dotted path, or its values when it is a list."""
    value = _lookup(item, path)
    return value if isinstance(value, list) else [value]


def _lookup(item: Mapping[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _sort_key(value: Any) -> tuple[bool, Any]:
    """None sorts first; other values by themselves (ISO datetimes sort as strings)."""
    return (value is not None, value if value is not None else 0)
