"""client.tools over real HTTP against the fake server: every method, its statuses."""

from __future__ import annotations

import io
import re
import tarfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from amigo_async import AmigoClient, errors
from amigo_async._spec import OPERATIONS
from amigo_async.models.facts import QUERY_AGAINST_FIELDS
from amigo_async.models.tools import (
    EnvVarInsert,
    EnvVarUpdate,
    FailedInvocationResult,
    FailedInvocationStatus,
    SucceededInvocationResult,
    Tool,
    ToolFilterValues,
    ToolInput,
    ToolVersion,
    ToolVersionFilterValues,
)
from amigo_async.testing import FakeAmigoServer, Fault

UNKNOWN_ID = "ffffffffffffffffffffffff"


async def tool_named(client: AmigoClient, name: str) -> Tool:
    async for tool in client.tools.list():
        if tool.name == name:
            return tool
    raise AssertionError(f"no tool named {name}")


async def raw_request(
    fake: FakeAmigoServer, method: str, path: str, *, params: Any = None, json: Any = None
) -> tuple[int, Any]:
    """Bypass the client's checks to see what the fake server itself answers."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            f"{fake.url}/v1/{fake.organization}{path}",
            params=params,
            json=json,
            headers={"Authorization": f"Bearer {fake.token}"},
        ) as response,
    ):
        return response.status, await response.json(content_type=None)


# -- get-tools --------------------------------------------------------------------


async def test_list_yields_every_tool_across_pages(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    names = [tool.name async for tool in client.tools.list(limit=2)]
    assert names == [tool["name"] for tool in fake.state.tools.tools]
    assert fake.count("get-tools") == 3


async def test_list_structures_tools_with_their_organization(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    assert tool.org_id == "acme"
    assert tool.creator.org_id == "acme"
    assert tool.secret_envvars == ["API_KEY"]
    assert tool.created_at is not None and tool.created_at.tzinfo is not None


async def test_list_filters_deprecated(client: AmigoClient) -> None:
    deprecated = [tool.name async for tool in client.tools.list(deprecated=True)]
    assert deprecated == ["legacy_search"]


async def test_list_filters_by_tag_syntax(client: AmigoClient, fake: FakeAmigoServer) -> None:
    support = [tool.name async for tool in client.tools.list(tag=["team:support"])]
    any_stage = [tool.name async for tool in client.tools.list(tag=["stage:*"])]
    null_pii = [tool.name async for tool in client.tools.list(tag=["pii:"])]
    assert support == ["ticket_router"]
    assert any_stage == ["weather_lookup", "legacy_search"]
    assert null_pii == ["crm_sync"]
    assert ("tag", "pii:") in fake.requests[-1].query


async def test_list_filters_by_ids(client: AmigoClient, fake: FakeAmigoServer) -> None:
    wanted = [tool["id"] for tool in fake.state.tools.tools[1:3]]
    found = [tool.id async for tool in client.tools.list(ids=wanted)]
    assert found == wanted


async def test_list_sorts_by_documented_fields(client: AmigoClient) -> None:
    names = [tool.name async for tool in client.tools.list(sort_by=["-name"])]
    assert names == sorted(names, reverse=True)


async def test_list_first_page_carries_filter_values(client: AmigoClient) -> None:
    pages = [page async for page in client.tools.list(limit=4).pages()]
    filter_values = pages[0].extra["filter_values"]
    assert isinstance(filter_values, ToolFilterValues)
    assert "team:core" in filter_values.tags
    assert pages[1].extra == {}


# -- create / modify / deprecate --------------------------------------------------


async def test_create_returns_the_new_id_and_the_tool_is_listed(client: AmigoClient) -> None:
    created = await client.tools.create("shipping_quote", "Quotes shipping.", tags={"team": "ops"})
    tool = await tool_named(client, "shipping_quote")
    assert tool.id == created.id
    assert [(t.key, t.value) for t in tool.tags] == [("team", "ops")]


async def test_create_sends_empty_tags_when_none_are_given(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    await client.tools.create("no_tags", "d")
    assert fake.requests[-1].body == b'{"name":"no_tags","description":"d","tags":{}}'


async def test_create_duplicate_name_is_a_conflict(client: AmigoClient) -> None:
    with pytest.raises(errors.ConflictError) as caught:
        await client.tools.create("calculator", "Again.")
    assert caught.value.status == 409
    assert caught.value.operation_id == "create-tool"


async def test_create_may_reuse_the_name_of_a_deprecated_tool(client: AmigoClient) -> None:
    created = await client.tools.create("legacy_search", "Reborn.")
    assert len(created.id) == 24


async def test_create_too_long_a_name_is_a_bad_request(client: AmigoClient) -> None:
    with pytest.raises(errors.BadRequestError):
        await client.tools.create("x" * 65, "Too long.")


async def test_modify_sends_only_the_given_fields(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool = await tool_named(client, "calculator")
    await client.tools.update(tool.id, description="Adds things up.")
    assert fake.requests[-1].body == b'{"description":"Adds things up."}'
    changed = await tool_named(client, "calculator")
    assert changed.description == "Adds things up."
    assert changed.tags == tool.tags


async def test_modify_replaces_tags(client: AmigoClient) -> None:
    tool = await tool_named(client, "calculator")
    await client.tools.update(tool.id, tags={"team": "math", "beta": None})
    changed = await tool_named(client, "calculator")
    assert {(t.key, t.value) for t in changed.tags} == {("team", "math"), ("beta", None)}


async def test_modify_unknown_tool_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.update(UNKNOWN_ID, description="x")


async def test_deprecate_marks_the_tool_and_its_versions(client: AmigoClient) -> None:
    tool = await tool_named(client, "calculator")
    await client.tools.deprecate(tool.id)
    assert (await tool_named(client, "calculator")).deprecated
    assert all([v.deprecated async for v in client.tools.list_versions(tool.id)])


async def test_deprecate_unknown_tool_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.deprecate(UNKNOWN_ID)


# -- env vars -------------------------------------------------------------------


async def test_modify_envvars_inserts_updates_and_deletes(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool = await tool_named(client, "draft_tool")
    await client.tools.update_envvars(
        tool.id,
        inserts=[
            EnvVarInsert(name="TOKEN", value="s3cret", is_secret=True),
            EnvVarInsert(name="MODE", value="a"),
        ],
    )
    await client.tools.update_envvars(
        tool.id, updates=[EnvVarUpdate(name="MODE", value="b")], deletes=["TOKEN"]
    )
    changed = await tool_named(client, "draft_tool")
    assert changed.envvars == ["MODE"]
    assert changed.secret_envvars == []
    assert fake.state.tools.envvars[tool.id]["MODE"] == ("b", False)


async def test_modify_envvars_inserting_an_existing_name_is_a_conflict(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    with pytest.raises(errors.ConflictError):
        await client.tools.update_envvars(
            tool.id, inserts=[EnvVarInsert(name="REGION", value="eu")]
        )


async def test_modify_envvars_deleting_one_in_use_is_a_bad_request(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    with pytest.raises(errors.BadRequestError):
        await client.tools.update_envvars(tool.id, deletes=["REGION"])


# -- versions -------------------------------------------------------------------


async def test_versions_lists_a_tools_versions(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    versions = await client.tools.list_versions(tool.id).to_list()
    assert [str(v.version) for v in versions] == ["1.0.0", "1.1.0", "1.2.0"]
    assert all(isinstance(v, ToolVersion) and v.tool_id == tool.id for v in versions)


async def test_versions_filter_by_constraint_and_deprecated(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    ranged = [
        str(v.version) async for v in client.tools.list_versions(tool.id, versions=">=1.1,<2")
    ]
    active = [str(v.version) async for v in client.tools.list_versions(tool.id, deprecated=False)]
    assert ranged == ["1.1.0", "1.2.0"]
    assert active == ["1.1.0", "1.2.0"]


async def test_versions_first_page_carries_creators(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool = await tool_named(client, "weather_lookup")
    page = await anext(client.tools.list_versions(tool.id).pages())
    creators = page.extra["filter_values"]
    assert isinstance(creators, ToolVersionFilterValues)
    assert creators.creators[0].user_id == fake.state.tools.user_id


async def test_versions_of_an_unknown_tool_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.list_versions(UNKNOWN_ID).to_list()


async def test_publish_returns_the_bumped_version(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    published = await client.tools.publish_version(
        tool.id, project_path="tools/weather", bump_type="minor"
    )
    assert published.new_version == "1.3.0"
    assert "1.3.0" in [str(v.version) async for v in client.tools.list_versions(tool.id)]


async def test_publish_first_version_with_major(client: AmigoClient) -> None:
    tool = await tool_named(client, "draft_tool")
    published = await client.tools.publish_version(
        tool.id, project_path="tools/calculator", bump_type="major"
    )
    assert published.new_version == "1.0.0"


async def test_publish_unknown_project_directory_is_not_found(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    with pytest.raises(errors.NotFoundError):
        await client.tools.publish_version(tool.id, project_path="tools/nowhere", bump_type="patch")


async def test_publish_beyond_three_active_versions_is_a_bad_request(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    await client.tools.publish_version(tool.id, project_path="tools/weather", bump_type="patch")
    with pytest.raises(errors.BadRequestError):
        await client.tools.publish_version(tool.id, project_path="tools/weather", bump_type="patch")


async def test_deprecate_versions_by_constraint(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    await client.tools.deprecate_versions(tool.id, "<1.2")
    active = [str(v.version) async for v in client.tools.list_versions(tool.id, deprecated=False)]
    assert active == ["1.2.0"]


async def test_deprecate_versions_with_an_invalid_constraint_is_unprocessable(
    client: AmigoClient,
) -> None:
    tool = await tool_named(client, "weather_lookup")
    with pytest.raises(errors.UnprocessableEntityError):
        await client.tools.deprecate_versions(tool.id, "about one")


# -- test and invoke --------------------------------------------------------------


async def test_test_tool_returns_one_result_per_input(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    results = await client.tools.test(
        commit_branch="main",
        project_path="tools/weather",
        inputs=[{"city": "Oslo"}, ToolInput(input_parameters={"raise": "no city"})],
        required_envvars={"REGION": "eu"},
        required_secret_envvars={"API_KEY": "k"},
    )
    assert isinstance(results[0], SucceededInvocationResult)
    assert results[0].output == "city=Oslo"
    assert isinstance(results[1], FailedInvocationResult)
    assert results[1].exception_message == "no city"
    assert b'"invocation_mode":"regular"' in fake.requests[-1].body


async def test_test_tool_unknown_branch_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.test(commit_branch="nope", project_path="tools/weather", inputs=[{}])


async def test_invoke_returns_results_in_order(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    results = await client.tools.invoke_version(
        tool.id, "1.2.0", [{"city": "Lima"}, {"raise": "x"}, {"city": "Oslo"}]
    )
    assert [type(r).__name__ for r in results] == [
        "SucceededInvocationResult",
        "FailedInvocationResult",
        "SucceededInvocationResult",
    ]


async def test_invoke_unknown_version_is_not_found(client: AmigoClient) -> None:
    tool = await tool_named(client, "weather_lookup")
    with pytest.raises(errors.NotFoundError):
        await client.tools.invoke_version(tool.id, "9.9.9", [{}])


async def test_invoke_unknown_tool_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.invoke_version(UNKNOWN_ID, "1.0.0", [{}])


# -- invocations ------------------------------------------------------------------


async def test_invocations_yield_every_invocation(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    ids = [inv.id async for inv in client.tools.list_invocations()]
    assert ids == [inv["id"] for inv in fake.state.tools.invocations]
    assert fake.count("get-tool-invocations") == 3  # 250 at the cap of 100


async def test_invocations_filter_by_succeeded(client: AmigoClient) -> None:
    failed = await client.tools.list_invocations(succeeded=False).to_list()
    assert failed
    assert all(isinstance(inv.invocation_status, FailedInvocationStatus) for inv in failed)


async def test_invocations_filter_by_tool_and_version(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool = await tool_named(client, "weather_lookup")
    found = await client.tools.list_invocations(tool_id=[tool.id], version=["==1.1.*"]).to_list()
    assert found
    assert {(inv.tool_id, str(inv.tool_version)) for inv in found} == {(tool.id, "1.1.0")}
    assert ("version", "==1.1.*") in fake.requests[-1].query


async def test_invocations_filter_by_source_type(client: AmigoClient) -> None:
    found = await client.tools.list_invocations(
        invocation_source_type=["simulation-conversation"]
    ).to_list()
    assert found
    assert {type(inv.invocation_source).__name__ for inv in found} == {
        "SimulationConversationInvocationSource"
    }


async def test_invocations_filter_by_conversation(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    conversation = next(
        inv["invocation_source"]["conversation_id"]
        for inv in fake.state.tools.invocations
        if inv["invocation_source"]["type"] == "regular-conversation"
    )
    found = await client.tools.list_invocations(conversation_id=[conversation]).to_list()
    assert found
    assert {inv.invocation_source.conversation_id for inv in found} == {conversation}  # type: ignore[union-attr]


async def test_invocations_sort_by_duration_descending(client: AmigoClient) -> None:
    found = await client.tools.list_invocations(sort_by=["-created_at"], max_items=5).to_list()
    stamps = [inv.created_at for inv in found]
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]


async def test_search_finds_exception_messages(client: AmigoClient, fake: FakeAmigoServer) -> None:
    found = await client.tools.search_invocations("TIMED OUT", query_against=QUERY_AGAINST_FIELDS)
    assert found
    assert all("timed out" in inv.invocation_status.exception_message for inv in found)  # type: ignore[union-attr]
    sent = [value for key, value in fake.requests[-1].query if key == "query_against"]
    assert len(sent) == 4  # every documented field


async def test_search_only_in_the_given_fields(client: AmigoClient) -> None:
    assert (
        await client.tools.search_invocations(
            "TimeoutError", query_against=["invocation_status.output"]
        )
        == []
    )
    by_type = await client.tools.search_invocations(
        "TimeoutError", query_against=["invocation_status.exception_type"], succeeded=False
    )
    assert by_type


# -- the fake server's own strictness ---------------------------------------------


async def test_server_answers_422_for_a_limit_over_the_cap(fake: FakeAmigoServer) -> None:
    status, body = await raw_request(fake, "GET", "/tool/", params={"limit": "21"})
    assert status == 422
    assert body["detail"][0]["loc"] == ["query", "limit"]


async def test_server_answers_422_for_a_malformed_id(fake: FakeAmigoServer) -> None:
    status, _ = await raw_request(fake, "POST", "/tool/NOT-AN-ID", json={"description": "x"})
    assert status == 422


async def test_server_refuses_versions_and_tool_ids_of_different_lengths(
    fake: FakeAmigoServer,
) -> None:
    """The documents give the rule (one version per tool id), not its status: the fake
    refuses it in its one validation pass, as a 422 naming the parameter."""
    tool_id = fake.state.tools.tools[0]["id"]
    status, body = await raw_request(
        fake,
        "GET",
        "/tool/invocation",
        params=[("tool_id", tool_id), ("version", "1"), ("version", "2")],
    )
    assert status == 422
    assert "version" in str(body)


async def test_server_answers_422_for_an_empty_query_against(fake: FakeAmigoServer) -> None:
    status, _ = await raw_request(fake, "GET", "/tool/invocation/search", params={"query": "x"})
    assert status == 422


async def test_server_answers_422_for_a_bad_tool_name(fake: FakeAmigoServer) -> None:
    status, _ = await raw_request(
        fake, "POST", "/tool/", json={"name": "Bad Name", "description": "d", "tags": {}}
    )
    assert status == 422


# -- scaffold -------------------------------------------------------------------


def archive_names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return archive.getnames()


async def test_scaffold_streams_in_chunks(client: AmigoClient, fake: FakeAmigoServer) -> None:
    chunks = [chunk async for chunk in client.tools.stream_scaffold(chunk_size=8192)]
    assert len(chunks) > 3
    assert max(len(chunk) for chunk in chunks) <= 8192
    assert b"".join(chunks) == fake.state.tools.scaffold
    assert "amigo_tool_scaffold/pyproject.toml" in archive_names(b"".join(chunks))


async def test_scaffold_downloads_to_a_file(
    client: AmigoClient, fake: FakeAmigoServer, tmp_path: Path
) -> None:
    target = tmp_path / "scaffold.tar.gz"
    written = await client.tools.download_scaffold(target)
    assert written == len(fake.state.tools.scaffold) == target.stat().st_size
    assert "amigo_tool_scaffold/README.md" in archive_names(target.read_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # noqa: ASYNC240


async def test_scaffold_cut_short_raises_and_leaves_no_file(
    client: AmigoClient, fake: FakeAmigoServer, tmp_path: Path
) -> None:
    fake.inject("get-tool-scaffold-release", Fault.truncate(10_000))
    target = tmp_path / "scaffold.tar.gz"
    with pytest.raises(errors.TruncatedStreamError) as caught:
        await client.tools.download_scaffold(target)
    assert caught.value.bytes_received == 10_000
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240


async def test_scaffold_connection_reset_is_a_truncated_stream(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    fake.inject("get-tool-scaffold-release", Fault.reset(5_000))
    with pytest.raises(errors.TruncatedStreamError, match="after 5000 bytes"):
        async for _ in client.tools.stream_scaffold():
            pass


# -- every operation has a method that sends its documented method and path ---------


def path_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\{\w+\\}", "[^?]+", re.escape("/v1/acme" + template))
    return re.compile(f"^{pattern}$")


async def test_every_tool_operation_has_a_method_sending_its_method_and_path(
    client: AmigoClient, fake: FakeAmigoServer, tmp_path: Path
) -> None:
    tool_id = fake.state.tools.tools[0]["id"]
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "get-tools": lambda: client.tools.list(max_items=1).to_list(),
        "create-tool": lambda: client.tools.create("coverage_tool", "d"),
        "modify-tool": lambda: client.tools.update(tool_id, description="d"),
        "modify-tool-envvars": lambda: client.tools.update_envvars(
            tool_id, inserts=[EnvVarInsert(name="NEW", value="v")]
        ),
        "get-tool-versions": lambda: client.tools.list_versions(tool_id).to_list(),
        "publish-tool-version": lambda: client.tools.publish_version(
            tool_id, project_path="tools/weather", bump_type="patch"
        ),
        "invoke-tool-version": lambda: client.tools.invoke_version(tool_id, "1.2.0", [{}]),
        "test-tool": lambda: client.tools.test(
            commit_branch="main", project_path="tools/weather", inputs=[{}]
        ),
        "get-tool-invocations": lambda: client.tools.list_invocations(max_items=1).to_list(),
        "search-tool-invocations": lambda: client.tools.search_invocations(
            "x", query_against=QUERY_AGAINST_FIELDS
        ),
        "get-tool-scaffold-release": lambda: client.tools.download_scaffold(tmp_path / "s.tgz"),
        "deprecate-tool-version": lambda: client.tools.deprecate_versions(tool_id, "==1.0.0"),
        "deprecate-tool": lambda: client.tools.deprecate(tool_id),
        "get-tool-repo-file-content": lambda: client.tools.repo.download_file(
            "README.md", tmp_path / "r"
        ),
        "get-tool-repo-directory": lambda: client.tools.repo.get_directory("tools"),
        "get-tool-repo-files": lambda: client.tools.repo.get_files(["README.md"]),
        "get-tool-repo-commits": lambda: client.tools.repo.list_commits(max_items=1).to_list(),
        "get-tool-repo-branch": lambda: client.tools.repo.get_branch("main"),
        "get-tool-repo-branches": lambda: client.tools.repo.list_branches().to_list(),
    }
    tool_operations = {op.id for op in OPERATIONS.values() if op.area == "tool"}
    assert tool_operations - set(calls) == {"access-git-interface"}  # see test_tool_repo.py
    for operation_id, call in calls.items():
        await call()
        sent = fake.requests[-1]
        operation = OPERATIONS[operation_id]
        assert sent.operation_id == operation_id
        assert sent.method == operation.method
        assert path_regex(operation.path).match(sent.raw_path), (operation_id, sent.raw_path)
        assert 200 <= sent.status < 300, (operation_id, sent.status)


# -- the fake server's data -------------------------------------------------------


def test_the_same_seed_gives_the_same_tool_data() -> None:
    first, again, other = FakeAmigoServer(seed=3), FakeAmigoServer(seed=3), FakeAmigoServer(seed=4)
    assert first.state.tools.tools == again.state.tools.tools
    assert first.state.tools.invocations == again.state.tools.invocations
    assert first.state.tools.tools[0]["id"] != other.state.tools.tools[0]["id"]


def test_the_invocation_count_is_configurable() -> None:
    data = FakeAmigoServer().state.tools
    assert len(data.invocations) == 250
    data.invocation_count = 1_000
    assert len(data.invocations) == 1_000
    assert len({inv["id"] for inv in data.invocations}) == 1_000
