"""The tool-invocation scanner: many queries at once, one merged stream, one summary.

`scan_invocations` (``client.tools.scan_invocations``) runs one paginated
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

`InvocationAggregator` turns invocations into per tool/version figures; it is pure
and knows nothing of HTTP. The ``amigo-async tools scan`` command ties both
together.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import math
import re
import sys
import weakref
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TextIO, cast

import attrs

from . import cli
from ._checks import (
    check_aware_datetime,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_str_list,
    parse_iso_duration,
)
from ._pagination import AsyncPager, Page
from ._progress import Progress
from .models.tools import (
    INVOCATION_SOURCE_TYPES,
    FailedInvocationStatus,
    ToolInvocation,
)

if TYPE_CHECKING:
    from .resources.tools import ToolsResource
    from .testing import FakeAmigoServer

__all__ = [
    "DEFAULT_CONCURRENCY",
    "ExceptionSummary",
    "GroupStats",
    "InvocationAggregator",
    "InvocationScan",
    "QueryFailure",
    "ScanObserver",
    "ScanProgress",
    "ScanQuery",
    "ScannedInvocation",
    "ToolVersionStats",
    "aggregate_invocations",
    "format_csv",
    "format_json",
    "format_table",
    "parse_since",
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


class ScanObserver(Protocol):
    """Told about each query as it starts, receives a page, and ends (for progress displays).

    An observer that raises ends the scan with its own error, at once.
    """

    def query_started(self, query: ScanQuery) -> None: ...

    def page_received(self, query: ScanQuery, invocations: int) -> None: ...

    def query_finished(self, query: ScanQuery, error: Exception | None) -> None: ...


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
    if isinstance(concurrency, bool) or not isinstance(concurrency, int):
        raise TypeError(f"concurrency must be an int, not {type(concurrency).__name__}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1; got {concurrency}")
    return concurrency


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
    observer: ScanObserver | None = None,
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
            tools.invocations(
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

    def __init__(
        self,
        queries: Sequence[tuple[ScanQuery, AsyncPager[ToolInvocation]]],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        since: datetime | None = None,
        observer: ScanObserver | None = None,
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
        self._tell("query_started", query)
        try:
            pages = cast(AsyncGenerator[Page[ToolInvocation], None], pager.pages())
            async with contextlib.aclosing(pages):
                async for page in pages:
                    kept, older_seen = self._recent(page.items)
                    self.progress.pages += 1
                    self.progress.invocations += len(kept)
                    self._tell("page_received", query, len(kept))
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
            self._tell("query_finished", query, error)
        else:
            self.progress.queries_done += 1
            self._tell("query_finished", query, None)

    def _tell(self, event: str, *arguments: Any) -> None:
        """Call the observer; its own errors are told apart from the queries' errors."""
        if self._observer is None:
            return
        try:
            getattr(self._observer, event)(*arguments)
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


# -- the aggregator -----------------------------------------------------------------


@attrs.frozen
class ExceptionSummary:
    """One exception type among a group's failures, with the first message seen."""

    exception_type: str
    count: int
    example_message: str


@attrs.frozen
class GroupStats:
    """Figures for one group of invocations; durations use the nearest-rank percentile."""

    invocations: int
    failures: int
    failure_rate: float
    p50_ms: int | None
    p95_ms: int | None
    max_ms: int | None
    top_exceptions: tuple[ExceptionSummary, ...]


@attrs.frozen
class ToolVersionStats:
    """A tool version's figures, in total and by invocation source type."""

    tool_id: str
    version: str
    total: GroupStats
    by_source: dict[str, GroupStats]


