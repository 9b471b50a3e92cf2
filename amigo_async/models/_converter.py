"""The one cattrs converter: payloads to attrs classes and back.

Models are plain attrs data and know nothing of JSON; this module knows how to
convert them. Unknown fields are ignored (forward compatibility); datetimes
become aware `datetime`s (UTC when the server sends a naive one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import cattrs

__all__ = ["converter", "parse_datetime", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False, omit_if_default=False)


def parse_datetime(value: Any, _: Any = None) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value)
    else:
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


converter.register_structure_hook(datetime, parse_datetime)
converter.register_unstructure_hook(datetime, lambda value: value.isoformat())


def structure(data: Any, cls: type[T]) -> T:
    return converter.structure(data, cls)


def unstructure(value: Any) -> Any:
    return converter.unstructure(value)
