"""Admin endpoints: models, SQL queries, prompt logs."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from .. import errors
from ..models import LLMModel, ModelsResponse, SqlQueryResult
from ..prompt_logs import (
    DEFAULT_MAX_ENTRY_SIZE,
    PromptLogEntry,
    check_max_entry_size,
    stream_entries,
)
from ._base import Resource

__all__ = ["AdminResource"]

_PROMPT_LOGS = "get-prompt-logs"
_ZIP = "application/zip"


class AdminResource(Resource):
    async def get_models(self) -> list[LLMModel]:
        """get-models: the LLM models the platform supports now."""
        return (await self._transport.request_json("get-models", ModelsResponse)).models

    async def sql_query(self, sql_query: str) -> SqlQueryResult:
        """submit-sql-query: a read-only query, at most 1000 rows, 30 s on the server."""
        return await self._transport.request_json(
            "submit-sql-query",
            SqlQueryResult,
            json_body={"sql_query": sql_query, "async_query": False},
        )

    def download_prompt_logs(self, prefix: str) -> AsyncGenerator[bytes, None]:
        """get-prompt-logs: the raw zip, as an async iterator of byte chunks.

        A connection lost mid-body raises `TruncatedStreamError`; a body that ends
        cleanly but short of a complete zip is *not* detected here (the documented
        failure mode): use `stream_prompt_logs`, which checks the archive.
        404 (no log matches), 422 (a bad prefix, or more than 1000 logs), 429 and 503
        raise their errors when iteration starts.
        """
        return self._download(self._checked(prefix))

    def stream_prompt_logs(
        self, prefix: str, *, max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE
    ) -> AsyncGenerator[PromptLogEntry, None]:
        """get-prompt-logs as entries, each delivered as soon as it has arrived whole.

        Raises `TruncatedStreamError` after the last whole entry when the archive is
        incomplete or inconsistent, and `InvalidResponseError` when a file is larger
        than `max_entry_size`. Use ``contextlib.aclosing`` to stop early and release
        the connection at once.
        """
        return self._entries(self._checked(prefix), check_max_entry_size(max_entry_size))

    def _checked(self, prefix: str) -> str:
        """The validation pass now: the archive is sent for only when iterated."""
        self._transport.check(_PROMPT_LOGS, params={"prompt_log_prefix": prefix})
        return prefix

    async def _download(self, prefix: str) -> AsyncGenerator[bytes, None]:
        async with self._transport.stream(
            _PROMPT_LOGS, accept=_ZIP, params={"prompt_log_prefix": prefix}
        ) as body:
            async for chunk in body.chunks():
                yield chunk

    async def _entries(
        self, prefix: str, max_entry_size: int
    ) -> AsyncGenerator[PromptLogEntry, None]:
        async with self._transport.stream(
            _PROMPT_LOGS, accept=_ZIP, params={"prompt_log_prefix": prefix}
        ) as body:
            try:
                async for entry in stream_entries(body.chunks(), max_entry_size=max_entry_size):
                    yield entry
            except errors.AmigoError as error:
                raise body.add_context(error) from None