def _percentile(ordered: Sequence[int], percent: float) -> int | None:
    """Nearest rank: the smallest value with at least `percent`% of the values at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


@attrs.define
class _Group:
    durations: list[int] = attrs.field(factory=list)
    failures: int = 0
    exceptions: Counter[str] = attrs.field(factory=Counter)
    examples: dict[str, str] = attrs.field(factory=dict)

    def add(self, invocation: ToolInvocation) -> None:
        self.durations.append(invocation.duration_ms)
        status = invocation.invocation_status
        if isinstance(status, FailedInvocationStatus):
            self.failures += 1
            self.exceptions[status.exception_type] += 1
            self.examples.setdefault(status.exception_type, status.exception_message)

    def stats(self, top: int) -> GroupStats:
        ordered = sorted(self.durations)
        count = len(ordered)
        ranked = sorted(self.exceptions.items(), key=lambda item: (-item[1], item[0]))
        return GroupStats(
            invocations=count,
            failures=self.failures,
            failure_rate=self.failures / count if count else 0.0,
            p50_ms=_percentile(ordered, 50),
            p95_ms=_percentile(ordered, 95),
            max_ms=ordered[-1] if ordered else None,
            top_exceptions=tuple(
                ExceptionSummary(name, n, self.examples[name]) for name, n in ranked[:top]
            ),
        )


def _source_type(invocation: ToolInvocation) -> str:
    return str(invocation.invocation_source.type)


class InvocationAggregator:
    """Counts, failures, top exceptions and duration percentiles per tool and version.

    Pure: feed it invocations (``add``), read the figures (``results``) at any time.
    An invocation whose status this client cannot read counts as an invocation but
    neither as a success nor as a failure.
    """

    def __init__(self, *, top_exceptions: int = 3) -> None:
        if isinstance(top_exceptions, bool) or not isinstance(top_exceptions, int):
            raise TypeError("top_exceptions must be an int")
        if top_exceptions < 0:
            raise ValueError("top_exceptions must be >= 0")
        self._top = top_exceptions
        self._totals: dict[tuple[str, str], _Group] = {}
        self._by_source: dict[tuple[str, str], dict[str, _Group]] = {}

    def add(self, invocation: ToolInvocation) -> None:
        key = (invocation.tool_id, str(invocation.tool_version))
        total = self._totals.get(key)
        if total is None:
            total = self._totals[key] = _Group()
            self._by_source[key] = {}
        total.add(invocation)
        sources = self._by_source[key]
        source = _source_type(invocation)
        group = sources.get(source)
        if group is None:
            group = sources[source] = _Group()
        group.add(invocation)

    def results(self) -> list[ToolVersionStats]:
        """One entry per tool and version, ordered by tool id then version number."""
        return [
            ToolVersionStats(
                tool_id=tool_id,
                version=version,
                total=self._totals[(tool_id, version)].stats(self._top),
                by_source={
                    source: group.stats(self._top)
                    for source, group in sorted(self._by_source[(tool_id, version)].items())
                },
            )
            for tool_id, version in sorted(self._totals, key=_version_order)
        ]


def _version_order(key: tuple[str, str]) -> tuple[str, tuple[int, ...], str]:
    tool_id, version = key
    numbers = tuple(int(part) for part in re.findall(r"\d+", version))
    return tool_id, numbers, version


def aggregate_invocations(
    invocations: Iterable[ToolInvocation | ScannedInvocation], *, top_exceptions: int = 3
) -> list[ToolVersionStats]:
    """`InvocationAggregator` over a finished collection, in one call."""
    aggregator = InvocationAggregator(top_exceptions=top_exceptions)
    for item in invocations:
        aggregator.add(item.invocation if isinstance(item, ScannedInvocation) else item)
    return aggregator.results()


# -- output -------------------------------------------------------------------------

_CSV_COLUMNS = (
    "tool_id",
    "version",
    "source_type",
    "invocations",
    "failures",
    "failure_rate",
    "p50_ms",
    "p95_ms",
    "max_ms",
    "top_exceptions",
    "top_exception_example",
)


def _rows(stats: Sequence[ToolVersionStats]) -> Iterable[tuple[str, str, str, GroupStats]]:
    """(tool, version, source, figures): the total ("all") first, then each source."""
    for entry in stats:
        yield entry.tool_id, entry.version, "all", entry.total
        for source, group in entry.by_source.items():
            yield entry.tool_id, entry.version, source, group


def _ms(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def format_table(stats: Sequence[ToolVersionStats]) -> str:
    """A plain-text table: one block per tool version, its sources below, then exceptions."""
    if not stats:
        return "no invocations found"
    header = ("TOOL", "VERSION", "SOURCE", "CALLS", "FAILED", "FAIL%", "P50 ms", "P95 ms", "MAX ms")
    lines: list[tuple[str, ...]] = [header]
    for tool_id, version, source, group in _rows(stats):
        first = source == "all"
        lines.append(
            (
                tool_id if first else "",
                version if first else "",
                source,
                f"{group.invocations:,}",
                f"{group.failures:,}",
                f"{group.failure_rate:.1%}",
                _ms(group.p50_ms),
                _ms(group.p95_ms),
                _ms(group.max_ms),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]
    exceptions = [
        f"  {entry.tool_id} {entry.version}: {summary.exception_type} x{summary.count}"
        f" - {summary.example_message!r}"
        for entry in stats
        for summary in entry.total.top_exceptions
    ]
    if exceptions:
        text += ["", "Top exceptions (with an example message):", *exceptions]
    return "\n".join(text)


def format_csv(stats: Sequence[ToolVersionStats]) -> str:
    """One row per tool, version and source type ("all" for the version's total)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for tool_id, version, source, group in _rows(stats):
        top = group.top_exceptions
        writer.writerow(
            (
                tool_id,
                version,
                source,
                group.invocations,
                group.failures,
                f"{group.failure_rate:.4f}",
                "" if group.p50_ms is None else group.p50_ms,
                "" if group.p95_ms is None else group.p95_ms,
                "" if group.max_ms is None else group.max_ms,
                "; ".join(f"{s.exception_type}={s.count}" for s in top),
                top[0].example_message if top else "",
            )
        )
    return buffer.getvalue()


def format_json(
    stats: Sequence[ToolVersionStats],
    failures: Sequence[QueryFailure] = (),
    progress: ScanProgress | None = None,
) -> str:
    """The figures, the failed queries and the scan's counters as one JSON document."""
    document: dict[str, Any] = {
        "results": [attrs.asdict(entry) for entry in stats],
        "errors": [
            {
                "tool_id": failure.query.tool_id,
                "version": failure.query.version,
                "error": type(failure.error).__name__,
                "message": str(failure.error),
                "invocations_before_error": failure.invocations,
            }
            for failure in failures
        ],
    }
    if progress is not None:
        document["scan"] = attrs.asdict(progress)
    return json.dumps(document, indent=2)


# -- the command --------------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``--since``: an ISO date or datetime (UTC when no offset is given), an ISO 8601
    duration before now (``P7D``, ``PT12H``) or a short one (``90m``, ``12h``, ``7d``)."""
    value = text.strip()
    now = now if now is not None else datetime.now(UTC)
    relative = _RELATIVE.match(value.lower())
    if relative is not None:
        return now - timedelta(seconds=float(relative.group(1)) * _UNITS[relative.group(2)])
    if value.upper().startswith("P"):
        try:
            return now - parse_iso_duration(value.upper())
        except ValueError:
            pass
    else:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    raise ValueError(
        f"--since must be an ISO date/datetime, an ISO 8601 duration (P7D) or a short "
        f"duration (12h, 7d); got {text!r}"
    )


class _ScanDisplay(Progress):
    """The shared progress display, counting pages where a download counts bytes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(items="queries", records="invocations", **options)
        self.pages = 0
        self._per_query: dict[ScanQuery, tuple[int, int]] = {}

    def query_started(self, query: ScanQuery) -> None:
        self._per_query[query] = (0, 0)
        self.start(str(query))

    def page_received(self, query: ScanQuery, invocations: int) -> None:
        pages, found = self._per_query.get(query, (0, 0))
        self._per_query[query] = (pages + 1, found + invocations)
        self.pages += 1
        self.advance(invocations)

    def query_finished(self, query: ScanQuery, error: Exception | None) -> None:
        pages, found = self._per_query.pop(query, (0, 0))
        detail = f"{pages} page(s), {found:,} invocation(s)"
        if error is not None:
            detail += f"; {type(error).__name__}: {error}"
        self.finish(str(query), ok=error is None, detail=detail)

    def _figures(self) -> list[str]:
        return [f"{self.pages:,} pages", f"{self.records:,} {self.records_label}"]


_DEMO_TOOLS = 6
_DEMO_INVOCATIONS_PER_TOOL = 400  # 4 pages each: the demo stays within one minute's limit


def seed_demo(fake: FakeAmigoServer, *, now: datetime | None = None) -> list[str]:
    """Give a fake server tools whose invocations spread over the last 30 days (``--fake``)."""
    return fake.state.tools.add_tools_with_invocations(
        _DEMO_TOOLS,
        invocations_per_tool=_DEMO_INVOCATIONS_PER_TOOL,
        end=now if now is not None else datetime.now(UTC),
    )


def _write(text: str, stream: TextIO) -> None:
    stream.write(text if text.endswith("\n") else text + "\n")
    stream.flush()


async def _run_scan(args: argparse.Namespace) -> int:
    tool_ids: list[str] = list(args.tool_ids or [])
    if not tool_ids and not args.fake:
        raise ValueError("give at least one --tool-id (or --fake for a demonstration)")
    since = parse_since(args.since) if args.since is not None else None
    demo_ids: list[str] = []

    def prepare(fake: FakeAmigoServer) -> None:
        demo_ids.extend(seed_demo(fake))

    async with cli.client_for(args, prepare_fake=prepare) as client:
        if not tool_ids:
            tool_ids = demo_ids
            print(f"--fake: scanning {len(tool_ids)} demo tools", file=sys.stderr)
        display = _ScanDisplay(stats=client.stats)
        scan = client.tools.scan_invocations(
            tool_ids,
            versions=args.tool_versions,
            succeeded=False if args.failed_only else None,
            source_type=args.source_type,
            since=since,
            concurrency=args.concurrency,
            observer=display,
        )
        display.total = len(scan.queries)
        aggregator = InvocationAggregator()
        with display:
            try:
                async with scan:
                    async for item in scan:
                        aggregator.add(item.invocation)
            except ExceptionGroup:
                pass  # reported below from scan.failures, after the figures
    stats = aggregator.results()
    if args.format == "json":
        _write(format_json(stats, scan.failures, scan.progress), sys.stdout)
    elif args.format == "csv":
        _write(format_csv(stats), sys.stdout)
    else:
        if args.failed_only:
            print("(--failed-only: only failed invocations were fetched)")
        _write(format_table(stats), sys.stdout)
    for failure in scan.failures:
        print(
            f"error: query {failure.query} failed after {failure.invocations} invocation(s): "
            f"{type(failure.error).__name__}: {failure.error}",
            file=sys.stderr,
        )
    return 1 if scan.failures else 0


def _add_tools(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("tools", help="tool invocations")
    commands = group.add_subparsers(dest="tools_command", required=True)
    scan = commands.add_parser(
        "scan",
        help="scan the invocations of several tools at once and summarise them",
        description="Scan tool invocations, one query per tool run concurrently under the "
        "get-tool-invocations rate limit, and print per tool/version counts, failure rates, "
        "top exceptions and duration percentiles. Figures go to stdout, progress and errors "
        "to stderr. Exit status 1 when any query failed (its partial figures are still shown).",
    )
    scan.add_argument(
        "--tool-id",
        dest="tool_ids",
        action="extend",
        nargs="+",
        metavar="ID",
        help="tool id(s) to scan (repeatable); with --fake, defaults to the demo tools",
    )
    scan.add_argument(
        "--tool-version",
        dest="tool_versions",
        action="extend",
        nargs="+",
        metavar="SPEC",
        help="a version constraint per --tool-id, in the same order (e.g. '>=2')",
    )
    scan.add_argument("--failed-only", action="store_true", help="fetch failed invocations only")
    scan.add_argument(
        "--since",
        metavar="WHEN",
        help="only invocations created since WHEN: an ISO date/datetime (UTC unless "
        "given), P7D, 12h, 7d... (the queries ask newest first and stop early)",
    )
    scan.add_argument("--source-type", choices=INVOCATION_SOURCE_TYPES)
    scan.add_argument("--format", choices=("table", "json", "csv"), default="table")
    scan.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"queries at once ({DEFAULT_CONCURRENCY})",
    )
    cli.add_client_options(scan)
    scan.set_defaults(handler=_run_scan)


cli.COMMAND_GROUPS.append(_add_tools)
