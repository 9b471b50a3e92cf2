"""The tool-invocation scanner: many queries at once, one merged stream, one summary.

`scan_invocations` (``client.tools.scan_invocations``, a method of `ToolsWithScan`,
the tools resource this layer adds the scan to) runs one paginated
get-tool-invocations query per tool, or per tool/version pair, with at most
`concurrency` queries at a time. Every request still goes through the client's
one request path, so they all share the single get-tool-invocations rate-limit
bucket of the credential: more queries fill the allowed rate, never exceed it.
Invocations come out as one async stream, each tagged with its query.

Errors: one query's failure never stops the others. Every invocation the other
queries find is delivered first; then the stream raises an ``ExceptionGroup``
holding each failed query's error (a note on each names the query), and
`InvocationScan.failures` lists them too. So an incomplete scan cannot pass for a
complete one, and nothing that arrived is lost.

Stopping early (``break``, ``aclose()``, leaving ``async with``, cancelling the
consuming task) cancels every query, including requests in flight, and releases
their connections. ``async with`` (or ``aclose()``) does it before returning; a
bare ``break`` leaves it to asyncio's generator finalizer, a moment later.

Progress: a `ProgressObserver` hears each query (the item) start, advance by one
page at a time (the invocations it kept) and finish. `amigo_async.jobs.aggregate`
turns the invocations into figures; the ``amigo-async tools scan`` command ties
both together.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Self, cast

import attrs

from .._checks import (
    check_aware_datetime,
    check_int,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_str_list,
)
from .._pagination import AsyncPager, Page
from ..models.facts import INVOCATION_SOURCE_TYPES
from ..models.tools import ToolInvocation
from ..resources.tools import ToolsResource
from .observer import ProgressObserver

__all__ = [
    "DEFAULT_CONCURRENCY",
    "InvocationScan",
    "QueryFailure",
    "ScanProgress",
    "ScanQuery",
    "ScannedInvocation",
    "ToolsWithScan",
    "plan_queries",
    "scan_invocations",
]

DEFAULT_CONCURRENCY = 8
"""Queries at once (each has one request in flight). Far more than the documented 50
requests per minute need; a contract limit of many per second over a slow link may
want one query per tool."""

# -- the queries --------------------------------------------------------------------


@attrs.frozen
class ScanQuery:
    """One paginated query of a scan: a tool, and the version constraint if one was given."""

    tool_id: str
    version: str | None = None

    def __str__(self) -> str:
        return self.tool_id if self.version is None else f"{self.tool_id} ({self.version})"


@attrs.frozen
class ScannedInvocation:
    """An invocation and the query that found it."""

    query: ScanQuery
    invocation: ToolInvocation


@attrs.frozen
class QueryFailure:
    """A query that raised; `invocations` of its invocations had been delivered before."""

    query: ScanQuery
    error: Exception
    invocations: int


@attrs.define
class ScanProgress:
    """Counters of a running scan (pages and invocations as they arrive)."""

    queries: int
    queries_done: int = 0
    queries_failed: int = 0
    pages: int = 0
    invocations: int = 0


def plan_queries(tool_ids: Iterable[str], versions: Iterable[str] | None = None) -> list[ScanQuery]:
    """One query per tool, or per tool/version pair; bad input raises before any request."""
    ids = check_str_list("tool_ids", tool_ids)
    if not ids:
        raise ValueError("tool_ids must name at least one tool to scan")
    for index, tool_id in enumerate(ids):
        check_object_id(f"tool_ids[{index}]", tool_id)
    constraints = check_str_list("versions", versions)
    if constraints is None:
        queries = [ScanQuery(tool_id) for tool_id in ids]
    else:
        if len(constraints) != len(ids):
            raise ValueError(
                f"versions must hold one constraint per tool id: {len(constraints)} "
                f"version(s) for {len(ids)} tool id(s) (the API answers 400 otherwise)"
            )
        for index, constraint in enumerate(constraints):
            check_non_empty(f"versions[{index}]", constraint)
        queries = [
            ScanQuery(tool_id, constraint)
            for tool_id, constraint in zip(ids, constraints, strict=True)
        ]
    repeated = [str(query) for query, n in Counter(queries).items() if n > 1]
    if repeated:
        raise ValueError(f"tool_ids repeats a query (it would be counted twice): {repeated[0]}")
    return queries


def _check_concurrency(concurrency: object) -> int:
    return check_int("concurrency", concurrency, minimum=1)


def scan_invocations(
    tools: ToolsResource,
    tool_ids: Iterable[str],
    *,
    versions: Iterable[str] | None = None,
    succeeded: bool | None = None,
    source_type: str | None = None,
    conversation_ids: Iterable[str] | None = None,
    since: datetime | None = None,
    concurrency: int | None = None,
    limit: int | None = None,
    observer: ProgressObserver | None = None,
) -> InvocationScan:
    """Plan and check the queries of a scan; nothing is sent until it is iterated.

    `since` keeps invocations created at or after it: the queries then ask for the
    newest first (``sort_by=-created_at``) and each stops at its first older one,
    so a recent window costs only the pages it needs.
    """
    queries = plan_queries(tool_ids, versions)
    if concurrency is None:
        concurrency = DEFAULT_CONCURRENCY
    _check_concurrency(concurrency)
    check_aware_datetime("since", since)
    source_types = None
    if source_type is not None:
        source_types = [check_one_of("source_type", source_type, INVOCATION_SOURCE_TYPES)]
    conversations = check_object_ids("conversation_ids", conversation_ids)
    pagers = [
        (
            query,
            tools.list_invocations(
                tool_id=[query.tool_id],
                version=None if query.version is None else [query.version],
                succeeded=succeeded,
                invocation_source_type=source_types,
                conversation_id=conversations,
                sort_by=None if since is None else ["-created_at"],
                limit=limit,
            ),
        )
        for query in queries
    ]
    return InvocationScan(pagers, concurrency=concurrency, since=since, observer=observer)


# -- the scan -----------------------------------------------------------------------


class _ObserverError(Exception):
    """An observer raised: a bug of the caller's, not a failed query."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


