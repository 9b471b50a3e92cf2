"""amigo_async: an async-first client for the Amigo API.

from amigo_async import AmigoClient

async with AmigoClient(organization="acme", token="<JWT>") as client:
    models = await client.admin.get_models()

The public names load on first use (PEP 562), so ``import amigo_async`` stays
cheap: the ``amigo-async`` command is running, and handles Ctrl-C, before aiohttp
loads; and RedisBackend needs the optional redis extra only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import LazyNames

if TYPE_CHECKING:  # The one list of public names: type checkers read it, and so does `_names`.
    from . import errors as errors
    from . import events as events
    from ._client import AmigoClient as AmigoClient
    from ._client import ClientStats as ClientStats
    from ._config import REGIONS as REGIONS
    from ._config import RetryPolicy as RetryPolicy
    from ._config import Timeouts as Timeouts
    from ._limits import InProcessBackend as InProcessBackend
    from ._limits import Permit as Permit
    from ._limits import RateLimit as RateLimit
    from ._limits import RateLimitBackend as RateLimitBackend
    from ._limits import TokenBucket as TokenBucket
    from ._pagination import AsyncPager as AsyncPager
    from ._pagination import Page as Page
    from ._redis import LocalFallback as LocalFallback
    from ._redis import RedisBackend as RedisBackend
    from ._spec import DOCUMENTED_RATE_LIMITS as DOCUMENTED_RATE_LIMITS
    from ._spec import OPERATIONS as OPERATIONS
    from ._spec import Operation as Operation
    from ._version import __version__ as __version__
    from .jobs.export import ExportSummary as ExportSummary
    from .jobs.export import PrefixResult as PrefixResult
    from .jobs.export import export_prompt_logs as export_prompt_logs
    from .jobs.observer import ProgressObserver as ProgressObserver
    from .models import NULL as NULL
    from .prompt_logs import PromptLogEntry as PromptLogEntry
    from .prompt_logs import PromptLogKind as PromptLogKind

_names = LazyNames(__name__, __file__, globals())

if not TYPE_CHECKING:  # a type checker sees the names above, and an unknown one is an error
    __getattr__ = _names.getattr
    __dir__ = _names.dir
