"""amigo_async: an async-first client for the Amigo API.

from amigo_async import AmigoClient

async with AmigoClient(organization="acme", token="<JWT>") as client:
    models = await client.admin.get_models()
"""

from . import errors
from ._client import AmigoClient, ClientStats
from ._config import REGIONS, RetryPolicy, Timeouts
from ._limits import InProcessBackend, Permit, RateLimit, RateLimitBackend, TokenBucket
from ._operations import DOCUMENTED_RATE_LIMITS, OPERATIONS, Operation
from ._pagination import AsyncPager, Page

__version__ = "0.1.0"

__all__ = [
    "DOCUMENTED_RATE_LIMITS",
    "OPERATIONS",
    "REGIONS",
    "AmigoClient",
    "AsyncPager",
    "ClientStats",
    "InProcessBackend",
    "Operation",
    "Page",
    "Permit",
    "RateLimit",
    "RateLimitBackend",
    "RetryPolicy",
    "Timeouts",
    "TokenBucket",
    "__version__",
    "errors",
]
