"""Versioned records of the fake (behaviour sets, personas, scenarios): selectors and numbering."""

from __future__ import annotations

from typing import Any

from ..._rules import VERSION_SELECTOR as VERSION_SELECTOR_PATTERN
from .._app import Call, Unprocessable
from .._crud import Refused

__all__ = ["next_version", "selected_versions"]


def selected_versions(call: Call, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documented ``version`` selector: ``3``, ``latest``, ``2-5``, ``1-latest``."""
    selector = call.query("version")
    if selector is None:
        return versions
    if not VERSION_SELECTOR_PATTERN.fullmatch(selector):
        raise Unprocessable(("query", "version"), "invalid version selector")
    latest = len(versions)
    low, _, high = selector.partition("-")
    first = latest if low == "latest" else int(low)
    last = first if not high else (latest if high == "latest" else int(high))
    return [v for v in versions if first <= v["version"] <= last]


def next_version(call: Call, versions: list[dict[str, Any]]) -> int:
    """The next version number; 400 (as documented) if the ``version`` query names another."""
    following = len(versions) + 1
    asked = call.query_int("version", following, minimum=2)
    if asked != following:
        raise Refused(400, "The specified version number is not the expected next version.")
    return following
