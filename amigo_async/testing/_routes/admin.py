"""Admin endpoints of the fake server: models and SQL queries (prompt logs in their own module).

The fake SQL engine understands three shapes, enough to exercise the documented
behaviour: ``select <integer>`` (one integer row), ``select * from
generate_series(a, b)`` (rows a..b, cut at the documented 1000 rows with
``truncated`` set), and any query mentioning ``pg_sleep`` (408: over the time
limit). Other read-only queries answer one row holding their text; anything that
does not start with ``select`` or ``with`` is refused with 400.
"""

from __future__ import annotations

import re
import time

from .._app import Call, Reply, error_reply, handler, json_reply

_MAX_ROWS = 1000  # the documented row limit of submit-sql-query
_SERIES = re.compile(r"select \* from generate_series\((\d+),\s*(\d+)\)", re.IGNORECASE)


@handler("get-models")
async def get_models(call: Call) -> Reply:
    return json_reply({"models": call.state.admin.models})


@handler("submit-sql-query")
async def submit_sql_query(call: Call) -> Reply:
    query = str(call.json()["sql_query"])
    started = time.perf_counter()
    text = query.strip().rstrip(";").strip()
    if not text.lower().startswith(("select", "with")):
        return error_reply(400, "The SQL query is invalid: only read-only queries are allowed.")
    if "pg_sleep" in text.lower():
        return error_reply(408, "The supplied query cannot be executed within the time limit.")
    columns = [{"name": "?column?", "type": "varchar"}]
    rows: list[list[object]] = [[text]]
    literal = text[len("select") :].strip() if text.lower().startswith("select") else ""
    series = _SERIES.fullmatch(text)
    if literal.isdigit():
        columns = [{"name": "?column?", "type": "integer"}]
        rows = [[int(literal)]]
    elif series is not None:
        first, last = int(series[1]), int(series[2])
        columns = [{"name": "generate_series", "type": "integer"}]
        rows = [[n] for n in range(first, min(last, first + _MAX_ROWS) + 1)]
    truncated = len(rows) > _MAX_ROWS
    return json_reply(
        {
            "execution_time_ms": int((time.perf_counter() - started) * 1000),
            "result": rows[:_MAX_ROWS],
            "truncated": truncated,
            "columns": columns,
        }
    )
