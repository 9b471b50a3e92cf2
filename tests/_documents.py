"""The ```python blocks of README.md and docs/, for the tests that run and type-check them.

A block preceded by ``<!-- example: REASON -->`` is marked: it needs something the
suite may not have (``requires MODULE ...``) or cannot give (a real account).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^```python\s*$\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_MARK = re.compile(r"<!--\s*example:\s*(.*?)\s*-->\s*$")


@attrs.frozen
class Example:
    document: str
    line: int
    code: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"


def examples() -> Iterator[Example]:
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
            mark = _MARK.search(before)
            yield Example(
                document=str(path.relative_to(ROOT)),
                line=text.count("\n", 0, match.start()) + 1,
                code=match.group(1),
                skip=mark.group(1) if mark else None,
            )


EXAMPLES = list(examples())
