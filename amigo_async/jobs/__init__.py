"""Long jobs built on the client: the prompt-log export and the invocation scan.

Library code: no argparse, no terminal. Both take a `ProgressObserver` for
progress; the ``amigo-async`` command's terminal bar is one.
"""

from .aggregate import (
    ExceptionSummary,
    GroupStats,
    InvocationAggregator,
    ToolVersionStats,
    aggregate_invocations,
)
from .dates import WINDOW_DAYS, date_prefixes
from .export import ExportSummary, PrefixResult, export_prompt_logs, safe_file_name
from .formats import format_csv, format_json, format_table
from .observer import ProgressObserver
from .scan import (
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
    "WINDOW_DAYS",
    "ExceptionSummary",
    "ExportSummary",
    "GroupStats",
    "InvocationAggregator",
    "InvocationScan",
    "PrefixResult",
    "ProgressObserver",
    "QueryFailure",
    "ScanProgress",
    "ScanQuery",
    "ScannedInvocation",
    "ToolVersionStats",
    "aggregate_invocations",
    "date_prefixes",
    "export_prompt_logs",
    "format_csv",
    "format_json",
    "format_table",
    "plan_queries",
    "safe_file_name",
    "scan_invocations",
]
