"""attrs models for request and response bodies, and the shared cattrs converter.

Each area module lists its public classes in ``__all__``; they are re-exported here.
"""

from . import admin, facts, organization, tool_repo, tools
from ._converter import (
    NULL,
    Null,
    converter,
    describe_mismatch,
    structure,
    structure_response,
    unstructure,
)
from .admin import *  # noqa: F403
from .facts import *  # noqa: F403
from .organization import *  # noqa: F403
from .tool_repo import *  # noqa: F403
from .tools import *  # noqa: F403

__all__ = [
    "NULL",
    "Null",
    "converter",
    "describe_mismatch",
    "structure",
    "structure_response",
    "unstructure",
    *admin.__all__,
    *facts.__all__,
    *organization.__all__,
    *tool_repo.__all__,
    *tools.__all__,
]
