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


def loads_untrusted(data: bytes | str, *, strict: bool = False) -> Any:
    """`json.loads` of UTF-8 bytes or a str, raising ``ValueError`` for anything a receiver
    could not use whole (bad UTF-8 included).

    `strict` also refuses what two parsers may read differently: a repeated member name
    (which value wins is up to the parser) and ``NaN``/``Infinity``, which JSON does not
    have. A signed body is checked byte for byte, so whoever parses it after us must see
    what we saw.
    """
    try:
        text = data.decode() if isinstance(data, bytes) else data  # a str skips detection
        value = json.loads(text, **_STRICT) if strict else json.loads(text)
        # Decoded bytes hold no surrogate; a str may, and so may what an escape makes.
        if isinstance(data, str) or _SURROGATE_ESCAPE.search(text):
            json.dumps(value, ensure_ascii=False).encode()
    except (RecursionError, MemoryError) as exc:  # UnicodeError is already a ValueError
        raise ValueError(f"unreadable JSON: {type(exc).__name__}") from None
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"unreadable JSON: {name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("unreadable JSON: a member name is repeated")
    return members


_STRICT: dict[str, Any] = {
    "parse_constant": _refuse_constant,
    "object_pairs_hook": _unique_members,
}
