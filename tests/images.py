"""Smallest images with real headers: enough for the organization image rules."""

from __future__ import annotations

import struct
import zlib

__all__ = ["ico", "png"]


def png(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk for `width` x `height` (no pixel data is needed)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + crc


def ico(*sizes: tuple[int, int]) -> bytes:
    """An icon directory listing one entry per (width, height); 256 is written as 0."""
    header = struct.pack("<HHH", 0, 1, len(sizes))
    entries = b"".join(
        struct.pack("<BBBBHHII", w % 256, h % 256, 0, 0, 1, 32, 0, 0) for w, h in sizes
    )
    return header + entries
