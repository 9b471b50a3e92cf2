"""What the area tests (behaviour sets, metrics, simulations) share: reading what the fake
saw, capturing what it answered (to validate against the snapshot), and a sync client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _schema import problems, response_schema
from anyio.from_thread import start_blocking_portal

from amigo_async import sync
from amigo_async.testing import FakeAmigoServer, RecordedRequest
from amigo_async.testing._app import HANDLERS, Call, Reply

__all__ = ["capture_replies", "last", "query", "schema_problems", "sent_body", "sync_client"]

Captured = list[tuple[str, Reply]]


def last(fake: FakeAmigoServer, operation_id: str) -> RecordedRequest:
    return [r for r in fake.requests if r.operation_id == operation_id][-1]


def query(request: RecordedRequest) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in request.query:
        found.setdefault(key, []).append(value)
    return found


def sent_body(request: RecordedRequest) -> Any:
    return json.loads(request.body) if request.body else None


def capture_replies(monkeypatch: pytest.MonkeyPatch, area: str) -> Captured:
    """Every reply the fake's handlers of `area` give from now on."""
    from amigo_async import OPERATIONS

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
        schema = response_schema(operation_id, reply.status)
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
