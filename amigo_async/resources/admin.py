"""Admin endpoints: models, SQL queries, prompt logs."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import aiohttp

from .. import errors
from .._spec import OPERATIONS
from ..models import LLMModel, ModelsResponse, SqlQueryResult, structure
from ..prompt_logs import (
    DEFAULT_MAX_ENTRY_SIZE,
    PromptLogEntry,
    check_max_entry_size,
    check_prefix,
    stream_entries,
)
from ._base import Resource

__all__ = ["AdminResource"]

_PROMPT_LOGS = "get-prompt-logs"
_READ_SIZE = 64 * 1024


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

    def download_prompt_logs(self, prefix: str) -> AsyncGenerator[bytes, None]:
        """get-prompt-logs: the raw zip, as an async iterator of byte chunks.

        A connection lost mid-body raises `TruncatedStreamError`; a body that ends
        cleanly but short of a complete zip is *not* detected here (the documented
        failure mode): use `stream_prompt_logs`, which checks the archive.
        404 (no log matches), 422 (a bad prefix, or more than 1000 logs), 429 and 503
        raise their errors when iteration starts.
        """
        return self._download(check_prefix(prefix))

    def stream_prompt_logs(
        self, prefix: str, *, max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE
    ) -> AsyncGenerator[PromptLogEntry, None]:
        """get-prompt-logs as entries, each delivered as soon as it has arrived whole.

        Raises `TruncatedStreamError` after the last whole entry when the archive is
        incomplete or inconsistent, and `InvalidResponseError` when a file is larger
        than `max_entry_size`. Use ``contextlib.aclosing`` to stop early and release
        the connection at once.
        """
        return self._entries(check_prefix(prefix), check_max_entry_size(max_entry_size))

    async def _download(self, prefix: str) -> AsyncGenerator[bytes, None]:
        async with self._client._stream(
            _PROMPT_LOGS, params={"prompt_log_prefix": prefix}
        ) as response:
            async for chunk in self._body(response):
                yield chunk

    async def _entries(
        self, prefix: str, max_entry_size: int
    ) -> AsyncGenerator[PromptLogEntry, None]:
        async with self._client._stream(
            _PROMPT_LOGS, params={"prompt_log_prefix": prefix}
        ) as response:
            try:
                async for entry in stream_entries(
                    self._body(response), max_entry_size=max_entry_size
                ):
                    yield entry
            except errors.TruncatedStreamError as error:
                self._add_context(error, response)
                raise

    def _add_context(self, error: errors.AmigoError, response: aiohttp.ClientResponse) -> None:
        """Fill in what the parser cannot know: operation, path, status, request id."""
        context = self._client._error(
            errors.AmigoError,
            "",
            OPERATIONS[_PROMPT_LOGS],
            response.url.raw_path,
            status=response.status,
            headers=response.headers,
        )
        for name in ("operation_id", "method", "path", "status", "request_id"):
            if getattr(error, name) is None:
                setattr(error, name, getattr(context, name))

    async def _body(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """The body's chunks; a body cut by the transport raises `TruncatedStreamError`."""
        received = 0
        failure: BaseException | None = None
        try:
            async for chunk in response.content.iter_chunked(_READ_SIZE):
                received += len(chunk)
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as error:
            failure = error
        expected = response.content_length
        if failure is None and (expected is None or received == expected):
            return
        reason = type(failure).__name__ if failure else f"{expected} bytes announced"
        raise self._client._error(
            errors.TruncatedStreamError,
            f"the connection ended after {received} bytes of the body ({reason})",
            OPERATIONS[_PROMPT_LOGS],
            response.url.raw_path,
            status=response.status,
            headers=response.headers,
            bytes_received=received,
        ) from failure
