"""amigo_async: an async-first client for the Amigo API.

from amigo_async import AmigoClient

async with AmigoClient(organization="acme", token="<JWT>") as client:
    models = await client.admin.get_models()

The public names load on first use (PEP 562), so ``import amigo_async`` stays
cheap: the ``amigo-async`` command is running, and handles Ctrl-C, before aiohttp
loads; and RedisBackend needs the optional redis extra only when used.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # The one list of public names: type checkers read it, and so does `_sources`.
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

_found: dict[str, tuple[str, str | None]] = {}


def _sources() -> dict[str, tuple[str, str | None]]:
    """Public name -> (module, attribute; None for a module), read from the imports above.

    Read from this file's own text on first use, so the names are written once
    and the imports still run only when a name is asked for.
    """
    if not _found:
        tree = ast.parse(Path(__file__).read_text("utf-8"))
        block = next(node for node in tree.body if isinstance(node, ast.If))
        for node in block.body:
            assert isinstance(node, ast.ImportFrom)
            for alias in node.names:
                if node.module is None:  # `from . import errors`: a submodule
                    _found[alias.asname or alias.name] = (f".{alias.name}", None)
                else:
                    module = "." * node.level + node.module
                    _found[alias.asname or alias.name] = (module, alias.name)
    return _found


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use, then keep it here."""
    if name == "__all__":
        value: object = sorted(_sources())
    else:
        source = _sources().get(name)
        if source is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        module_name, attribute = source
        module = importlib.import_module(module_name, __name__)
        value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_sources()})
