"""A resource only describes operations: it can be tested with a stub transport, no HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from amigo_async._validation import check_request
from amigo_async.models import ModelsResponse
from amigo_async.resources.admin import AdminResource
from amigo_async.resources.tools import ToolsResource


class StubTransport:
    """Records what a resource asks for and answers from a script."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def request_json(self, operation_id: str, into: type[Any], **options: Any) -> Any:
        self.calls.append(("request_json", operation_id, options))
        return self.answer

    async def request_none(self, operation_id: str, **options: Any) -> None:
        self.calls.append(("request_none", operation_id, options))

    def paginate(self, operation_id: str, into: type[Any], params: Any, **options: Any) -> Any:
        self.calls.append(("paginate", operation_id, {"params": params, **options}))
        return self.answer


async def test_a_resource_runs_on_a_stub_transport() -> None:
    stub = StubTransport(ModelsResponse(models=[]))
    assert await AdminResource(stub).get_models() == []  # type: ignore[arg-type]
    assert stub.calls == [("request_json", "get-models", {})]


async def test_a_resource_leaves_checking_to_the_transport_s_one_pass() -> None:
    stub = StubTransport(None)
    tools = ToolsResource(stub)  # type: ignore[arg-type]
    await tools.deprecate("not-an-object-id")
    [(kind, operation_id, options)] = stub.calls
    assert (kind, operation_id) == ("request_none", "deprecate-tool")
    with pytest.raises(ValueError, match=r"^tool_id must match"):
        check_request(operation_id, options.get("path_params"), options.get("params"))


def test_a_list_is_described_by_its_operation_id_and_filters() -> None:
    stub = StubTransport("pager")
    tools = ToolsResource(stub)  # type: ignore[arg-type]
    assert tools.list(deprecated=False, limit=5) == "pager"
    [(kind, operation_id, options)] = stub.calls
    assert (kind, operation_id) == ("paginate", "get-tools")
    assert options["params"]["deprecated"] is False
    assert options["limit"] == 5
