"""Issue 19, quiet and explicit: nothing is silently skipped, nothing logs noise later.

An ``async def`` event hook is refused at construction (it would never be
awaited); a pager abandoned while its next page is in flight leaves no "Task
exception was never retrieved"; a conversation stream never iterated warns,
like a coroutine never awaited.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from typing import Any

import pytest
from aiohttp import web
from hostile import serve

from amigo_async import AmigoClient
from amigo_async.events import Event
from amigo_async.testing import FakeAmigoServer, Fault

TOKEN = "tok-quiet-secret"
SERVICE = "a" * 24


# -- item 14: async hooks ------------------------------------------------------------------


async def _async_hook(event: Event) -> None:
    pass


class _AsyncCallable:
    async def __call__(self, event: Event) -> None:
        pass


@pytest.mark.parametrize("hook", [_async_hook, _AsyncCallable()], ids=["function", "object"])
def test_an_async_event_hook_is_refused_at_construction(hook: Any) -> None:
    with pytest.raises(TypeError, match="async"):
        AmigoClient("acme", token=TOKEN, base_url="http://127.0.0.1:9", event_hooks=[hook])


async def test_a_hook_returning_a_coroutine_is_not_left_unawaited(
    fake: FakeAmigoServer, caplog: pytest.LogCaptureFixture
) -> None:
    def sneaky(event: Event) -> Any:
        return _async_hook(event)

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # "never awaited" would fail here
        async with fake.client(event_hooks=[sneaky]) as client:
            await client.admin.get_models()
        gc.collect()
    assert any("returned a coroutine" in r.getMessage() for r in caplog.records)


# -- item 15: a pager abandoned mid-prefetch -------------------------------------------------


async def test_a_pager_abandoned_while_its_next_page_fails_logs_nothing(
    fake: FakeAmigoServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = fake.client()
    async with client:
        pages = client.tools.list(limit=1).pages()
        first = await anext(pages)
        assert first.has_more
        fake.inject("get-tools", Fault.status_code(500))  # the prefetch, started, fails
        await asyncio.sleep(0.2)
    del pages  # abandoned: the loop closes the generator, then its task is collected
    for _ in range(3):
        gc.collect()
        await asyncio.sleep(0.01)
    assert fake.count("get-tools") == 2
    logged = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not [m for m in logged if "never retrieved" in m], logged


async def test_a_pager_still_raises_a_prefetch_failure_to_its_reader(
    fake: FakeAmigoServer,
) -> None:
    from amigo_async import errors

    async with fake.client() as client:
        pages = client.tools.list(limit=1).pages()
        await anext(pages)
        fake.inject("get-tools", Fault.status_code(500))
        with pytest.raises(errors.ServerError):
            await anext(pages)


# -- item 16: a conversation stream never iterated ------------------------------------------


async def _nothing(request: web.Request) -> web.Response:
    return web.Response(status=500)


async def test_a_create_never_iterated_warns_and_sends_nothing() -> None:
    async with serve(_nothing) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        with pytest.warns(RuntimeWarning, match=r"conversations\.create\(\.\.\.\) was never"):
            c.conversations.create(SERVICE, initial_message="hello")
            gc.collect()
    assert api.requests == []


async def test_an_interact_never_iterated_warns() -> None:
    async with serve(_nothing) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        with pytest.warns(RuntimeWarning, match=r"conversations\.interact"):
            c.conversations.interact("c" * 24, text="hi")
            gc.collect()
    assert api.requests == []


async def test_a_stream_iterated_or_closed_does_not_warn(fake: FakeAmigoServer) -> None:
    async with fake.client() as client:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            await client.conversations.create(fake.state.conversations.service_id).collect()
            await client.conversations.create(fake.state.conversations.service_id).aclose()
            gc.collect()


def test_the_docstrings_say_nothing_is_sent_until_iteration() -> None:
    from amigo_async.resources.conversations import ConversationsResource

    for method in (ConversationsResource.create, ConversationsResource.interact):
        assert "RuntimeWarning" in (method.__doc__ or "")
