"""The OpenAPI snapshot, read directly (not through the generator) for tests to compare with."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent


def _find() -> Path | None:
    named = os.environ.get("AMIGO_OPENAPI_SNAPSHOT")
    if named:
        return Path(named) if Path(named).is_file() else None
    for parent in _ROOT.parents:
        candidate = parent / "shared" / "reference" / "amigo-openapi.json"
        if candidate.is_file():
            return candidate
    return None


SNAPSHOT = _find()


@cache
def snapshot() -> dict[str, Any]:
    assert SNAPSHOT is not None
    with SNAPSHOT.open(encoding="utf-8") as file:
        spec: dict[str, Any] = json.load(file)
    return spec


def snapshot_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation of the snapshot."""
    for path, item in snapshot()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield method.upper(), path, operation
