"""The last step: a zip member that arrived whole becomes a `PromptLogEntry`."""

from __future__ import annotations

import enum
import functools
import logging
from datetime import datetime

import attrs

from ._damage import shown
from ._messages import split_messages

logger = logging.getLogger("amigo_async.prompt_logs")


class PromptLogKind(enum.StrEnum):
    """Which file of a prompt log an entry is; compares equal to its string value."""

    SYSTEM = "system"
    HISTORY = "history"
    ERROR = "error"
    UNKNOWN = "unknown"  # a file name without a documented suffix; surfaced, not dropped


_KINDS = {kind.value: kind for kind in PromptLogKind if kind is not PromptLogKind.UNKNOWN}


@attrs.frozen
class PromptLogEntry:
    """One file of the archive.

    `data` holds the file's bytes exactly as the server sent them (an export writes
    those, so nothing is lost). `text` is their UTF-8 decoding, made on first use;
    `invalid_utf8` says that bytes which are not UTF-8 were replaced by U+FFFD in
    it. For an `UNKNOWN` entry, `log_key` is the whole file name. `messages` (a
    history split on its separator lines, see `split_messages`) is also computed on
    first use, so a consumer pays only for what it reads. `modified_at` is the
    date and time the archive gives the file (its zip header: the server's clock,
    no time zone, two-second steps), None when the archive gives none.
    """

    log_key: str
    kind: PromptLogKind
    data: bytes = attrs.field(repr=False)
    file_name: str = ""
    modified_at: datetime | None = None

    @property
    def size(self) -> int:
        """Uncompressed bytes in the archive."""
        return len(self.data)

    @functools.cached_property
    def _decoded(self) -> tuple[str, bool]:
        try:
            return self.data.decode("utf-8"), False
        except UnicodeDecodeError:
            return self.data.decode("utf-8", "replace"), True

    @property
    def text(self) -> str:
        return self._decoded[0]

    @property
    def invalid_utf8(self) -> bool:
        return self._decoded[1]

    @functools.cached_property
    def messages(self) -> tuple[str, ...]:
        """The history's messages; empty for the other kinds."""
        return split_messages(self.text) if self.kind is PromptLogKind.HISTORY else ()


def entry_from_file(
    file_name: str, data: bytes, modified_at: datetime | None = None
) -> PromptLogEntry:
    """Turn one archive member into an entry; never raises for odd names or bytes."""
    kind, log_key = kind_of(file_name)
    if kind is PromptLogKind.UNKNOWN:
        logger.warning(
            "unexpected file %s in a prompt-log archive; kept as 'unknown'", shown(file_name)
        )
    return PromptLogEntry(log_key, kind, data, file_name, modified_at)


def kind_of(file_name: str) -> tuple[PromptLogKind, str]:
    """(kind, log key) from a file name's documented suffix."""
    log_key, dash, suffix = file_name.rpartition("-")
    kind = _KINDS.get(suffix) if dash else None
    return (kind, log_key) if kind is not None else (PromptLogKind.UNKNOWN, file_name)