_Batch = tuple[ScanQuery, Sequence[ToolInvocation]]
_Event = _Batch | _ObserverError | None  # a page, an observer's error, a worker's end


class InvocationScan:
    """``async for item in scan`` yields `ScannedInvocation`s from every query, merged.

    A scan runs once. ``async with scan:`` guarantees every query is stopped when
    the block ends, however it ends. After a complete run, failed queries raise an
    ``ExceptionGroup`` (see the module docstring) and are listed in `failures`.
    """

    progress: ScanProgress

    def __init__(
        self,
        queries: Sequence[tuple[ScanQuery, AsyncPager[ToolInvocation]]],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        since: datetime | None = None,
        observer: ProgressObserver | None = None,
    ) -> None:
        self._queries = list(queries)
        self._concurrency = min(_check_concurrency(concurrency), max(len(self._queries), 1))
        self._since = check_aware_datetime("since", since)
        self._observer = observer
        self.progress = ScanProgress(queries=len(self._queries))
        self._failures: dict[int, QueryFailure] = {}
        self._started = False
        self._in_context = False
        self._held: AsyncGenerator[ScannedInvocation, None] | None = None
        self._stream: weakref.ref[AsyncGenerator[ScannedInvocation, None]] | None = None

    @property
    def queries(self) -> list[ScanQuery]:
        return [query for query, _ in self._queries]

    @property
    def failures(self) -> list[QueryFailure]:
        """The queries that failed so far, in the order they were planned."""
        return [self._failures[index] for index in sorted(self._failures)]

    def __aiter__(self) -> AsyncIterator[ScannedInvocation]:
        if self._started:
            raise RuntimeError("a scan runs once; plan a new one to scan again")
        self._started = True
        stream = self._run()
        # Held weakly outside `async with`: a consumer's `break` then drops the last
        # reference and asyncio's finalizer closes the stream (and its queries).
        self._stream = weakref.ref(stream)
        if self._in_context:
            self._held = stream
        return stream

    async def aclose(self) -> None:
        """Stop every query and wait until they have stopped."""
        stream = self._stream() if self._stream is not None else None
        self._held = None
        if stream is not None:
            await stream.aclose()

    async def __aenter__(self) -> Self:
        self._in_context = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self) -> AsyncGenerator[ScannedInvocation, None]:
        pending = deque(range(len(self._queries)))
        # One page per worker may wait for the consumer; then the workers pause.
        batches: asyncio.Queue[_Event] = asyncio.Queue(maxsize=self._concurrency)
        workers = [
            asyncio.create_task(self._work(pending, batches)) for _ in range(self._concurrency)
        ]
        try:
            running = len(workers)
            while running:
                event = await batches.get()
                if event is None:
                    running -= 1
                elif isinstance(event, _ObserverError):
                    raise event.error
                else:
                    query, invocations = event
                    for invocation in invocations:
                        yield ScannedInvocation(query, invocation)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        failures = self.failures
        if failures:
            raise ExceptionGroup(
                f"{len(failures)} of {len(self._queries)} scan queries failed "
                f"(the other queries' invocations were all delivered)",
                [failure.error for failure in failures],
            )

    async def _work(self, pending: deque[int], batches: asyncio.Queue[_Event]) -> None:
        try:
            while pending:
                await self._run_query(pending.popleft(), batches)
        except _ObserverError as broken:
            await batches.put(broken)  # the caller's own bug ends the scan, raised as is
            return
        await batches.put(None)

    async def _run_query(self, index: int, batches: asyncio.Queue[_Event]) -> None:
        query, pager = self._queries[index]
        delivered = 0
        self._tell(lambda observer: observer.started(query))
        try:
            pages = cast(AsyncGenerator[Page[ToolInvocation], None], pager.pages())
            async with contextlib.aclosing(pages):
                async for page in pages:
                    kept, older_seen = self._recent(page.items)
                    self.progress.pages += 1
                    self.progress.invocations += len(kept)
                    self._tell(lambda observer: observer.advanced(query, len(kept)))  # noqa: B023 (called at once)
                    await batches.put((query, kept))
                    delivered += len(kept)
                    if older_seen:
                        break  # newest first: every later page is older still
        except _ObserverError:
            raise
        except Exception as error:
            error.add_note(
                f"scan query {query}: {delivered} invocation(s) delivered before it failed"
            )
            self._failures[index] = QueryFailure(query, error, delivered)
            self.progress.queries_failed += 1
            detail = f"{type(error).__name__}: {error}"
            self._tell(lambda observer: observer.finished(query, ok=False, detail=detail))
        else:
            self.progress.queries_done += 1
            self._tell(lambda observer: observer.finished(query, ok=True))

    def _tell(self, event: Callable[[ProgressObserver], None]) -> None:
        """Call the observer; its own errors are told apart from the queries' errors."""
        if self._observer is None:
            return
        try:
            event(self._observer)
        except Exception as error:
            raise _ObserverError(error) from error

    def _recent(self, items: Sequence[ToolInvocation]) -> tuple[Sequence[ToolInvocation], bool]:
        """The leading items created at or after `since`, and whether an older one followed."""
        since = self._since
        if since is None:
            return items, False
        for position, invocation in enumerate(items):
            created = invocation.created_at
            if created is not None and created < since:
                return items[:position], True
        return items, False


