"""JSON from a sender this library does not trust: one reader, one notion of unreadable.

`json.loads` happily returns a str holding an unpaired UTF-16 surrogate (``"\\ud800"``)
that no encoder takes: the ``UnicodeError`` would surface later, in the user's code,
when an event is printed or stored. Depth and size failures are folded in the same way,
so callers turn one ``ValueError`` into their own `AmigoError`.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["loads_untrusted"]

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: only then can an unpaired one come out."""


def loads_untrusted(data: bytes | str) -> Any:
    """`json.loads` of UTF-8 bytes or a str, raising ``ValueError`` for anything a receiver
    could not use whole (bad UTF-8 included)."""
    try:
        text = data.decode() if isinstance(data, bytes) else data  # a str skips detection
        value = json.loads(text)
        # Decoded bytes hold no surrogate; a str may, and so may what an escape makes.
        if isinstance(data, str) or _SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode()
    except (RecursionError, MemoryError) as exc:  # UnicodeError is already a ValueError
        raise ValueError(f"unreadable JSON: {type(exc).__name__}") from None
    return value
