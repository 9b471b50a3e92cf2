"""Server-chosen text made safe for a terminal.

An agent's message, a model's name or an error the server phrased may carry
escape sequences: an OSC that retitles the window or writes the clipboard, a CSI
that clears the screen or moves the cursor to forge earlier lines. Every control
character (C0 but tab and, in multi-line text, newline; DEL; C1, whose U+009B
alone starts a CSI on many terminals) is shown as a visible ``\\xNN`` instead.
"""

from __future__ import annotations

import re

__all__ = ["terminal_safe"]

_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROLS_BUT_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """`text` with each control character written out as ``\\xNN``."""
    pattern = _CONTROLS_BUT_NEWLINE if multiline else _CONTROLS
    return pattern.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
