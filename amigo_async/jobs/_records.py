"""A prompt-log entry as an analyst reads it: messages with roles, as JSON or as rows.

One shape for every output format: the JSON document of an entry (a file of its
own, or a line of a JSON-lines file) and the Parquet rows (one per message) carry
the same fields, so a query moves from one format to another unchanged.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import attrs

from ..prompt_logs import PromptLogEntry, PromptLogKind

__all__ = ["Message", "entry_document", "messages_of"]

_ROLE_LINE = re.compile(r"\[([A-Za-z][\w-]{0,31})\]\r?\n")
"""A history message opening with its role on a line of its own: ``[user]``."""
_ROLE_PREFIX = re.compile(r"(system|user|assistant|tool|agent|human|ai|developer):", re.I)
"""A message opening with a well-known role and a colon: ``assistant: Hello``."""


@attrs.frozen
class Message:
    index: int
    role: str | None
    text: str


def _role(text: str) -> str | None:
    """The role a message names at its start; None when it names none.

    The documents say only that history prompts are separated by ``---``, so a
    role is read from the two common rendering forms and never guessed otherwise.
    """
    match = _ROLE_LINE.match(text) or _ROLE_PREFIX.match(text)
    return match.group(1).lower() if match else None


def messages_of(entry: PromptLogEntry) -> list[Message]:
    """A history's messages; any other file is one message. Never empty: an empty
    file is one empty message, so every entry has at least one row."""
    texts = entry.messages if entry.kind is PromptLogKind.HISTORY else (entry.text,)
    if not texts:
        texts = ("",)
    return [Message(index, _role(text), text) for index, text in enumerate(texts)]


def entry_document(
    prefix: str, entry: PromptLogEntry, messages: list[Message], exported_at: datetime
) -> dict[str, Any]:
    """The entry as one JSON object.

    ``text`` appears only when the messages do not join back to the file's text
    with ``"\\n---\\n"`` (see `split_messages`), and ``raw_base64`` only when the
    file is not valid UTF-8: together they keep the bytes as sent recoverable.
    ``modified_at`` is the archive's date and time for the file, without a time
    zone (see `PromptLogEntry.modified_at`); ``exported_at`` is UTC.
    """
    modified = entry.modified_at
    document: dict[str, Any] = {
        "prefix": prefix,
        "log_key": entry.log_key,
        "kind": entry.kind.value,
        "file_name": entry.file_name,
        "size": entry.size,
        "invalid_utf8": entry.invalid_utf8,
        "modified_at": None if modified is None else modified.isoformat(timespec="seconds"),
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "messages": [
            {"index": message.index, "role": message.role, "text": message.text}
            for message in messages
        ],
    }
    if "\n---\n".join(message.text for message in messages) != entry.text:
        document["text"] = entry.text
    if entry.invalid_utf8:
        document["raw_base64"] = base64.b64encode(entry.data).decode("ascii")
    return document