class ToolsWithScan(ToolsResource):
    """``client.tools``: the Tool endpoints, plus the scan built on them.

    The scan lives in this layer (jobs use resources; a resource never imports a
    job); the client hands out this class so ``client.tools.scan_invocations``
    reads like the endpoints beside it.
    """

    def scan_invocations(
        self,
        tool_ids: Iterable[str],
        *,
        versions: Iterable[str] | None = None,
        succeeded: bool | None = None,
        source_type: str | None = None,
        conversation_ids: Iterable[str] | None = None,
        since: datetime | None = None,
        concurrency: int | None = None,
        limit: int | None = None,
        observer: ProgressObserver | None = None,
    ) -> InvocationScan:
        """get-tool-invocations for many tools at once: ``async with`` / ``async for`` the scan.

        One query per tool (or per `tool_ids[i]`/`versions[i]` pair), at most
        `concurrency` at a time (default `DEFAULT_CONCURRENCY`), merged into one
        stream of `ScannedInvocation`s. Failed queries raise an ``ExceptionGroup``
        after every other invocation was delivered (see the module docstring).
        """
        return scan_invocations(
            self,
            tool_ids,
            versions=versions,
            succeeded=succeeded,
            source_type=source_type,
            conversation_ids=conversation_ids,
            since=since,
            concurrency=concurrency,
            limit=limit,
            observer=observer,
        )
