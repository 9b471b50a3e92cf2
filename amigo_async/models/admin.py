"""Admin models: LLM models and SQL query results."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Column", "LLMModel", "ModelsResponse", "SqlQueryResult"]


@attrs.frozen
class LLMModel:
    name: str
    params_model_schema: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class ModelsResponse:
    models: list[LLMModel]


@attrs.frozen
class Column:
    name: str
    type: str


@attrs.frozen
class SqlQueryResult:
    execution_time_ms: int
    result: list[list[Any]]
    truncated: bool
    columns: list[Column]
