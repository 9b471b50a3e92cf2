"""A blocking `AmigoClient` for scripts and notebooks, over the async one.

    from amigo_async.sync import AmigoClient

    with AmigoClient(organization="acme", token="<JWT>") as client:
        models = client.admin.get_models()
        for tool in client.tools.list():
            ...

There is no second copy of any resource: one event loop runs in one background
thread (an anyio blocking portal), the async client lives there, and a generic
proxy forwards every attribute. Whatever the async client offers, now or later,
the sync one offers too, by these rules:

- a method runs on the loop and its result is awaited there, so the caller
  blocks until it is done (Ctrl-C cancels the call on the loop);
- an async iterator (a stream, a generator) comes back as a plain iterator that
  pulls one item per step; ``close()`` (or ``with``) closes the async one and
  releases its connection, and so does dropping it, e.g. by ``break``;
- an `AsyncPager` comes back as a `BlockingPager` (iterable, with ``pages()``
  and ``to_list()``), a conversation `EventStream` as a `BlockingEventStream`
  (iterable, with ``collect()``), any other async iterable as a proxy that is
  both iterable and still offers its methods;
- an object with async methods (``client.admin``, ``client.tools.repo``) comes
  back proxied; anything else (models, lists, strings) is returned as it is.

Errors are the same classes as in the async client. Python cannot spell "this
class, made blocking", so the type checker sees the generated stub
`amigo_async._sync_api` (``python scripts/generate_sync.py`` writes it from the
async classes' signatures): every method with its real arguments and result, a
pager as ``BlockingPager[Tool]``, a stream as ``BlockingEventStream[...]``.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import inspect
import threading
import warnings
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._client import AmigoClient as AsyncAmigoClient
from ._pagination import AsyncPager, Page
from .conversations import EventStream, Interaction
from .errors import ClientClosedError

if TYPE_CHECKING:
    from ._sync_api import AmigoClient as _TypedClient
else:

    class _TypedClient:
        """The generated typed surface exists for the type checker only."""


__all__ = ["AmigoClient", "BlockingEventStream", "BlockingIterator", "BlockingPager"]

T = TypeVar("T")
E_co = TypeVar("E_co", covariant=True)

_END = object()
_CLOSED = "this amigo_async.sync.AmigoClient is closed"


class _Loop:
    """The portal thread, shared by a client and every proxy it hands out."""

    def __init__(self) -> None:
        self._manager: AbstractContextManager[BlockingPortal] | None = start_blocking_portal(
            name="amigo-sync"
        )
        self._portal: BlockingPortal | None = self._manager.__enter__()
        self._lock = threading.Lock()
        self.iterators: weakref.WeakSet[BlockingIterator[Any]] = weakref.WeakSet()

    @property
    def closed(self) -> bool:
        return self._portal is None

    def run(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call `func` on the loop, await what it returns there, block for the result."""
        portal = self._portal
        if portal is None:
            raise ClientClosedError(_CLOSED)
        future = portal.start_task_soon(_invoke, func, args, kwargs)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._portal is None:  # close() stopped the loop under this call
                raise ClientClosedError(_CLOSED) from None
            raise
        except BaseException:
            future.cancel()  # Ctrl-C in a notebook: stop the call, not only the wait
            raise

    def schedule(self, func: Callable[..., Any]) -> None:
        """Start `func` on the loop without waiting (from a finaliser: never block there)."""
        portal = self._portal
        if portal is not None:
            # RuntimeError: the portal is stopping, or this is the loop's own thread.
            with contextlib.suppress(RuntimeError):
                portal.start_task_soon(func)

    def stop(self) -> None:
        with self._lock:
            manager, self._manager, self._portal = self._manager, None, None
        if manager is not None:
            manager.__exit__(None, None, None)


async def _invoke(func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    result = func(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _next(iterator: Any) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END


_ASYNC_API: dict[type, bool] = {}


def _has_async_methods(cls: type) -> bool:
    """A service object (a resource) rather than data: it has a public async method."""
    if cls not in _ASYNC_API:
        _ASYNC_API[cls] = any(
            inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member)
            for name, member in inspect.getmembers(cls)
            if not name.startswith("_")
        )
    return _ASYNC_API[cls]


def _blocking(loop: _Loop, value: Any) -> Any:
    """`value` as a blocking caller sees it (see the module docstring for the rules)."""
    if isinstance(value, AsyncPager):
        return BlockingPager(loop, value)
    if isinstance(value, EventStream):
        return BlockingEventStream(loop, value)
    if hasattr(value, "__anext__"):
        return BlockingIterator(loop, value)
    if hasattr(value, "__aiter__"):
        return _IterableProxy(loop, value)
    if isinstance(value, type):
        return value
    if callable(value):
        return _BlockingCall(loop, value)
    if _has_async_methods(type(value)):
        return _Proxy(loop, value)
    return value


class _BlockingCall:
    def __init__(self, loop: _Loop, func: Callable[..., Any]) -> None:
        self._loop = loop
        self._func = func
        self.__wrapped__ = func  # inspect.signature and help() show the async method's

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _blocking(self._loop, self._loop.run(self._func, *args, **kwargs))

    def __repr__(self) -> str:
        return f"<blocking {self._func!r}>"


class _Proxy:
    """Forwards attribute reads to an async object, made blocking."""

    def __init__(self, loop: _Loop, target: Any) -> None:
        self._loop = loop
        self._target = target

    def _forward(self, name: str) -> Any:
        if name.startswith("_"):  # private state stays private (and no recursion in __init__)
            raise AttributeError(name)
        return _blocking(self._loop, getattr(self._target, name))

    if not TYPE_CHECKING:  # the type checker sees the generated surface, not "any name"
        __getattr__ = _forward

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)) | set(super().__dir__()))

    def __repr__(self) -> str:
        return f"<blocking {self._target!r}>"


