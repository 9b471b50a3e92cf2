"""Moved to `amigo_async.jobs`: this module keeps the old import path working.

`resources.tools` still imports the scan from here; once it imports from
`amigo_async.jobs.scan`, this module can go. `ScanObserver` is now
`amigo_async.ProgressObserver`; the aggregator and the formatters live in
`amigo_async.jobs.aggregate` and `amigo_async.jobs.formats`.
"""

from .jobs.observer import ProgressObserver as ScanObserver
from .jobs.scan import (
    DEFAULT_CONCURRENCY,
    InvocationScan,
    QueryFailure,
    ScannedInvocation,
    ScanProgress,
    ScanQuery,
    plan_queries,
    scan_invocations,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "InvocationScan",
    "QueryFailure",
    "ScanObserver",
    "ScanProgress",
    "ScanQuery",
    "ScannedInvocation",
    "plan_queries",
    "scan_invocations",
]
