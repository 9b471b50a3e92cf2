"""The API facts the generator extracted from the OpenAPI snapshot, read directly from the
in-repo data file (not through the generated code) for tests to compare with.

``amigo_async/_generated/api.json`` is the snapshot without its prose and without its named
schemas, which ``schemas.txt`` holds one per line (``name<TAB>json``); the facts the prose
stated are ``x-limit-per-minute`` (an operation's 429 text) and ``x-sort-fields``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parent.parent / "amigo_async" / "_generated" / "api.json"


SCHEMAS = SNAPSHOT.with_name("schemas.txt")


@cache
def snapshot() -> dict[str, Any]:
    with SNAPSHOT.open(encoding="utf-8") as file:
        spec: dict[str, Any] = json.load(file)
    with SCHEMAS.open(encoding="utf-8") as file:
        pairs = (line.rstrip("\n").split("\t", 1) for line in file)
        spec["components"]["schemas"] = {name: json.loads(text) for name, text in pairs}
    return spec


def snapshot_operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) for every operation of the snapshot."""
    for path, item in snapshot()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete", "patch"):
                yield method.upper(), path, operation
