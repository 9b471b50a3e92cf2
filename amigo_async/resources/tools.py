"""Tool endpoints: tools, versions, env vars, test and invoke, invocations, the scaffold.

Every method is keyed to one operationId and checks its input before anything is
sent, so a bad id or an over-cap limit never spends a rate-limit token. Lists
come back as `AsyncPager`s; what each documents (items field, token field,
`limit` cap and default, first token, sort fields) is in the operations table.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._checks import (
    USER_VARIABLE_PATTERN,
    check_count,
    check_envvar_name,
    check_non_empty,
    check_one_of,
    check_optional_bool,
    check_pattern,
    unique_items,
)
from .._pagination import AsyncPager
from ..models import converter
from ..models.facts import INVOCATION_MODES, MAX_INPUTS, MAX_USER_VARIABLES
from ..models.tools import (
    CreatedTool,
    EnvVarDelete,
    EnvVarInsert,
    EnvVarUpdate,
    InvocationResult,
    InvocationResults,
    InvokeToolVersionRequest,
    ModifyToolEnvVarsRequest,
    PublishedToolVersion,
    PublishToolVersionRequest,
    TestToolRequest,
    Tool,
    ToolInput,
    ToolInvocation,
    ToolInvocationList,
    ToolInvocationSearchResult,
    ToolList,
    ToolVersion,
    ToolVersionList,
)
from ._base import Resource
from ._listing import as_list
from ._streaming import DEFAULT_CHUNK_SIZE, download, stream_body

if TYPE_CHECKING:
    from .._paths import QueryValue
    from ._base import Transport
    from .tool_repo import ToolRepoResource

__all__ = ["ToolsResource"]

T = TypeVar("T")


def _tags(tags: Mapping[str, str | None] | None) -> object:
    """Tags as the JSON object sent (plain JSON, so the validation pass sees what was given)."""
    return dict(tags) if isinstance(tags, Mapping) else tags


def _check_user_variables(name: str, variables: Mapping[str, str]) -> None:
    if len(variables) > MAX_USER_VARIABLES:
        raise ValueError(f"{name} must hold at most {MAX_USER_VARIABLES} variables")
    for key, value in variables.items():
        check_pattern(f"{name} key", key, USER_VARIABLE_PATTERN)
        if not isinstance(value, str):
            raise TypeError(f"{name}[{key!r}] must be a str")


def _check_inputs(inputs: Iterable[ToolInput | Mapping[str, Any]]) -> list[ToolInput]:
    """1-10 inputs; a plain mapping is taken as one input's `input_parameters`."""
    if isinstance(inputs, ToolInput | Mapping | str | bytes):
        raise TypeError("inputs must be a list of ToolInput (or of input-parameter mappings)")
    checked: list[ToolInput] = []
    for index, item in enumerate(inputs):
        name = f"inputs[{index}]"
        if isinstance(item, Mapping):
            item = ToolInput(input_parameters=dict(item))
        if not isinstance(item, ToolInput):
            raise TypeError(f"{name} must be a ToolInput or a mapping, not {type(item).__name__}")
        check_one_of(f"{name}.invocation_mode", item.invocation_mode, INVOCATION_MODES)
        _check_user_variables(
            f"{name}.nonsensitive_user_variables", item.nonsensitive_user_variables
        )
        _check_user_variables(f"{name}.sensitive_user_variables", item.sensitive_user_variables)
        checked.append(item)
    check_count("inputs", checked, min_items=1, max_items=MAX_INPUTS)
    return checked


def _check_envvars(name: str, values: Mapping[str, str] | None) -> dict[str, str]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise TypeError(f"{name} must be a mapping of name to value")
    for key, value in values.items():
        check_non_empty(f"{name} key", key)
        if not isinstance(value, str):
            raise TypeError(f"{name}[{key!r}] must be a str")
    return dict(values)


def _check_envvar_items(name: str, items: Iterable[Any], cls: type[T]) -> list[T]:
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise TypeError(f"{name} must be a list of {cls.__name__}")
    checked = list(items)
    for index, item in enumerate(checked):
        if not isinstance(item, cls):
            raise TypeError(f"{name}[{index}] must be a {cls.__name__}")
        check_envvar_name(f"{name}[{index}].name", item.name)  # type: ignore[attr-defined]
        value = getattr(item, "value", "")
        if not isinstance(value, str):
            raise TypeError(f"{name}[{index}].value must be a str, not {type(value).__name__}")
        check_optional_bool(f"{name}[{index}].is_secret", getattr(item, "is_secret", None))
    return checked


# -- the resource -----------------------------------------------------------------


