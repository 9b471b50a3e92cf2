"""A rendered history split into its messages on separator lines."""

from __future__ import annotations


def split_messages(text: str) -> tuple[str, ...]:
    """Split a rendered history on its separator lines.

    A separator is a line whose whole content is ``---`` (a line ends at ``\\n``; a
    ``\\r`` before it, or at the very end of the text, belongs to the line break).
    The separator line, its line break and the line break just before it are
    removed; everything else is kept verbatim. `k` separators always give `k + 1`
    messages, so a leading separator yields an empty first message, a trailing one
    an empty last message, and two adjacent ones an empty message between them.
    An empty text has no messages; a text without separators is one message.

    ``"\\n---\\n".join(messages)`` gives the text back when its line breaks are
    ``\\n`` and no separator line starts or ends the text or follows another one
    directly. In those three cases the join adds a line break the text did not
    have (``"---\\na"`` gives ``("", "a")``, which joins to ``"\\n---\\na"``): the
    messages are the same, the text around the separators is not restored.
    """
    if not text:
        return ()
    position = text.find("---")
    if position < 0:
        return (text,)
    messages: list[str] = []
    start, length = 0, len(text)
    while position >= 0:
        after = _separator_end(text, position, length)
        if after < 0:
            position = text.find("---", position + 1)
            continue
        end = position
        if position > 0:  # drop the line break before the separator (not a previous one's)
            end -= 1
            if end - 1 >= start and text[end - 1] == "\r":
                end -= 1
        messages.append(text[start : max(end, start)])
        start = after
        position = text.find("---", after)
    messages.append(text[start:])
    return tuple(messages)


def _separator_end(text: str, position: int, length: int) -> int:
    """Where the line after a ``---`` at `position` starts, or -1 if it is no separator."""
    if position > 0 and text[position - 1] != "\n":
        return -1
    after = position + 3
    if after == length:
        return after
    if text[after] == "\n":
        return after + 1
    if text[after] == "\r":
        if after + 1 == length:
            return after + 1
        if text[after + 1] == "\n":
            return after + 2
    return -1
