"""What the fake reads from the generated API data beyond the validator: headers and schemes.

The validation pass covers path, query and body; the required headers and the
security schemes an operation accepts are facts of the same data file, read here
once so no route module names a header or a scheme by hand.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import attrs

from .._validation import api_data

__all__ = ["HeaderFacts", "header_facts", "openapi_document"]


@attrs.frozen
class HeaderFacts:
    required_headers: tuple[str, ...]  # lower case
    basic_allowed: bool  # the operation's `security` lists the Basic scheme


@cache
def openapi_document() -> bytes:
    """The snapshot as the fake serves it at ``/openapi.json`` (FastAPI's path), for tools
    such as schemathesis: the generated data, its security read as the schemes' own
    descriptions say. The snapshot lists Bearer, Basic and ``X-ORG-ID`` in one requirement,
    which in OpenAPI means all three at once; the descriptions make them alternatives, with
    ``X-ORG-ID`` an optional addition to Bearer."""
    document = dict(api_data())
    document["security"] = [a for r in document.get("security", []) for a in _alternatives(r)]
    document["paths"] = {
        path: {method: _with_alternatives(operation) for method, operation in item.items()}
        for path, item in document["paths"].items()
    }
    return json.dumps(document).encode()


def _alternatives(requirement: dict[str, list[str]]) -> list[dict[str, list[str]]]:
    schemes = [name for name in requirement if name != "Bearer-Authorization-Organization"]
    return [{name: []} for name in schemes]


def _with_alternatives(operation: dict[str, Any]) -> dict[str, Any]:
    if "security" not in operation:
        return operation
    alternatives = [a for r in operation["security"] for a in _alternatives(r)]
    return {**operation, "security": alternatives}


@cache
def _by_operation() -> dict[str, HeaderFacts]:
    data = api_data()
    default = data.get("security", [])
    facts: dict[str, HeaderFacts] = {}
    for item in data["paths"].values():
        for operation in item.values():
            headers = tuple(
                parameter["name"].lower()
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "header" and parameter.get("required")
            )
            security = operation.get("security", default)
            basic = not security or any("Basic" in requirement for requirement in security)
            facts[operation["operationId"]] = HeaderFacts(headers, basic)
    return facts


def header_facts(operation_id: str) -> HeaderFacts:
    """The operation's header facts (none required, Basic allowed, when undocumented)."""
    return _by_operation().get(operation_id, HeaderFacts((), True))
