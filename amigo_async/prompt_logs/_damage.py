"""The one failure the zip steps raise for an archive that is cut or inconsistent,
and how its messages show a file name."""

from __future__ import annotations

from collections.abc import Sequence

from .. import errors

_NAME_CHARS = 120  # a member's name may be 65,535 bytes long


class Damaged(Exception):
    """The bytes are not a complete, consistent zip; the message says where.

    The pipeline turns it into `TruncatedStreamError`, counting what was delivered:
    a server whose archive generation fails simply stops sending, so every such
    defect is treated as an incomplete download. `disproved` holds the indexes (in
    delivery order) of delivered members that the central directory contradicts.
    """

    def __init__(self, message: str, disproved: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.disproved = list(disproved)


def shown(name: str) -> str:
    """A file name the server chose, as a message shows it: quoted, cut short, and
    with anything shaped like a credential removed (as every server text is)."""
    return repr(errors.sanitize(name, limit=_NAME_CHARS))
