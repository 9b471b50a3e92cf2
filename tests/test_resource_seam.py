"""A resource only describes operations: it runs on any `Transport`, no HTTP needed.

`StubTransport` satisfies the `amigo_async.resources._base.Transport` protocol as
it is (tests/test_typed_surface.py type-checks this file with ``mypy --strict``),
so a resource test needs no ``type: ignore`` to hand it one.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TypeVar, cast

import pytest

import amigo_async.resources as resources_package
from amigo_async._auth import Credentials, TokenCredentials
from amigo_async._body import StreamedBody
from amigo_async._pagination import AsyncPager, Page, PageToken
from amigo_async._paths import QueryValue
from amigo_async._request import FormFields
from amigo_async._validation import check_request
from amigo_async.models import LLMModel, ModelsResponse
from amigo_async.models.tools import Tool
from amigo_async.resources._base import Transport
from amigo_async.resources.admin import AdminResource
from amigo_async.resources.tools import ToolsResource

T = TypeVar("T")

Call = tuple[str, str, dict[str, object]]


class StubTransport:
    """Records what a resource asks for and answers `answer` (or no items)."""

    def __init__(self, answer: object = None) -> None:
        self.answer = answer
        self.calls: list[Call] = []
        self.credentials: Credentials = TokenCredentials("stub-token", organization="acme")

    async def request_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> T:
        self.calls.append(("request_json", operation_id, {"params": params}))
        assert isinstance(self.answer, into)
        return self.answer

    async def request_optional_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
    ) -> T | None:
        self.calls.append(("request_optional_json", operation_id, {"params": params}))
        return None

    async def request_none(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> None:
        self.calls.append(("request_none", operation_id, {"path_params": path_params}))

    def stream(
        self,
        operation_id: str,
        *,
        accept: str,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AbstractAsyncContextManager[StreamedBody]:
        self.calls.append(("stream", operation_id, {"accept": accept}))
        return self._no_body()

    @asynccontextmanager
    async def _no_body(self) -> AsyncIterator[StreamedBody]:
        raise AssertionError("this stub sends no streams")
        yield  # pragma: no cover

    def check(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
    ) -> None:
        self.calls.append(("check", operation_id, {"params": params, "json_body": json_body}))

    def paginate(
        self,
        operation_id: str,
        into: type[object],
        item: type[T],
        params: Mapping[str, QueryValue],
        *,
        path_params: Mapping[str, object] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[T]:
        self.calls.append(("paginate", operation_id, {"params": params, "limit": limit}))

        async def no_items(token: PageToken) -> Page[T]:
            return Page(items=[], has_more=False)

        return AsyncPager(no_items, first_token=0, operation_id=operation_id)

    def url(self, operation_id: str, path_params: Mapping[str, object] | None = None) -> str:
        return f"https://stub.invalid/{operation_id}"

    async def basic_credential(self) -> tuple[str, str]:
        return "acme_stub-user", "stub-token"


def _as_transport(stub: StubTransport) -> Transport:
    """Where the type checker proves the stub is a whole `Transport` (no cast, no ignore)."""
    return stub


async def test_a_resource_runs_on_a_stub_transport() -> None:
    stub = StubTransport(ModelsResponse(models=[]))
    models: list[LLMModel] = await AdminResource(_as_transport(stub)).get_models()
    assert models == []
    assert stub.calls == [("request_json", "get-models", {"params": None})]


async def test_a_resource_leaves_checking_to_the_transport_s_one_pass() -> None:
    stub = StubTransport()
    tools = ToolsResource(_as_transport(stub))
    await tools.deprecate("not-an-object-id")
    [(kind, operation_id, options)] = stub.calls
    assert (kind, operation_id) == ("request_none", "deprecate-tool")
    path_params = options.get("path_params")
    assert isinstance(path_params, dict)
    with pytest.raises(ValueError, match=r"^tool_id must match"):
        check_request(operation_id, path_params, None)


async def test_a_list_is_described_by_its_operation_id_and_filters() -> None:
    stub = StubTransport()
    pager: AsyncPager[Tool] = ToolsResource(stub).list(deprecated=False, limit=5)
    assert await pager.to_list() == []
    [(kind, operation_id, options)] = stub.calls
    assert (kind, operation_id) == ("paginate", "get-tools")
    assert cast(Mapping[str, object], options["params"])["deprecated"] is False
    assert options["limit"] == 5


def _transport_members_used() -> set[str]:
    """Every ``transport.x`` / ``self._transport.x`` attribute the resources read."""
    used: set[str] = set()
    for path in Path(inspect.getfile(resources_package)).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name):
                owner = node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id
                if owner in ("_transport", "transport"):
                    used.add(node.attr)
    return used


def test_the_protocol_lists_exactly_what_resources_use() -> None:
    declared = {name for name in vars(Transport) if not name.startswith("_")}
    assert _transport_members_used() == declared


def test_resources_never_import_a_layer_above_them() -> None:
    """Jobs use resources (the scan is `jobs.scan.ToolsWithScan`), never the reverse."""
    upward: list[str] = []
    for path in Path(inspect.getfile(resources_package)).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                top = (node.module or "").split(".")[0]
                if top in ("jobs", "cli", "_client", "sync", "testing"):
                    upward.append(f"{path.name}: {node.module}")
    assert upward == []
