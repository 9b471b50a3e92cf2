"""The documented image rules of an organization, checked from the image's header bytes.

create-organization and modify-organization take four images (base64 text on the
wire) whose format and size the documents fix: a prose rule of the validation pass
(`_rules`), so the client sends none that breaks it and the fake refuses it. Reading
the header (PNG: the IHDR chunk; ICO: the icon
directory) needs no imaging library and tells format and dimensions exactly.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["IMAGE_RULES", "ImageRule", "image_problem", "image_sizes"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ICO_HEADER = b"\x00\x00\x01\x00"  # reserved 0, type 1 (icon)
_ICO_ENTRY = 16
_RATIO_TOLERANCE = 0.01  # relative; a 5:2 logo of 401 x 160 is still 5:2 to the eye


@attrs.frozen
class ImageRule:
    """One image field's rule: its format, its least size and its width / height ratio."""

    format: str  # "PNG" or "ICO"
    min_width: int
    min_height: int
    ratio: float  # width / height; 1.0 means square, checked exactly

    def describe(self) -> str:
        shape = "square" if self.ratio == 1.0 else f"width / height {self.ratio:g}"
        return f"a {self.format} image, {shape}, at least {self.min_width} x {self.min_height}"

    def fits(self, width: int, height: int) -> bool:
        if width < self.min_width or height < self.min_height:
            return False
        if self.ratio == 1.0:
            return width == height
        return abs(width / height - self.ratio) <= self.ratio * _RATIO_TOLERANCE


IMAGE_RULES: Mapping[str, ImageRule] = MappingProxyType(
    {
        "logo": ImageRule("PNG", 400, 160, 2.5),
        "square_logo": ImageRule("PNG", 40, 40, 1.0),
        "favicon": ImageRule("ICO", 40, 40, 1.0),
        "signup_page_headshot": ImageRule("PNG", 292, 400, 0.73),
    }
)
"""The organization documents' rules, by field name."""


def image_sizes(data: bytes) -> tuple[str, list[tuple[int, int]]] | None:
    """(format, [(width, height), ...]) from the header; None when neither PNG nor ICO.

    A PNG has one size; an ICO lists one per icon in its directory (0 means 256).
    A header cut short raises `ValueError`.
    """
    if data.startswith(_PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise ValueError("the PNG header is incomplete (no IHDR chunk)")
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", [(width, height)]
    if data.startswith(_ICO_HEADER) and len(data) >= 6:
        (count,) = struct.unpack("<H", data[4:6])
        if count == 0 or len(data) < 6 + count * _ICO_ENTRY:
            raise ValueError("the ICO directory is empty or incomplete")
        sizes = []
        for index in range(count):
            entry = data[6 + index * _ICO_ENTRY : 8 + index * _ICO_ENTRY]
            sizes.append((entry[0] or 256, entry[1] or 256))
        return "ICO", sizes
    return None


def image_problem(name: str, data: bytes) -> str | None:
    """What keeps `data` from meeting `name`'s documented rule (the words after the field's
    name), or None when it meets it."""
    if not data:
        return "must not be empty"
    rule = IMAGE_RULES[name]
    try:
        found = image_sizes(data[: 6 + 0xFFFF * _ICO_ENTRY])
    except ValueError as exc:
        return f"is not a whole image header ({exc}); it must be {rule.describe()}"
    if found is None or found[0] != rule.format:
        what = "neither PNG nor ICO" if found is None else found[0]
        return f"must be {rule.describe()}; got {what}"
    if not any(rule.fits(width, height) for width, height in found[1]):
        sizes = ", ".join(f"{w} x {h}" for w, h in found[1])
        return f"must be {rule.describe()}; got {sizes}"
    return None
