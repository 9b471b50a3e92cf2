"""Every request the fake receives, checked against the documents before a handler runs.

The client's own validation pass (`amigo_async._validation.request_problems`) reads
the request as a server does (``from_strings``: "3.0" is 3 for an integer) and
answers what FastAPI answers: 422 with a list of ``{loc, msg, type}``. Handlers
therefore only see requests the snapshot allows, and hold no type, pattern,
length or bound checks of their own.

What FastAPI ignores, the fake ignores too: query parameters the operation does
not document (a body's unknown fields are the schema's business). A multipart body
(interact's) is checked by its fields, a field sent more than once as a list.
"""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from typing import Any

from aiohttp import web

from .._spec import Operation
from .._validation import ABSENT, Problem, described, request_problems
from ._app import Reply, unprocessable
from ._crud import drop_not_set

__all__ = ["form_parts", "refusal"]

_MULTIPART = "multipart/form-data"
_FORM_TYPES = (_MULTIPART, "application/x-www-form-urlencoded")


def refusal(operation: Operation, request: web.Request, body: bytes) -> Reply | None:
    """The documented 422 when the request breaks the snapshot's schemas; None when it fits.

    The tool repo's operations, which the snapshot leaves out, are checked from their
    hand-written facts (`amigo_async._undescribed`), as the client checks them.
    """
    if not described(operation.id):
        return None
    parsed = _json_body(request, body)
    if isinstance(parsed, Reply):
        return parsed
    if isinstance(parsed, dict):
        drop_not_set(operation.id, parsed)  # `{}` means "left out", which any schema allows
    path = {name: value for name, value in request.match_info.items() if name != "organization"}
    query = {name: _one_or_all(request.query.getall(name)) for name in request.query}
    problems = request_problems(
        operation.id, path=path, query=query, body=parsed, from_strings=True
    )
    ignored = {problem.loc[1] for problem in problems if _ignored(problem)}
    if ignored:  # checked again without them: the prose rules run only on a fitting request
        kept = {name: value for name, value in query.items() if name not in ignored}
        problems = request_problems(
            operation.id, path=path, query=kept, body=parsed, from_strings=True
        )
    return unprocessable(problems) if problems else None


def _json_body(request: web.Request, body: bytes) -> Any:
    """The JSON body or a multipart form's fields, ABSENT when there is none (or it is an
    urlencoded form), or a 422 for bad JSON."""
    if request.content_type == _MULTIPART:
        return _form_fields(request, body)
    if not body or request.content_type in _FORM_TYPES:
        return ABSENT
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nesting too deep
        position = getattr(error, "pos", 0)
        return unprocessable([Problem(("body", position), "JSON decode error", "json_invalid")])


def _form_fields(request: web.Request, body: bytes) -> dict[str, str | list[str]] | Any:
    """A multipart body's fields by name (texts; a file's bytes one character a byte), or
    ABSENT when it holds no part.

    The boundary is the body's own first line: interact documents a ``content-type``
    header parameter (``multipart/form-data; boundary=.+``), so a client following the
    snapshot may name a boundary the encoder it uses then does not."""
    fields: dict[str, list[str]] = {}
    for name, payload, is_file in form_parts(body):
        text = payload.decode("latin-1" if is_file else "utf-8", "replace")
        fields.setdefault(name, []).append(text)
    if not fields:
        return ABSENT
    return {name: _one_or_all(values) for name, values in fields.items()}


def form_parts(body: bytes) -> list[tuple[str, bytes, bool]]:
    """A multipart body's parts in order: (name, payload, whether it is a file)."""
    first_line = body.split(b"\r\n", 1)[0]
    boundary = first_line[2:].decode("latin-1") if first_line.startswith(b"--") else ""
    head = f'Content-Type: multipart/form-data; boundary="{boundary}"\r\n\r\n'.encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            parts.append((name, payload, bool(part.get_filename())))
    return parts


def _one_or_all(values: list[str]) -> str | list[str]:
    """One value as itself, several as a list (an array parameter takes either)."""
    return values[0] if len(values) == 1 else values


def _ignored(problem: Problem) -> bool:
    """FastAPI ignores undocumented query parameters; so does the fake."""
    return problem.type == "extra_forbidden" and problem.loc[0] == "query"