class _IterableProxy(_Proxy):
    def __iter__(self) -> BlockingIterator[Any]:
        return BlockingIterator(self._loop, self._loop.run(self._target.__aiter__))


class _Closing:
    """``with x:`` closes x on the way out."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BlockingIterator(_Closing, Iterator[T]):
    """A plain iterator over an async one; pulls one item per ``next()`` on the loop.

    ``close()`` or leaving ``with`` closes the async iterator at once (releasing a
    streamed connection); dropping it (``break``) schedules the same close.
    """

    def __init__(self, loop: _Loop, iterator: AsyncIterator[T]) -> None:
        self._loop = loop
        self._iterator: AsyncIterator[T] | None = iterator
        loop.iterators.add(self)

    def __next__(self) -> T:
        if self._iterator is None:
            raise StopIteration
        item = self._loop.run(_next, self._iterator)
        if item is _END:
            self._iterator = None
            raise StopIteration
        return cast(T, item)

    def close(self) -> None:
        iterator, self._iterator = self._iterator, None
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None and not self._loop.closed:
            self._loop.run(aclose)

    def __del__(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            self._loop.schedule(aclose)


class BlockingPager(_IterableProxy, Generic[T]):
    """An `AsyncPager` made blocking: ``for item in pager``, ``pager.pages()``, ``to_list()``."""

    _target: AsyncPager[T]

    def __iter__(self) -> BlockingIterator[T]:
        return BlockingIterator(self._loop, self._loop.run(self._target.__aiter__))

    def pages(self) -> BlockingIterator[Page[T]]:
        """Whole pages (``page.items``, ``page.extra``) as they arrive."""
        return BlockingIterator(self._loop, self._loop.run(self._target.pages))

    def to_list(self) -> list[T]:
        """Every item of every page."""
        return cast("list[T]", self._loop.run(self._target.to_list))


class BlockingEventStream(_IterableProxy, _Closing, Generic[E_co]):
    """A conversation `EventStream` made blocking: ``for event in stream``, ``collect()``.

    Each event is an `E_co`, the operation's generated event union, so
    ``match``/``isinstance`` narrow it as in the async client.
    """

    _target: EventStream[E_co]

    def __iter__(self) -> BlockingIterator[E_co]:
        return BlockingIterator(self._loop, self._loop.run(self._target.__aiter__))

    def collect(self, on_event: Callable[[E_co], None] | None = None) -> Interaction:
        """Every event read; the `Interaction` they make (`on_event` runs on the loop thread)."""
        return cast(Interaction, self._loop.run(self._target.collect, on_event))

    def close(self) -> None:
        """Stop reading and release the connection (safe to call more than once)."""
        if not self._loop.closed:
            self._loop.run(self._target.aclose)


class AmigoClient(_TypedClient, _Closing, _Proxy):
    """Blocking twin of `amigo_async.AmigoClient`: same arguments, same methods.

    Starts one background thread with an event loop; ``close()`` or leaving
    ``with`` closes open iterators, the async client's connections and the
    thread. Calls after that, and calls still in flight when it happens, raise
    `amigo_async.errors.ClientClosedError` (a `RuntimeError` too).
    """

    if not TYPE_CHECKING:  # the type checker sees the async client's arguments (generated)

        def __init__(self, *args, **kwargs) -> None:
            self._start(args, kwargs)

    def _start(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        loop = _Loop()
        try:
            client = loop.run(AsyncAmigoClient, *args, **kwargs)
            loop.run(client.__aenter__)
        except BaseException:
            loop.stop()
            raise
        _Proxy.__init__(self, loop, client)

    def close(self) -> None:
        """Close every open iterator, the async client, then stop the loop thread."""
        loop = self._loop
        if loop.closed:
            return
        try:
            for iterator in list(loop.iterators):
                iterator.close()
            loop.run(self._target.aclose)
        finally:
            loop.stop()

    def __del__(self) -> None:
        loop = getattr(self, "_loop", None)
        if loop is not None and not loop.closed:
            warnings.warn(
                f"unclosed {self!r}: use `with` or call close()", ResourceWarning, stacklevel=2
            )

    def __repr__(self) -> str:
        state = "closed " if self._loop.closed else ""
        return f"<{state}sync {self._target!r}>"
