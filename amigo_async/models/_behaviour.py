"""What a generated model needs that the snapshot cannot say: text forms and reprs.

The generator (scripts/generate_api.py, its `BEHAVIOUR` and `SECRET_FIELDS` tables)
names these in the classes it writes; nothing here imports a generated module.
"""

from __future__ import annotations

__all__ = ["VersionText", "bytes_repr", "redacted_repr"]


class VersionText:
    """A tool version reads as ``major.minor.patch``, as the documents write it."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def bytes_repr(value: bytes | None) -> str:
    """An image in a repr: its size, not kilobytes of escapes."""
    return "None" if value is None else f"<{len(value)} bytes>"


def redacted_repr(_: str) -> str:
    """A secret shown once by the server (a new API key): never in a repr or a log line."""
    return "'[redacted]'"
