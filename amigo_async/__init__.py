"""amigo_async: an async-first client for the Amigo API.

from amigo_async import AmigoClient

async with AmigoClient(organization="acme", token="<JWT>") as client:
    models = await client.admin.get_models()

The public names load on first use (PEP 562), so ``import amigo_async`` stays
cheap: the ``amigo-async`` command is running, and handles Ctrl-C, before aiohttp
loads; and RedisBackend needs the optional redis extra only when used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import errors, events
    from ._client import AmigoClient, ClientStats
    from ._config import REGIONS, RetryPolicy, Timeouts
    from ._limits import InProcessBackend, Permit, RateLimit, RateLimitBackend, TokenBucket
    from ._pagination import AsyncPager, Page
    from ._redis import LocalFallback, RedisBackend
    from ._spec import DOCUMENTED_RATE_LIMITS, OPERATIONS, Operation
    from .jobs.export import ExportSummary, PrefixResult, export_prompt_logs
    from .jobs.observer import ProgressObserver
    from .models import NULL
    from .prompt_logs import PromptLogEntry, PromptLogKind

__version__ = "0.1.0"

_SOURCES = {
    "errors": ".errors",
    "events": ".events",
    "AmigoClient": "._client",
    "ClientStats": "._client",
    "REGIONS": "._config",
    "RetryPolicy": "._config",
    "Timeouts": "._config",
    "InProcessBackend": "._limits",
    "NULL": ".models",
    "Permit": "._limits",
    "RateLimit": "._limits",
    "RateLimitBackend": "._limits",
    "TokenBucket": "._limits",
    "DOCUMENTED_RATE_LIMITS": "._spec",
    "OPERATIONS": "._spec",
    "Operation": "._spec",
    "AsyncPager": "._pagination",
    "Page": "._pagination",
    "LocalFallback": "._redis",
    "RedisBackend": "._redis",
    "ExportSummary": ".jobs.export",
    "PrefixResult": ".jobs.export",
    "export_prompt_logs": ".jobs.export",
    "ProgressObserver": ".jobs.observer",
    "PromptLogEntry": ".prompt_logs",
    "PromptLogKind": ".prompt_logs",
}
"""Where each public name lives (a module's own name for a module)."""


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use, then keep it here."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(source, __name__)
    value = module if source == f".{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DOCUMENTED_RATE_LIMITS",
    "NULL",
    "OPERATIONS",
    "REGIONS",
    "AmigoClient",
    "AsyncPager",
    "ClientStats",
    "ExportSummary",
    "InProcessBackend",
    "LocalFallback",
    "Operation",
    "Page",
    "Permit",
    "PrefixResult",
    "ProgressObserver",
    "PromptLogEntry",
    "PromptLogKind",
    "RateLimit",
    "RateLimitBackend",
    "RedisBackend",
    "RetryPolicy",
    "Timeouts",
    "TokenBucket",
    "__version__",
    "errors",
    "events",
    "export_prompt_logs",
]
