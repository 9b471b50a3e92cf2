"""Prompt logs: bytes -> zip members -> entries, and the check that the archive is whole.

get-prompt-logs streams a zip of ``{log_key}-system``, ``{log_key}-history`` and
``{log_key}-error`` files. When the server's generation fails the stream simply
ends, and the bytes are not a valid zip. The steps, each testable without HTTP:

* `_members`: bytes, pushed as they arrive -> the members that arrived whole
  (decompressed once, CRC-32 and sizes checked against the local header or the
  data descriptor), with caps per file, per archive and on the compression ratio;
* `_entry`: each member -> a `PromptLogEntry` (`_messages` splits a history);
* `_directory`: at the end, the end records and the central directory must end the
  bytes and list exactly the names, sizes, CRC-32s and offsets that arrived (in
  any order), and name the delivered members they contradict;
* `_pipeline`: `iter_entries` and `stream_entries` drive the steps.

An entry is delivered once it is whole: all its bytes decompressed and matching
the CRC-32 and sizes after them (or in its local header). Whatever goes wrong,
the error comes after every whole entry was delivered: `TruncatedStreamError`
for a cut or inconsistent archive, `InvalidResponseError` for what retrying cannot
fix (not a zip, an unsupported feature, a cap passed); nothing else, whatever the
bytes. A local header's name is not covered by its CRC-32, so a damaged one
delivers a file under a wrong name before the directory can tell:
`TruncatedStreamError.disproved` then names those entries.

A name without the UTF-8 flag is read as UTF-8 when it is valid UTF-8, else as
cp437 (the format's default): writers that omit the flag mostly mean UTF-8.
"""

from ._entry import PromptLogEntry, PromptLogKind, entry_from_file
from ._limits import (
    DEFAULT_MAX_ENTRY_SIZE,
    DEFAULT_MAX_RATIO,
    DEFAULT_MAX_TOTAL_SIZE,
    MAX_LOGS_PER_PREFIX,
    check_max_entry_size,
    check_prefix,
)
from ._messages import split_messages
from ._pipeline import iter_entries, stream_entries

__all__ = [
    "DEFAULT_MAX_ENTRY_SIZE",
    "DEFAULT_MAX_RATIO",
    "DEFAULT_MAX_TOTAL_SIZE",
    "MAX_LOGS_PER_PREFIX",
    "PromptLogEntry",
    "PromptLogKind",
    "check_max_entry_size",
    "check_prefix",
    "entry_from_file",
    "iter_entries",
    "split_messages",
    "stream_entries",
]
