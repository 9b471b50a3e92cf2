# pyarrow ships no type information, and is an optional extra: a user's mypy, which
# follows imports into this module, must trip over neither.
# mypy: disable-error-code="import-untyped,import-not-found"
"""Where one prefix's entries go: a file per entry, a JSON-lines file or a Parquet file.

A sink receives the entries of one archive as they arrive and publishes them
only when told the archive's fate: `commit` once the archive proved complete,
`abandon` when it did not. Until then nothing stands under a final name, so the
output directory never holds an entry the archive's own directory disproves.

- ``files``: ``<prefix>/<log key>.<kind>.json``, one JSON document per entry
  (staged, see `StagedFiles`); an abandoned archive keeps the entries that
  arrived whole and are not disproved.
- ``jsonl``: ``<prefix>.jsonl``, the same documents one per line.
- ``parquet``: ``<prefix>.parquet``, one row per message, written in row groups
  of about a megabyte of text. ``modified_at`` is the archive's date and time
  for the file (no time zone), ``exported_at`` the export's (UTC).
  Needs ``pyarrow`` (the ``parquet`` extra), imported only when used.

The two table formats publish a prefix whole or not at all: an abandoned
archive's rows are dropped, and the prefix is fetched again by a later attempt
or a ``resume``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from array import array
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

import orjson

from ..prompt_logs import PromptLogEntry
from ._files import FileNames, StagedFiles, output_name, prepare_directory, temporary_name
from ._records import entry_document, messages_of

if TYPE_CHECKING:
    import pyarrow

__all__ = ["FORMATS", "ExportFormat", "Sink", "open_sink", "output_path", "require_pyarrow"]

ExportFormat = Literal["files", "jsonl", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("files", "jsonl", "parquet")

_ROW_GROUP_BYTES = 1024 * 1024  # text buffered before a Parquet row group is written
_ROW_GROUP_ROWS = 50_000
_MAX_COLUMN_BYTES = 2**31 - 1  # an Arrow string array's 32-bit offsets
_SPOOLS = (".rows", ".text")  # the rows' other fields as JSON lines, their texts as UTF-8
_TEXT = 6  # where a spooled row holds its text's length
_PAGE_BYTES = 128 * 1024  # a Parquet data page, checked every _PAGE_CHECK_ROWS values
_PAGE_CHECK_ROWS = 8
_EPOCH = datetime(1970, 1, 1)
_MILLISECOND = timedelta(milliseconds=1)


class Sink(Protocol):
    @property
    def flush_due(self) -> bool:
        """Whether `flush` has work worth a thread of its own."""
        ...

    def add(self, entry: PromptLogEntry) -> None: ...

    def flush(self) -> None: ...

    def commit(self) -> None: ...

    def abandon(self, disproved: Collection[str]) -> None: ...


_POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"


def _import_writer() -> type:
    """Arrow's Parquet writer, with the C library's malloc as Arrow's default allocator
    when this is the process's first import of pyarrow and the user chose none.

    Arrow picks its default allocator once, while pyarrow is imported. Its usual
    choice (mimalloc) keeps per-thread blocks that a Parquet writer fed row groups
    of a megabyte leaves resident: about 6 MB more peak RSS for a 1 GB export
    (benchmarks/bench_export_memory.py). The variable is set only for the import,
    so the user's environment and child processes never see it.

    The writer comes from `pyarrow._parquet`, the module `pyarrow.parquet` wraps:
    `pyarrow.parquet` also imports `pyarrow.fs` and with it the S3, GCS, Azure and
    HDFS file systems, 4 MB of RSS an export to a local file never uses. The
    wrapper passes its keyword arguments through to this class, so the ones used
    here are the public ones; a pyarrow without the module gets the public class.
    Peak RSS for 1 GB: 93-95 -> 90-91 MB.
    """
    chosen = "pyarrow" in sys.modules or _POOL_VARIABLE in os.environ
    if not chosen:
        os.environ[_POOL_VARIABLE] = "system"
    try:
        try:
            from pyarrow._parquet import ParquetWriter
        except ImportError:
            from pyarrow.parquet import ParquetWriter
    finally:
        if not chosen:
            os.environ.pop(_POOL_VARIABLE, None)
    writer: type = ParquetWriter
    return writer


def require_pyarrow() -> None:
    """Fail before any download when the Parquet format cannot be written."""
    try:
        _import_writer()
    except ImportError:
        raise ImportError(
            "the parquet format needs pyarrow: pip install 'amigo_async[parquet]'"
        ) from None


def output_path(export_format: ExportFormat, prefix: str) -> str:
    """Where a prefix's output goes, relative to the output directory."""
    return output_name(prefix, "" if export_format == "files" else f".{export_format}")


def open_sink(export_format: ExportFormat, root: Path, prefix: str, exported_at: datetime) -> Sink:
    """A sink for one attempt at one prefix (blocking: call it off the event loop)."""
    path = output_path(export_format, prefix)
    if export_format == "files":
        return _FilesSink(prepare_directory(root, path), prefix, exported_at)
    if export_format == "jsonl":
        return _JsonLinesSink(root / path, prefix, exported_at)
    return _ParquetSink(root / path, prefix, exported_at)


