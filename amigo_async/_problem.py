"""What the validation pass reports: one `Problem` per violation of the documents.

Its own module so the schema checks (`_validation`) and the prose rules (`_rules`)
both build problems without importing each other's internals.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

__all__ = ["ABSENT", "Problem", "short"]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final[Any] = _Absent()
"""No body at all (None is a JSON null body)."""


@attrs.frozen
class Problem:
    """One violation: where, in words, and which kind (the names FastAPI answers with)."""

    loc: tuple[str | int, ...]  # ("body", "actions", 2, "type"), ("query", "limit")
    msg: str  # never the whole value: long values are cut
    type: str  # "type_error" | "value_error" | "missing" | "extra_forbidden"

    def where(self) -> str:
        """``body.actions[2].type`` for a body; the bare name for a query or path value."""
        head, *rest = self.loc
        text = "body" if head == "body" else ""
        for part in rest:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else str(part)
        return text or str(head)

    def message(self) -> str:
        return f"{self.where()} {self.msg}"


def short(value: object) -> str:
    """A value for a message: its repr, cut at 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
