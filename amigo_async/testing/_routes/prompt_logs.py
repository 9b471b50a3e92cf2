"""get-prompt-logs on the fake server: a zip streamed in fixed-size chunks, as it is written."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ...prompt_logs import MAX_LOGS_PER_PREFIX
from .._app import Call, Reply, Unprocessable, error_reply, handler


def _rechunk(pieces: Iterable[bytes], size: int) -> Iterator[bytes]:
    """Cut the writer's uneven pieces into `size`-byte chunks, like a buffered server."""
    parts: list[bytes] = []
    length = 0
    for piece in pieces:
        parts.append(piece)
        length += len(piece)
        if length >= size:
            buffer = parts[0] if len(parts) == 1 else b"".join(parts)
            whole = length - length % size
            for start in range(0, whole, size):
                yield buffer[start : start + size]
            parts = [buffer[whole:]] if whole < length else []
            length -= whole
    if parts:
        yield b"".join(parts)


@handler("get-prompt-logs")
async def get_prompt_logs(call: Call) -> Reply:
    prefix = call.query("prompt_log_prefix") or ""  # required: checked before the handler
    data = call.state.prompt_logs
    if prefix not in data.pinned:
        matching = len(data.matching(prefix))
        if matching == 0:
            return error_reply(404, "No prompt logs found matching the supplied prefix")
        if matching > MAX_LOGS_PER_PREFIX:
            raise Unprocessable(
                ("query", "prompt_log_prefix"),
                f"the prefix matches {matching} prompt logs; at most "
                f"{MAX_LOGS_PER_PREFIX} are allowed",
            )
    return Reply(
        body=_rechunk(data.stream(prefix), call.server.chunk_size),
        content_type="application/zip",
        streamed=True,
    )
