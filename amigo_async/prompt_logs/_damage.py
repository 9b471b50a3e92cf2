"""The one failure the zip steps raise for an archive that is cut or inconsistent."""

from __future__ import annotations


class Damaged(Exception):
    """The bytes are not a complete, consistent zip; the message says where.

    The pipeline turns it into `TruncatedStreamError`, counting what was delivered:
    a server whose archive generation fails simply stops sending, so every such
    defect is treated as an incomplete download.
    """
