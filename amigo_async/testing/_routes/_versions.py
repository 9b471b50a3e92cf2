"""Versioned records of the fake (behaviour sets, personas, scenarios): selectors and numbering."""

from __future__ import annotations

from typing import Any

from .._app import Call, Refused

__all__ = ["next_version", "selected_versions"]


def selected_versions(call: Call, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documented ``version`` selector: ``3``, ``latest``, ``2-5``, ``1-latest`` (its form
    checked by the pass)."""
    selector = call.query("version")
    if selector is None:
        return versions
    latest = len(versions)
    low, _, high = selector.partition("-")
    first = latest if low == "latest" else int(low)
    last = first if not high else (latest if high == "latest" else int(high))
    return [v for v in versions if first <= v["version"] <= last]


def next_version(call: Call, versions: list[dict[str, Any]], refusal: int = 400) -> int:
    """The next version number; `refusal` (the status the operation documents: 400, or 409
    for agents and state machines) if the ``version`` query names another."""
    following = len(versions) + 1
    if call.query_int("version", following) != following:
        raise Refused(refusal, "The specified version number is not the expected next version.")
    return following
