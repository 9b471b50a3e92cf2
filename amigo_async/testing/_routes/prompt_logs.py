"""get-prompt-logs on the fake server: a zip streamed as it is written (the server sends it
in fixed-size chunks)."""

from __future__ import annotations

from ...prompt_logs import MAX_LOGS_PER_PREFIX
from .._app import Call, Reply, Unprocessable, error_reply, handler


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
    return Reply(body=data.stream(prefix), content_type="application/zip", streamed=True)
