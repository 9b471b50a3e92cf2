"""What the fake reads from the generated API data beyond the validator: headers and schemes.

The validation pass covers path, query and body; the required headers and the
security schemes an operation accepts are facts of the same data file, read here
once so no route module names a header or a scheme by hand.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import attrs

__all__ = ["HeaderFacts", "header_facts"]

_DATA = Path(__file__).resolve().parent.parent / "_generated" / "api.json"


@attrs.frozen
class HeaderFacts:
    required_headers: tuple[str, ...]  # lower case
    basic_allowed: bool  # the operation's `security` lists the Basic scheme


@cache
def _by_operation() -> dict[str, HeaderFacts]:
    with _DATA.open(encoding="utf-8") as file:
        data: dict[str, Any] = json.load(file)
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