def _json(document: dict[str, Any], *, indent: bool = False) -> bytes:
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError:  # a lone surrogate in a name: JSON's \u escapes carry it
        return json.dumps(document, indent=2 if indent else None).encode()


class _FilesSink:
    flush_due = False

    def __init__(self, directory: Path, prefix: str, exported_at: datetime) -> None:
        self._staged = StagedFiles(directory)
        self._names = FileNames()
        self._prefix = prefix
        self._exported_at = exported_at

    def add(self, entry: PromptLogEntry) -> None:
        document = entry_document(self._prefix, entry, messages_of(entry), self._exported_at)
        name = self._names.allocate(entry.log_key, f".{entry.kind.value}.json")
        self._staged.add(name, entry.file_name, _json(document, indent=True) + b"\n")

    def flush(self) -> None:
        return None

    def commit(self) -> None:
        self._staged.commit(replace_all=True)

    def abandon(self, disproved: Collection[str]) -> None:
        self._staged.commit(disproved=disproved, replace_all=False)


class _StagedFile:
    """A file written under a temporary name beside its final one, renamed on commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(temporary_name(path.name))

    def publish(self) -> None:
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.temporary.unlink()


class _JsonLinesSink:
    flush_due = False

    def __init__(self, path: Path, prefix: str, exported_at: datetime) -> None:
        self._file = _StagedFile(path)
        self._handle = self._file.temporary.open("xb")
        self._prefix = prefix
        self._exported_at = exported_at

    def add(self, entry: PromptLogEntry) -> None:
        document = entry_document(self._prefix, entry, messages_of(entry), self._exported_at)
        self._handle.write(_json(document) + b"\n")

    def flush(self) -> None:
        return None

    def commit(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        self._file.publish()

    def abandon(self, disproved: Collection[str]) -> None:
        self._handle.close()
        self._file.discard()


def _parquet_schema() -> pyarrow.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("prefix", pa.string()),
            ("log_key", pa.string()),
            ("kind", pa.string()),
            ("file_name", pa.string()),
            ("message_index", pa.int32()),
            ("message_count", pa.int32()),
            ("role", pa.string()),
            ("text", pa.string()),
            ("entry_size", pa.int64()),
            ("invalid_utf8", pa.bool_()),
            ("modified_at", pa.timestamp("ms")),
            ("exported_at", pa.timestamp("ms", tz="UTC")),
        ]
    )


class _ParquetSink:
    """Rows are spooled to hidden files as they arrive and turned into Parquet on
    commit, in the writer thread, so however many prefixes download at once only
    one Parquet writer and its buffers are ever alive (about 30 MB less peak RSS
    for a 1 GB export at the default concurrency, benchmarks/bench_export_memory.py).

    A message's text, nearly all of the bytes, goes to a spool of its own as bare
    UTF-8, and a JSON line holds the row's other fields and the text's length: a
    row group's texts are then one read, which Arrow uses as the column's data in
    place, instead of a Python string per message parsed out of JSON and copied
    into an Arrow buffer (three copies of each row group's text fewer): about 3 MB
    less peak RSS for 1 GB (99-103 -> 96-98 MB, benchmarks/bench_export_memory.py).

    The text column has no dictionary and pages of about 128 KB, each compressed and
    written as it fills (its size is checked every `_PAGE_CHECK_ROWS` values, not
    Arrow's 1,024, so a page of long messages ends soon after 128 KB). A dictionary,
    Arrow's default, holds a row group's texts twice more, as the dictionary and as
    its page, compressed as one at the row group's end: 2 to 3 MB more (93-95 MB
    without it). Texts that repeat within a row group compress less well: the
    benchmark's files, whose texts repeat every few logs, are 47 MB a day, not 24.
    """

    flush_due = False

    def __init__(self, path: Path, prefix: str, exported_at: datetime) -> None:
        self._file = _StagedFile(path)
        self._spools = [_StagedFile(path.with_name(path.name + suffix)) for suffix in _SPOOLS]
        self._rows, self._texts = (spool.temporary.open("xb") for spool in self._spools)
        self._prefix = prefix
        self._exported_at = exported_at

    def add(self, entry: PromptLogEntry) -> None:
        messages = messages_of(entry)
        head = [entry.log_key, entry.kind.value, entry.file_name, len(messages)]
        tail = [entry.size, entry.invalid_utf8, _epoch_milliseconds(entry.modified_at)]
        for message in messages:
            text = message.text.encode()
            row = [*head, message.index, message.role, len(text), *tail]
            self._rows.write(_json_row(row) + b"\n")
            self._texts.write(text)

    def flush(self) -> None:
        return None

    def commit(self) -> None:
        self._close_spools()
        try:
            self._convert()
        except BaseException:
            self._file.discard()
            raise
        finally:
            self._discard_spools()
        self._file.publish()

    def abandon(self, disproved: Collection[str]) -> None:
        self._close_spools()
        self._discard_spools()

    def _close_spools(self) -> None:
        self._rows.close()
        self._texts.close()

    def _discard_spools(self) -> None:
        for spool in self._spools:
            spool.discard()

    def _convert(self) -> None:
        writer_class = _import_writer()
        schema = _parquet_schema()
        pool = _memory_pool()
        writer = writer_class(
            str(self._file.temporary),
            schema,
            version="2.6",  # the public wrapper's defaults, which the class lacks
            writer_engine_version="V2",
            data_page_version="1.0",
            compression="zstd",
            memory_pool=pool,
            use_dictionary=[name for name in schema.names if name != "text"],
            data_page_size=_PAGE_BYTES,
            write_batch_size=_PAGE_CHECK_ROWS,
        )
        rows_spool, texts_spool = (spool.temporary for spool in self._spools)
        try:
            with rows_spool.open("rb") as rows, texts_spool.open("rb") as texts:
                for group in _row_groups(rows):
                    # The texts are read in the call, never bound to a name, so a row
                    # group's are freed before the next group's are read.
                    size = sum(row[_TEXT] for row in group)
                    writer.write_table(self._table(group, _read(texts, size), schema, pool))
        finally:
            writer.close()

    def _table(
        self, rows: list[list[Any]], texts: bytes, schema: pyarrow.Schema, pool: pyarrow.MemoryPool
    ) -> pyarrow.Table:
        import pyarrow as pa

        log_key, kind, file_name, count, index, role, length, size, invalid, modified = zip(
            *rows, strict=True
        )
        columns = {
            "prefix": [self._prefix] * len(rows),
            "log_key": log_key,
            "kind": kind,
            "file_name": file_name,
            "message_index": index,
            "message_count": count,
            "role": role,
            "entry_size": size,
            "invalid_utf8": invalid,
            "modified_at": modified,
            "exported_at": [self._exported_at] * len(rows),
        }
        arrays = [
            _text_array(length, texts)
            if field.name == "text"
            else pa.array(columns[field.name], field.type, memory_pool=pool)
            for field in schema
        ]
        return pa.Table.from_arrays(arrays, schema=schema)


def _text_array(lengths: Sequence[int], texts: bytes) -> pyarrow.Array:
    """The text column over `texts` itself (UTF-8 from Python's encoder, so valid):
    Arrow reads the bytes object in place rather than copying it."""
    import pyarrow as pa

    offsets = array("i", accumulate(lengths, initial=0))
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(texts)]
    return pa.Array.from_buffers(pa.string(), len(lengths), buffers)


def _row_groups(spool: BinaryIO) -> Iterator[list[list[Any]]]:
    """The spooled rows in groups of about `_ROW_GROUP_BYTES` of text (or
    `_ROW_GROUP_ROWS` rows), never more text than one Arrow string array holds."""
    group: list[list[Any]] = []
    size = 0
    for line in spool:
        row = _row_of(line)
        if row[_TEXT] > _MAX_COLUMN_BYTES:  # only with a max_entry_size above 2 GiB
            raise ValueError("a message of over 2 GiB does not fit a Parquet text column")
        if group and size + row[_TEXT] > _MAX_COLUMN_BYTES:
            yield group
            group, size = [], 0
        group.append(row)
        size += row[_TEXT]
        if size >= _ROW_GROUP_BYTES or len(group) >= _ROW_GROUP_ROWS:
            yield group
            group, size = [], 0
    if group:
        yield group


def _read(spool: BinaryIO, size: int) -> bytes:
    data = spool.read(size)
    if len(data) != size:
        raise OSError(f"{spool.name}: the texts' spool ends early")
    return data


def _memory_pool() -> pyarrow.MemoryPool:
    """Arrow's jemalloc where the wheel has it (Linux, macOS), else the C library's malloc.

    The conversion allocates and frees a row group's columns over and over;
    jemalloc handed them back where malloc kept part of them resident (1.5 to 5 MB
    less peak RSS, benchmarks/bench_export_memory.py, measured while the text column
    was copied into the pool too; since it is read in place the two are within a
    megabyte). The pool is passed to each call, so the process's default pool stays
    the user's.
    """
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.system_memory_pool()


def _epoch_milliseconds(moment: datetime | None) -> int | None:
    """A zone-less date and time as the number Parquet stores for it (the spool is JSON)."""
    return None if moment is None else (moment - _EPOCH) // _MILLISECOND


def _json_row(row: list[Any]) -> bytes:
    try:
        return orjson.dumps(row)
    except TypeError:  # a lone surrogate in a name: JSON's \u escapes carry it
        return json.dumps(row).encode()


def _row_of(line: bytes) -> list[Any]:
    try:
        row: list[Any] = orjson.loads(line)
    except orjson.JSONDecodeError:  # the \u escape of a lone surrogate
        row = json.loads(line)
    return row
