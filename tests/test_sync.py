"""The blocking facade, against a FakeAmigoServer running on its own loop in another thread."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal

from amigo_async import RetryPolicy, Timeouts, errors
from amigo_async.prompt_logs import PromptLogEntry
from amigo_async.sync import AmigoClient, BlockingIterator
from amigo_async.testing import FakeAmigoServer, Fault

LARGE_FILE = "data/large.bin"


@pytest.fixture
def fake() -> Iterator[FakeAmigoServer]:
    """The fake on a loop of its own: the sync client's loop lives in yet another thread."""
    with start_blocking_portal() as portal:
        server = portal.call(functools.partial(FakeAmigoServer, chunk_size=512))
        with portal.wrap_async_context_manager(server):
            yield server


def connect(fake: FakeAmigoServer, **options: Any) -> AmigoClient:
    return AmigoClient(fake.organization, base_url=fake.url, token=fake.token, **options)


@pytest.fixture
def client(fake: FakeAmigoServer) -> Iterator[AmigoClient]:
    with connect(fake) as sync_client:
        yield sync_client


def _portal_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "amigo-sync" and t.is_alive()]


# -- every area ---------------------------------------------------------------------


def test_admin_calls_block_and_return_models(client: AmigoClient, fake: FakeAmigoServer) -> None:
    models = client.admin.get_models()
    assert models and all(model.name for model in models)
    assert client.admin.sql_query("select 1").result == [[1]]
    assert fake.count("get-models") == 1


def test_admin_streams_are_plain_iterators(client: AmigoClient, fake: FakeAmigoServer) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    entries = list(client.admin.stream_prompt_logs(prefix))
    assert entries and all(isinstance(entry, PromptLogEntry) for entry in entries)
    archive = b"".join(client.admin.download_prompt_logs(prefix))
    assert archive.startswith(b"PK")


def test_tools_pagers_iterate_and_keep_their_methods(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    names = [tool.name for tool in client.tools.list(limit=2)]
    assert names == [tool["name"] for tool in fake.state.tools.tools]
    pages = [len(page.items) for page in client.tools.list(limit=4).pages()]
    assert sum(pages) == len(names) and len(pages) > 1
    assert [tool.name for tool in client.tools.list().to_list()] == names


def test_tools_writes_go_through(client: AmigoClient) -> None:
    created = client.tools.create("shipping_quote", "Quotes shipping.")
    assert created.id in [tool.id for tool in client.tools.list()]


def test_tool_repo_streams_and_plain_methods(client: AmigoClient, fake: FakeAmigoServer) -> None:
    content = b"".join(client.tools.repo.stream_file(LARGE_FILE, chunk_size=4096))
    assert content == fake.state.tools.repo.files[LARGE_FILE]
    assert client.tools.repo.get_branch("main").name == "main"
    assert [commit.commit_sha for commit in client.tools.repo.list_commits()]
    assert client.tools.repo.git_remote_url().startswith(fake.url)


def test_organization_calls_and_listings(client: AmigoClient) -> None:
    assert client.organization.get().org_id == "acme"
    agents = list(client.organization.list_agents())
    assert agents and all(agent.id for agent in agents)


def test_plain_attributes_pass_through(client: AmigoClient) -> None:
    assert client.organization_id == "acme"
    assert client.rate_limit("get-models") is not None
    assert client.stats.requests_sent == 0


# -- errors -------------------------------------------------------------------------


def test_api_errors_keep_their_classes(client: AmigoClient) -> None:
    with pytest.raises(errors.ConflictError) as caught:
        client.tools.create("calculator", "Again.")
    assert caught.value.operation_id == "create-tool"
    with pytest.raises(errors.NotFoundError):
        client.tools.repo.get_branch("nope")
    with pytest.raises(errors.NotFoundError):
        list(client.tools.repo.stream_file("nope.txt"))


def test_bad_input_is_refused_before_sending(client: AmigoClient, fake: FakeAmigoServer) -> None:
    with pytest.raises(ValueError, match="sql_query"):
        client.admin.sql_query("")
    assert fake.count("submit-sql-query") == 0


def test_bad_constructor_arguments_raise_and_leave_no_thread() -> None:
    with pytest.raises(ValueError, match="organization"):
        AmigoClient("a/b", token="t")
    assert _portal_threads() == []


# -- lifetimes ----------------------------------------------------------------------


def _one_connection(fake: FakeAmigoServer) -> AmigoClient:
    """One pooled connection and a short wait for it: a leaked one fails the next call.

    The file's body is slowed so the stream is still mid-body when the caller stops.
    """
    fake.inject("get-tool-repo-file-content", Fault.slow(0.05))
    return connect(
        fake, max_connections=1, timeouts=Timeouts(total=1.0), retry=RetryPolicy(max_attempts=1)
    )


def test_a_stream_left_open_holds_the_only_connection(fake: FakeAmigoServer) -> None:
    """The control for the tests below: without closing, the next call cannot connect."""
    with _one_connection(fake) as client:
        chunks = client.tools.repo.stream_file(LARGE_FILE, chunk_size=512)
        next(chunks)
        with pytest.raises(errors.TransportError):
            client.tools.repo.get_branch("main")
        chunks.close()
        assert client.tools.repo.get_branch("main").name == "main"


def test_breaking_out_of_a_stream_releases_the_connection(fake: FakeAmigoServer) -> None:
    with _one_connection(fake) as client:
        for _ in client.tools.repo.stream_file(LARGE_FILE, chunk_size=512):
            break
        assert client.tools.repo.get_branch("main").name == "main"


def test_leaving_with_closes_the_stream(fake: FakeAmigoServer) -> None:
    with _one_connection(fake) as client:
        with client.tools.repo.stream_file(LARGE_FILE, chunk_size=512) as chunks:
            next(chunks)
        assert list(chunks) == []
        assert client.tools.repo.get_branch("main").name == "main"


def test_closing_the_client_closes_open_iterators_and_stops_the_thread(
    fake: FakeAmigoServer,
) -> None:
    client = connect(fake)
    assert len(_portal_threads()) == 1
    chunks = client.tools.repo.stream_file(LARGE_FILE, chunk_size=512)
    assert isinstance(chunks, BlockingIterator)
    next(chunks)
    client.close()
    assert list(chunks) == []
    assert _portal_threads() == []
    client.close()  # twice is harmless


def test_use_after_close_raises(fake: FakeAmigoServer) -> None:
    with connect(fake) as client:
        admin = client.admin
        pager = client.tools.list()
    with pytest.raises(RuntimeError, match="closed"):
        client.admin.get_models()
    with pytest.raises(RuntimeError, match="closed"):
        admin.get_models()
    with pytest.raises(RuntimeError, match="closed"):
        iter(pager)
    assert "closed" in repr(client)


def test_an_unclosed_client_warns(fake: FakeAmigoServer) -> None:
    client = connect(fake)
    try:
        with pytest.warns(ResourceWarning, match="unclosed"):
            client.__del__()
    finally:
        client.close()


def test_private_state_of_the_async_client_is_not_reachable(client: AmigoClient) -> None:
    with pytest.raises(AttributeError):
        _ = client._send
