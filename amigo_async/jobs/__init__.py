"""Long jobs built on the client: the prompt-log export and the invocation scan.

Library code: no argparse, no terminal. Both take a `ProgressObserver` for
progress; the ``amigo-async`` command's terminal bar is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import LazyNames

if TYPE_CHECKING:  # The one list of public names: type checkers read it, and so does `_names`.
    from .aggregate import ExceptionSummary as ExceptionSummary
    from .aggregate import GroupStats as GroupStats
    from .aggregate import InvocationAggregator as InvocationAggregator
    from .aggregate import ToolVersionStats as ToolVersionStats
    from .aggregate import aggregate_invocations as aggregate_invocations
    from .dates import WINDOW_DAYS as WINDOW_DAYS
    from .dates import date_prefixes as date_prefixes
    from .export import ExportSummary as ExportSummary
    from .export import PrefixResult as PrefixResult
    from .export import export_prompt_logs as export_prompt_logs
    from .export import safe_file_name as safe_file_name
    from .formats import format_csv as format_csv
    from .formats import format_json as format_json
    from .formats import format_table as format_table
    from .observer import ProgressObserver as ProgressObserver
    from .scan import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY
    from .scan import InvocationScan as InvocationScan
    from .scan import QueryFailure as QueryFailure
    from .scan import ScannedInvocation as ScannedInvocation
    from .scan import ScanProgress as ScanProgress
    from .scan import ScanQuery as ScanQuery
    from .scan import ToolsWithScan as ToolsWithScan
    from .scan import plan_queries as plan_queries
    from .scan import scan_invocations as scan_invocations

_names = LazyNames(__name__, __file__, globals())

if not TYPE_CHECKING:  # each job loads when first used: the client needs only the scan
    __getattr__ = _names.getattr
    __dir__ = _names.dir
