"""Helpers for the area tests: the last request the fake saw, and answers checked against the
snapshot's response schemas (a minimal JSON-schema validator; jsonschema is not a dependency)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import attrs
import pytest
from _snapshot import snapshot
from anyio.from_thread import start_blocking_portal

from amigo_async import sync
from amigo_async._spec import OPERATIONS
from amigo_async.testing import FakeAmigoServer, RecordedRequest
from amigo_async.testing._app import HANDLERS, Call, Reply


def last(fake: FakeAmigoServer, operation_id: str) -> tuple[str, str, list[tuple[str, str]], Any]:
    """(method, path below the organization, query pairs, JSON body or None) of the last call."""
    record = [r for r in fake.requests if r.operation_id == operation_id][-1]
    prefix = f"/v1/{fake.organization}"
    body = json.loads(record.body) if record.body else None
    return record.method, record.raw_path.removeprefix(prefix), list(record.query), body


def response_schema(
    operation_id: str, status: str, media_type: str = "application/json"
) -> dict[str, Any] | None:
    """The documented schema of an answer (of one event, for ``application/x-ndjson``)."""
    operation = OPERATIONS[operation_id]
    item = snapshot()["paths"]["/v1/{organization}" + operation.path]
    content = item[operation.method.lower()]["responses"][status].get("content", {})
    schema: dict[str, Any] | None = content.get(media_type, {}).get("schema")
    return schema


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """What does not fit: type, properties, required, items, enum, anyOf/oneOf, $ref, nullable."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return problems(value, snapshot()["components"]["schemas"][name], where)
    if value is None and schema.get("nullable"):
        return []
    for key in ("anyOf", "oneOf"):
        if key in schema:
            fits = [not problems(value, option, where) for option in schema[key]]
            return [] if any(fits) else [f"{where}: fits no {key} option"]
    found: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in enum")
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if kind == "integer" and (type(value) is not int):
        found.append(f"{where}: not an integer")
    elif kind == "number" and type(value) not in (int, float):
        found.append(f"{where}: not a number")
    elif kind in types and type(value) is not types[kind]:
        return [*found, f"{where}: not {kind}"]
    if isinstance(value, dict):
        found += [
            f"{where}.{name}: required" for name in schema.get("required", ()) if name not in value
        ]
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                found += problems(value[name], sub, f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name, sub_value in value.items():
                if name not in schema.get("properties", {}):
                    found += problems(sub_value, extra, f"{where}.{name}")
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, element in enumerate(value):
            found += problems(element, schema["items"], f"{where}[{index}]")
    return found


async def answer(
    fake: FakeAmigoServer, operation_id: str, path: str, *, json_body: Any = None, query: Any = None
) -> tuple[int, Any]:
    """Send one operation to the fake directly; its status and JSON answer (None if empty)."""
    method = OPERATIONS[operation_id].method
    url = f"{fake.url}/v1/{fake.organization}{path}"
    headers = {"Authorization": f"Bearer {fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=json_body, params=query, headers=headers) as response,
    ):
        text = await response.text()
        return response.status, (json.loads(text) if text else None)


# -- the behaviour set, metric and simulation tests: whole records, replies, a sync client --


def recorded(fake: FakeAmigoServer, operation_id: str) -> RecordedRequest:
    """The last request of `operation_id` the fake saw, as recorded."""
    return [r for r in fake.requests if r.operation_id == operation_id][-1]


def query(request: RecordedRequest) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in request.query:
        found.setdefault(key, []).append(value)
    return found


def sent_body(request: RecordedRequest) -> Any:
    return json.loads(request.body) if request.body else None


Captured = list[tuple[str, Reply]]


def capture_replies(monkeypatch: pytest.MonkeyPatch, area: str) -> Captured:
    """Every reply the fake's handlers of `area` give from now on (to check against the snapshot)."""
    captured: Captured = []
    for operation in OPERATIONS.values():
        if operation.area != area or operation.id not in HANDLERS:
            continue

        async def wrapped(call: Call, _inner: Any = HANDLERS[operation.id]) -> Reply:
            reply: Reply = await _inner(call)
            captured.append((call.operation.id, reply))
            return reply

        monkeypatch.setitem(HANDLERS, operation.id, wrapped)
    return captured


def schema_problems(captured: Captured) -> list[str]:
    """What in the captured 2xx answers does not fit the snapshot's response schemas."""
    found = []
    for operation_id, reply in captured:
        schema = response_schema(operation_id, str(reply.status))
        if reply.status < 300 and schema is not None:
            assert isinstance(reply.body, bytes)
            found += [f"{operation_id}: {p}" for p in problems(json.loads(reply.body), schema)]
    return found


@contextmanager
def sync_client() -> Iterator[tuple[sync.AmigoClient, FakeAmigoServer]]:
    """A blocking client and the fake it talks to, on a loop of the fake's own."""
    with start_blocking_portal() as portal:
        server = portal.call(FakeAmigoServer)
        with (
            portal.wrap_async_context_manager(server),
            sync.AmigoClient(
                server.organization, base_url=server.url, token=server.token
            ) as client,
        ):
            yield client, server


# -- every area: whole answers, NDJSON streams line by line --


@attrs.define
class Answer:
    """One 2xx-or-not answer a handler gave; `chunks` fill in as a streamed body is written."""

    operation_id: str
    status: int
    content_type: str
    chunks: list[bytes]


def capture_answers(monkeypatch: pytest.MonkeyPatch, areas: Collection[str]) -> list[Answer]:
    """Every answer the fake's handlers of `areas` give from now on, streamed bodies teed."""
    captured: list[Answer] = []
    for operation in OPERATIONS.values():
        if operation.area not in areas:
            continue

        async def wrapped(call: Call, _inner: Any = HANDLERS[operation.id]) -> Reply:
            reply: Reply = await _inner(call)
            answer = Answer(call.operation.id, reply.status, reply.content_type, [])
            captured.append(answer)
            if isinstance(reply.body, bytes):
                answer.chunks.append(reply.body)
            elif hasattr(reply.body, "__aiter__"):
                reply.body = _tee(reply.body, answer.chunks)
            return reply

        monkeypatch.setitem(HANDLERS, operation.id, wrapped)
    return captured


async def _tee(body: AsyncIterable[bytes], into: list[bytes]) -> AsyncIterator[bytes]:
    async for chunk in body:
        into.append(chunk)
        yield chunk


def answer_problems(answers: list[Answer]) -> list[str]:
    """What in the 2xx JSON answers and NDJSON events does not fit the snapshot."""
    found = []
    for answer in answers:
        body = b"".join(answer.chunks)
        if answer.status >= 300 or not body:
            continue
        where = answer.operation_id
        if answer.content_type == "application/json":
            values = [json.loads(body)]
        elif answer.content_type == "application/x-ndjson":
            values = [json.loads(line) for line in body.splitlines() if line.strip()]
        else:
            continue
        schema = response_schema(where, str(answer.status), answer.content_type)
        assert schema is not None, f"{where}: {answer.content_type} answer is undocumented"
        for index, value in enumerate(values):
            found += [f"{where}[{index}]: {p}" for p in problems(value, schema)]
    return found
