"""Admin endpoints: models, SQL queries, prompt logs."""

from __future__ import annotations

from ..models import LLMModel, ModelsResponse, SqlQueryResult, structure
from ._base import Resource

__all__ = ["AdminResource"]


class AdminResource(Resource):
    async def get_models(self) -> list[LLMModel]:
        """get-models: the LLM models the platform supports now."""
        body = await self._client._request_json("get-models")
        return structure(body, ModelsResponse).models

    async def sql_query(self, sql_query: str) -> SqlQueryResult:
        """submit-sql-query: a read-only query, at most 1000 rows, 30 s on the server."""
        if not isinstance(sql_query, str):
            raise TypeError("sql_query must be a string")
        if not sql_query.strip():
            raise ValueError("sql_query must not be empty")
        body = await self._client._request_json(
            "submit-sql-query", json_body={"sql_query": sql_query, "async_query": False}
        )
        return structure(body, SqlQueryResult)
