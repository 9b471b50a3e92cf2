"""attrs models for request and response bodies, and the shared cattrs converter."""

from ._converter import converter, structure, unstructure
from .admin import Column, LLMModel, ModelsResponse, SqlQueryResult

__all__ = [
    "Column",
    "LLMModel",
    "ModelsResponse",
    "SqlQueryResult",
    "converter",
    "structure",
    "unstructure",
]
