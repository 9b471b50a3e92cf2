"""URLs built from caller input: path parameters that cannot change which URL is called.

A path parameter that is `.` or `..`, or a multi-segment one holding such a
segment, is refused before anything is sent: a normalising proxy treats `%2E`
as `.` (RFC 3986), so encoding it is not enough to keep the request on its path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

__all__ = ["QueryValue", "check_segment", "encode_path_parameter", "query_items"]

QueryValue = str | int | float | bool | None | Sequence[str | int | float | bool]

_MULTI_SEGMENT_PARAMETERS = frozenset({"file_path", "directory_path", "git_path"})
_DOT_SEGMENTS = frozenset({".", ".."})
_FORBIDDEN_CHARS = frozenset("\r\n\x00")


def check_segment(name: str, text: str) -> str:
    """One URL segment: not empty, not a dot segment, no line break or NUL."""
    if not text:
        raise ValueError(f"{name} must not be empty")
    if text in _DOT_SEGMENTS:
        raise ValueError(f"{name} must not be {text!r}: a dot segment would change the URL")
    if not _FORBIDDEN_CHARS.isdisjoint(text):
        raise ValueError(f"{name} must not contain line breaks or NUL")
    return text


def encode_path_parameter(name: str, value: object) -> str:
    """Percent-encode one path parameter; file, directory and git paths keep their `/`."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    text = str(value)
    if name in _MULTI_SEGMENT_PARAMETERS:
        if text == "":
            return ""
        segments = text.split("/")
        for index, segment in enumerate(segments):
            if segment in _DOT_SEGMENTS:
                check_segment(f"{name} segment {index}", segment)
        return "/".join(quote(segment, safe="") for segment in segments)
    return quote(check_segment(name, text), safe="")


def query_items(params: Mapping[str, QueryValue]) -> list[tuple[str, str]]:
    """Query pairs in order; None is left out, a list repeats its key, bools are lower case."""
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else (value,)
        for item in values:
            if isinstance(item, bool):
                items.append((key, "true" if item else "false"))
            else:
                items.append((key, str(item)))
    return items