class ToolsResource(Resource):
    """``client.tools``: the Tool endpoints; ``client.tools.repo`` the tool repository."""

    repo: ToolRepoResource

    def __init__(self, transport: Transport) -> None:
        super().__init__(transport)
        from .tool_repo import ToolRepoResource  # tool_repo imports this module's helpers

        self.repo = ToolRepoResource(transport)

    # tools

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        deprecated: bool | None = None,
        sort_by: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[Tool]:
        """get-tools: ``async for tool in client.tools.list(deprecated=False)``.

        `tag` entries use the syntax ``key:value`` (``key:*`` any value, ``key:`` a
        null value). Pages hold `limit` tools (at most 20; the cap when left out).
        First pages carry ``filter_values`` in ``page.extra``.
        """
        ids = unique_items(as_list(ids))
        sort = as_list(sort_by)
        tags = as_list(tag)
        params: dict[str, QueryValue] = {
            "id": ids,
            "deprecated": deprecated,
            "sort_by": sort,
            "tag": tags,
        }
        return self._transport.paginate(
            "get-tools", ToolList, Tool, params, limit=limit, max_items=max_items
        )

    async def create(
        self, name: str, description: str, *, tags: Mapping[str, str | None] | None = None
    ) -> CreatedTool:
        """create-tool: a new tool without versions (publish one before using it).

        `name` must match ``^[a-z0-9_]+$`` and be unique among non-deprecated tools
        (else `ConflictError`).
        """
        body = {"name": name, "description": description, "tags": _tags(tags) or {}}
        return await self._transport.request_json("create-tool", CreatedTool, json_body=body)

    async def update(
        self,
        tool_id: str,
        *,
        description: str | None = None,
        tags: Mapping[str, str | None] | None = None,
    ) -> None:
        """modify-tool: only the fields given are sent (and changed)."""
        changes = {"description": description, "tags": _tags(tags)}
        await self._transport.request_none(
            "modify-tool",
            path_params={"tool_id": tool_id},
            json_body={name: value for name, value in changes.items() if value is not None},
        )

    async def deprecate(self, tool_id: str) -> None:
        """deprecate-tool: the tool and all its versions; takes ~1 minute to propagate."""
        await self._transport.request_none("deprecate-tool", path_params={"tool_id": tool_id})

    async def update_envvars(
        self,
        tool_id: str,
        *,
        inserts: Iterable[EnvVarInsert] = (),
        updates: Iterable[EnvVarUpdate] = (),
        deletes: Iterable[EnvVarDelete | str] = (),
    ) -> None:
        """modify-tool-envvars: add, update and delete environment variables in one call."""
        if isinstance(deletes, str | bytes):
            raise TypeError("deletes must be a list of EnvVarDelete or names")
        delete_items = [EnvVarDelete(name=d) if isinstance(d, str) else d for d in deletes]
        request = ModifyToolEnvVarsRequest(
            inserts=_check_envvar_items("inserts", inserts, EnvVarInsert),
            updates=_check_envvar_items("updates", updates, EnvVarUpdate),
            deletes=_check_envvar_items("deletes", delete_items, EnvVarDelete),
        )
        await self._transport.request_none(
            "modify-tool-envvars",
            path_params={"tool_id": tool_id},
            json_body=converter.unstructure(request),
        )

    # versions

    def list_versions(
        self,
        tool_id: str,
        *,
        deprecated: bool | None = None,
        versions: str | None = None,
        sort_by: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[ToolVersion]:
        """get-tool-versions: `versions` is a semver constraint such as ``>=1.0,<2``;
        `creator` entries are ``org_id,user_id``. Pages hold at most 50."""
        sort = as_list(sort_by)
        creators = as_list(creator)
        params: dict[str, QueryValue] = {
            "deprecated": deprecated,
            "versions": versions,
            "sort_by": sort,
            "creator": unique_items(creators),
        }
        return self._transport.paginate(
            "get-tool-versions",
            ToolVersionList,
            ToolVersion,
            params,
            path_params={"tool_id": tool_id},
            limit=limit,
            max_items=max_items,
        )

    async def publish_version(
        self, tool_id: str, *, project_path: str, bump_type: str
    ) -> PublishedToolVersion:
        """publish-tool-version: build and publish; takes 1-5 minutes (a long timeout applies).

        `bump_type` is ``major`` (use it for a tool's first version), ``minor`` or ``patch``.
        """
        request = PublishToolVersionRequest(project_path=project_path, bump_type=bump_type)
        return await self._transport.request_json(
            "publish-tool-version",
            PublishedToolVersion,
            path_params={"tool_id": tool_id},
            json_body=converter.unstructure(request),
        )

    async def deprecate_versions(self, tool_id: str, versions: str) -> None:
        """deprecate-tool-version: every version matching a constraint (``<2``, ``==1.2.0``)."""
        await self._transport.request_none(
            "deprecate-tool-version", path_params={"tool_id": tool_id, "versions": versions}
        )

    # test and invoke

    async def test(
        self,
        *,
        commit_branch: str,
        project_path: str,
        inputs: Iterable[ToolInput | Mapping[str, Any]],
        required_envvars: Mapping[str, str] | None = None,
        required_secret_envvars: Mapping[str, str] | None = None,
    ) -> builtins.list[InvocationResult]:
        """test-tool: build the tip of `commit_branch` and run it on 1-10 inputs.

        The documented limit is 1 request per minute; the client paces to it.
        """
        request = TestToolRequest(
            inputs=_check_inputs(inputs),
            commit_branch=commit_branch,
            project_path=project_path,
            required_envvars=_check_envvars("required_envvars", required_envvars),
            required_secret_envvars=_check_envvars(
                "required_secret_envvars", required_secret_envvars
            ),
        )
        body = await self._transport.request_json(
            "test-tool", InvocationResults, json_body=converter.unstructure(request)
        )
        return body.invocation_results

    async def invoke_version(
        self, tool_id: str, version: str, inputs: Iterable[ToolInput | Mapping[str, Any]]
    ) -> builtins.list[InvocationResult]:
        """invoke-tool-version: one result per input (1-10), in order."""
        request = InvokeToolVersionRequest(inputs=_check_inputs(inputs))
        body = await self._transport.request_json(
            "invoke-tool-version",
            InvocationResults,
            path_params={"tool_id": tool_id, "version": version},
            json_body=converter.unstructure(request),
        )
        return body.invocation_results

    # invocations

    def list_invocations(
        self,
        *,
        tool_id: Iterable[str] | None = None,
        version: Iterable[str] | None = None,
        invocation_source_type: Iterable[str] | None = None,
        conversation_id: Iterable[str] | None = None,
        simulation_unit_test_set_run_id: Iterable[str] | None = None,
        succeeded: bool | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[ToolInvocation]:
        """get-tool-invocations: ``async for i in client.tools.list_invocations(succeeded=False)``.

        `version[i]` is a semver constraint for `tool_id[i]`; when given, the two
        lists must have the same length. Pages hold at most 100.
        """
        tool_ids = as_list(tool_id)
        versions = as_list(version)
        if not versions:  # without versions a repeated id means the id once
            tool_ids = as_list(unique_items(tool_ids))
        params: dict[str, QueryValue] = {
            "tool_id": tool_ids,
            "version": versions,
            **_invocation_filters(
                invocation_source_type, conversation_id, simulation_unit_test_set_run_id, succeeded
            ),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-tool-invocations",
            ToolInvocationList,
            ToolInvocation,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search_invocations(
        self,
        query: str,
        *,
        query_against: Iterable[str],
        tool_id: Iterable[str] | None = None,
        invocation_source_type: Iterable[str] | None = None,
        conversation_id: Iterable[str] | None = None,
        simulation_unit_test_set_run_id: Iterable[str] | None = None,
        succeeded: bool | None = None,
    ) -> builtins.list[ToolInvocation]:
        """search-tool-invocations: text search over outputs and exceptions (not paginated).

        `query_against` names the fields to search, among `QUERY_AGAINST_FIELDS`
        (pass ``QUERY_AGAINST_FIELDS`` itself for all of them). The documents make
        it required with no default, so it must be given; an empty list is refused.
        """
        params: dict[str, QueryValue] = {
            "query": query,
            "query_against": unique_items(as_list(query_against)),
            "tool_id": as_list(tool_id),
            **_invocation_filters(
                invocation_source_type, conversation_id, simulation_unit_test_set_run_id, succeeded
            ),
        }
        result = await self._transport.request_json(
            "search-tool-invocations", ToolInvocationSearchResult, params=params
        )
        return result.tool_invocations

    # scaffold

    def stream_scaffold(self, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """get-tool-scaffold-release: the tar.gz as it arrives, never whole in memory.

        The gzip stream is checked on the way: an archive cut short raises
        `TruncatedStreamError` after the last chunk.
        """
        _check_chunk_size(chunk_size)
        return stream_body(
            self._transport,
            "get-tool-scaffold-release",
            accept="application/gzip",
            chunk_size=chunk_size,
            gzip=True,
        )

    async def download_scaffold(
        self, destination: str | os.PathLike[str], *, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> int:
        """get-tool-scaffold-release into `destination`, whole or not at all; bytes written."""
        return await download(self.stream_scaffold(chunk_size=chunk_size), destination)


def _check_chunk_size(chunk_size: int) -> None:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError("chunk_size must be a positive int")


def _invocation_filters(
    invocation_source_type: Iterable[str] | None,
    conversation_id: Iterable[str] | None,
    simulation_unit_test_set_run_id: Iterable[str] | None,
    succeeded: bool | None,
) -> dict[str, QueryValue]:
    """The filters get-tool-invocations and search-tool-invocations share, checked."""
    source_types = as_list(invocation_source_type)
    run_ids = as_list(simulation_unit_test_set_run_id)
    return {
        "invocation_source_type": unique_items(source_types),
        "conversation_id": unique_items(as_list(conversation_id)),
        "simulation_unit_test_set_run_id": unique_items(run_ids),
        "succeeded": succeeded,
    }
