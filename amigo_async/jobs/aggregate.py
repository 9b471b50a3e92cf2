"""Per tool and version figures over tool invocations: pure, knows nothing of HTTP.

Feed `InvocationAggregator` invocations as a scan delivers them, or hand a finished
collection to `aggregate_invocations`; `amigo_async.jobs.formats` prints the result.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs

from ..models.tools import FailedInvocationStatus, ToolInvocation

if TYPE_CHECKING:
    from .scan import ScannedInvocation

__all__ = [
    "ExceptionSummary",
    "GroupStats",
    "InvocationAggregator",
    "ToolVersionStats",
    "aggregate_invocations",
]


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
    """`InvocationAggregator` over a finished collection (or a scan's items), in one call."""
    aggregator = InvocationAggregator(top_exceptions=top_exceptions)
    for item in invocations:
        aggregator.add(item if isinstance(item, ToolInvocation) else item.invocation)
    return aggregator.results()
