"""What a prompt-log archive may cost: checked arguments and the limits while reading."""

from __future__ import annotations

import attrs

from .._validation import check_request

MAX_LOGS_PER_PREFIX = 1000
"""The documents allow only prefixes matching at most this many prompt logs."""

DEFAULT_MAX_ENTRY_SIZE = 256 * 1024 * 1024
"""Largest uncompressed file accepted; a bigger one (a zip bomb) stops the stream."""

DEFAULT_MAX_TOTAL_SIZE = MAX_LOGS_PER_PREFIX * 4 * 1024 * 1024
"""Largest uncompressed archive accepted: 4 MiB for each of the documented 1,000 logs
(a log is a system prompt, a history and perhaps an error, far below that)."""

DEFAULT_MAX_RATIO = 100
"""Largest ratio of decompressed to compressed member bytes over the archive. Prompt
logs are text, which deflates about 3-10 to 1; a zip bomb reaches 1,000 (deflate) or
millions (bzip2) to 1."""

RATIO_FLOOR = 16 * 1024 * 1024
"""The ratio is judged only once this many bytes were decompressed: a small archive
of repeated lines may compress far better than text usually does, and costs nothing."""

MAX_DIRECTORY_SIZE = 32 * 1024 * 1024
"""Bytes kept for the central directory and end records (about 400,000 files of
prompt-log names; the documented 1,000 logs need about 250 KB)."""


def check_prefix(prefix: object) -> str:
    """A prompt-log prefix as the server accepts it (the validation pass's rule for
    get-prompt-logs: not empty, no NUL); raised before any request."""
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, not {type(prefix).__name__}")
    check_request("get-prompt-logs", None, {"prompt_log_prefix": prefix})
    return prefix


def _check_positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer")
    if value < 1:
        raise ValueError(f"{name} must be positive")
    return value


def check_max_entry_size(max_entry_size: object) -> int:
    return _check_positive("max_entry_size", max_entry_size)


@attrs.frozen
class Limits:
    """The caps one archive is read under; built from checked keyword arguments."""

    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE
    max_total_size: int = DEFAULT_MAX_TOTAL_SIZE
    max_ratio: int = DEFAULT_MAX_RATIO

    @classmethod
    def checked(cls, max_entry_size: object, max_total_size: object, max_ratio: object) -> Limits:
        return cls(
            check_max_entry_size(max_entry_size),
            _check_positive("max_total_size", max_total_size),
            _check_positive("max_ratio", max_ratio),
        )
