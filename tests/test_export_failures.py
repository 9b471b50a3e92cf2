"""Which export failures are retried: a cut archive or a lost connection may succeed
on another attempt; an answer that cannot be read will not, and is not retried."""

from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from amigo_async import AmigoClient, RetryPolicy
from amigo_async.jobs.export import export_prompt_logs

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl"
ONE_TRY = RetryPolicy(max_attempts=1)  # the client's own retries apart: the export's are tested


class OneAnswer:
    """A server that answers every prompt-log download with the same 200 body."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body = body
        self.content_type = content_type
        self.requests = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(body=self.body, content_type=self.content_type)


@asynccontextmanager
async def _serve(answer: OneAnswer) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/v1/acme/admin/get_prompt_logs/", answer.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _lzma_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("log-1-history", "user: hi\n---\nassistant: hello\n")
    return buffer.getvalue()


async def _export_once(answer: OneAnswer, out: Path) -> tuple[str, int, str]:
    async with (
        _serve(answer) as base_url,
        AmigoClient("acme", token=JWT, base_url=base_url, retry=ONE_TRY) as client,
    ):
        summary = await export_prompt_logs(client, ["log-"], out, retry_delay=0.01)
    [result] = summary.results
    return result.status, result.attempts, result.error or ""


async def test_an_unsupported_member_fails_the_prefix_at_once(tmp_path: Path) -> None:
    answer = OneAnswer(_lzma_archive(), "application/zip")

    status, attempts, error = await _export_once(answer, tmp_path)

    assert (status, attempts, answer.requests) == ("failed", 1, 1)
    assert error.startswith("InvalidResponseError")


async def test_an_html_body_with_status_200_fails_the_prefix_at_once(tmp_path: Path) -> None:
    answer = OneAnswer(b"<!doctype html><html><body>Sign in</body></html>", "text/html")

    status, attempts, _ = await _export_once(answer, tmp_path)

    assert (status, attempts, answer.requests) == ("failed", 1, 1)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_connection_failure_is_retried_up_to_max_attempts(tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}"
    async with AmigoClient("acme", token=JWT, base_url=base_url, retry=ONE_TRY) as client:
        summary = await export_prompt_logs(
            client, ["log-"], tmp_path, max_attempts=3, retry_delay=0.01
        )

    [result] = summary.results
    assert (result.status, result.attempts) == ("failed", 3)
    assert (result.error or "").startswith("TransportError")
