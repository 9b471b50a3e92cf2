"""amigo_async: an async-first client for the Amigo API.

from amigo_async import AmigoClient

async with AmigoClient(organization="acme", token="<JWT>") as client:
    models = await client.admin.get_models()
"""

from typing import TYPE_CHECKING

from . import errors
from ._client import AmigoClient, ClientStats
from ._config import REGIONS, RetryPolicy, Timeouts
from ._limits import InProcessBackend, Permit, RateLimit, RateLimitBackend, TokenBucket
from ._pagination import AsyncPager, Page
from ._spec import DOCUMENTED_RATE_LIMITS, OPERATIONS, Operation
from .export import ExportSummary, PrefixResult, export_prompt_logs
from .prompt_logs import PromptLogEntry, PromptLogKind

if TYPE_CHECKING:
    from ._redis import LocalFallback, RedisBackend

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """RedisBackend and LocalFallback need the optional redis extra; load them on first use."""
    if name in ("LocalFallback", "RedisBackend"):
        from . import _redis

        return getattr(_redis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DOCUMENTED_RATE_LIMITS",
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
    "export_prompt_logs",
]
