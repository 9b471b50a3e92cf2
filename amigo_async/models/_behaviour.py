"""What a generated model needs that the snapshot cannot say: text forms, reprs, `NextState`.

The generator (scripts/generate_api.py, its `BEHAVIOUR`, `SECRET_FIELDS` and
`HAND_WRITTEN_UNIONS` tables) names these in the classes it writes; nothing here
imports a generated module.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from ._converter import converter

__all__ = ["NamedPayload", "NextState", "VersionText", "bytes_repr", "redacted_repr"]

NextState: TypeAlias = str | tuple[str, str]
"""An internal state name, or (``"reference.state"``, entry state) of a referenced machine.

No tag tells the two apart, so the converter reads it by shape: a string, or a JSON
array of two strings.
"""


def _structure_next_state(data: Any, _: Any) -> NextState:
    if isinstance(data, str):
        return data
    if isinstance(data, list | tuple) and len(data) == 2 and all(isinstance(x, str) for x in data):
        return (data[0], data[1])
    raise ValueError(f"next_state must be a state name or a [reference, state] pair: {data!r}")


def _unstructure_next_state(value: NextState) -> Any:
    return list(value) if isinstance(value, tuple) else value


converter.register_structure_hook(NextState, _structure_next_state)
converter.register_unstructure_hook(NextState, _unstructure_next_state)


class VersionText:
    """A tool version reads as ``major.minor.patch``, as the documents write it."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


class NamedPayload:
    """An unknown state still has a name a caller can show; `data` is the payload as received."""

    raw: dict[str, Any]

    @property
    def name(self) -> str | None:
        name = self.raw.get("name")
        return name if isinstance(name, str) else None

    @property
    def data(self) -> dict[str, Any]:
        return self.raw


def bytes_repr(value: bytes | None) -> str:
    """An image in a repr: its size, not kilobytes of escapes."""
    return "None" if value is None else f"<{len(value)} bytes>"


def redacted_repr(_: str) -> str:
    """A secret shown once by the server (a new API key): never in a repr or a log line."""
    return "'[redacted]'"
