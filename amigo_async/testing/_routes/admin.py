"""Admin endpoints of the fake server: models and SQL queries (prompt logs in their own module)."""

from __future__ import annotations

import time

from .._app import Call, Reply, Unprocessable, error_reply, handler, json_reply


@handler("get-models")
async def get_models(call: Call) -> Reply:
    return json_reply({"models": call.state.admin.models})


@handler("submit-sql-query")
async def submit_sql_query(call: Call) -> Reply:
    body = call.json()
    if not isinstance(body, dict):
        raise Unprocessable(("body",), "expected an object")
    query = body.get("sql_query")
    if not isinstance(query, str) or not query.strip():
        raise Unprocessable(("body", "sql_query"), "ensure this value has at least 1 characters")
    if body.get("async_query") is not False:
        raise Unprocessable(("body", "async_query"), "unexpected value; permitted: False")
    started = time.perf_counter()
    text = query.strip().rstrip(";").strip()
    if not text.lower().startswith(("select", "with")):
        return error_reply(400, "The SQL query is invalid: only read-only queries are allowed.")
    # The fake evaluates only `select <literal>, ...`; anything else returns one row of the text.
    columns = [{"name": "?column?", "type": "varchar"}]
    rows: list[list[object]] = [[text]]
    literal = text[len("select") :].strip() if text.lower().startswith("select") else ""
    if literal.isdigit():
        columns = [{"name": "?column?", "type": "integer"}]
        rows = [[int(literal)]]
    return json_reply(
        {
            "execution_time_ms": int((time.perf_counter() - started) * 1000),
            "result": rows,
            "truncated": False,
            "columns": columns,
        }
    )
