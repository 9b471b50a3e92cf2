"""Prompt logs: bytes -> zip members -> entries, and the check that the archive is whole.

get-prompt-logs streams a zip of ``{log_key}-system``, ``{log_key}-history`` and
``{log_key}-error`` files. When the server's generation fails the stream simply
ends, and the bytes are not a valid zip. `stream_unzip` notices a cut inside a
member, but not one inside the central directory, so after the last member this
module reads the end of the archive itself and checks it against what arrived.

Two steps, each testable without HTTP:

* the zip step (`_ZipReader`): bytes -> members that arrived whole, then the end of
  the archive: the end-of-central-directory record (Zip64 too) must end the bytes,
  and the central directory must end where it begins;
* the entry step (`_EntryMaker`): each member -> a `PromptLogEntry`; at the end,
  the central directory must list exactly the names, sizes and CRC-32s that arrived.

`iter_entries` runs both synchronously. `stream_entries` runs the zip step in a
worker thread fed through a bounded buffer, and the entry step where the entries
are consumed, so unzipping overlaps the download and the event loop pays a few
cross-thread hand-offs per megabyte rather than several per member.

An entry is *whole*, and only then delivered, when all its bytes were decompressed
and their CRC-32 and size matched the data descriptor after them (or the local
header when the member has none). `stream_unzip` reads 28 bytes from a data
descriptor's start to tell its layouts apart, so a member whose descriptor, or the
8 bytes after the next signature, were cut off is not delivered either. Whatever
goes wrong, `TruncatedStreamError` comes after every whole entry was delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import struct
import threading
import zlib
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import NamedTuple

import attrs
import stream_unzip

from . import errors

__all__ = [
    "DEFAULT_MAX_ENTRY_SIZE",
    "MAX_LOGS_PER_PREFIX",
    "PromptLogEntry",
    "PromptLogKind",
    "entry_from_file",
    "iter_entries",
    "split_messages",
    "stream_entries",
]

logger = logging.getLogger("amigo_async.prompt_logs")

MAX_LOGS_PER_PREFIX = 1000
"""The documents allow only prefixes matching at most this many prompt logs."""

DEFAULT_MAX_ENTRY_SIZE = 256 * 1024 * 1024
"""Largest uncompressed file accepted; a bigger one (a zip bomb) stops the stream."""

_UNZIP_CHUNK = 64 * 1024


class PromptLogKind(enum.StrEnum):
    """Which file of a prompt log an entry is; compares equal to its string value."""

    SYSTEM = "system"
    HISTORY = "history"
    ERROR = "error"
    UNKNOWN = "unknown"  # a file name without a documented suffix; surfaced, not dropped


_KINDS = {kind.value: kind for kind in PromptLogKind if kind is not PromptLogKind.UNKNOWN}


@attrs.frozen
class PromptLogEntry:
    """One file of the archive, decoded.

    `invalid_utf8` says that bytes which are not UTF-8 were replaced by U+FFFD in
    `text`. For an `UNKNOWN` entry, `log_key` is the whole file name. `messages`
    (a history split on its separator lines, see `split_messages`) is computed on
    first use, so a consumer that only stores `text` does not pay for it.
    """

    log_key: str
    kind: PromptLogKind
    text: str
    file_name: str = ""
    size: int = 0  # uncompressed bytes in the archive
    invalid_utf8: bool = False

    @functools.cached_property
    def messages(self) -> tuple[str, ...]:
        """The history's messages; empty for the other kinds."""
        return split_messages(self.text) if self.kind is PromptLogKind.HISTORY else ()


def split_messages(text: str) -> tuple[str, ...]:
    """Split a rendered history on its separator lines.

    A separator is a line whose whole content is ``---`` (a line ends at ``\\n``; a
    ``\\r`` before it, or at the very end of the text, belongs to the line break).
    The separator line, its line break and the line break just before it are
    removed; everything else is kept verbatim. `k` separators always give `k + 1`
    messages, so a leading separator yields an empty first message, a trailing one
    an empty last message, and two adjacent ones an empty message between them.
    ``"\\n---\\n".join(messages)`` gives the text back (for ``\\n`` line breaks).
    An empty text has no messages; a text without separators is one message.
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


def entry_from_file(file_name: str, data: bytes) -> PromptLogEntry:
    """Turn one archive member into an entry; never raises for odd names or bytes."""
    try:
        text = data.decode("utf-8")
        invalid = False
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        invalid = True
    kind, log_key = _kind_of(file_name)
    if kind is PromptLogKind.UNKNOWN:
        logger.warning("unexpected file %r in a prompt-log archive; kept as 'unknown'", file_name)
    return PromptLogEntry(log_key, kind, text, file_name, len(data), invalid)


def _kind_of(file_name: str) -> tuple[PromptLogKind, str]:
    log_key, dash, suffix = file_name.rpartition("-")
    kind = _KINDS.get(suffix) if dash else None
    return (kind, log_key) if kind is not None else (PromptLogKind.UNKNOWN, file_name)


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")  # the zip format's default when the UTF-8 flag is absent


# -- the completeness check -----------------------------------------------------

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF
_LOCAL_HEADER = 30
_LOOKAHEAD = 64  # stream_unzip reads at most 28 bytes past a member's data


class _Listed(NamedTuple):
    """One central directory record."""

    name: bytes
    crc: int
    compressed: int
    size: int
    offset: int


class _Tap:
    """Counts the bytes handed to `stream_unzip` and keeps those it may not have parsed.

    After each member (`mark`), everything but the last chunk and a few bytes before
    it is forgotten, so what is kept at the end starts at or before the central
    directory: memory follows the largest member, not the archive.
    """

    def __init__(self, source: Iterable[bytes]) -> None:
        self._source = iter(source)
        self.total = 0
        self._kept: deque[bytes] = deque()
        self._kept_bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = next(self._source)
            except StopIteration:
                return
            except errors.AmigoError as failure:
                raise _SourceFailed(failure) from failure
            if chunk:
                self.total += len(chunk)
                self._kept.append(chunk)
                self._kept_bytes += len(chunk)
                yield chunk

    def mark(self) -> None:
        if not self._kept:
            return
        keep = len(self._kept[-1]) + _LOOKAHEAD
        while self._kept_bytes - len(self._kept[0]) >= keep:
            self._kept_bytes -= len(self._kept.popleft())

    def tail(self) -> tuple[int, bytes]:
        """(offset of the first kept byte, the kept bytes)."""
        return self.total - self._kept_bytes, b"".join(self._kept)


class _SourceFailed(Exception):
    """The byte source itself failed (the connection dropped); not a zip problem."""

    def __init__(self, failure: errors.AmigoError) -> None:
        super().__init__(str(failure))
        self.failure = failure


class _Damaged(Exception):
    """The archive is not complete and consistent; the message says where."""


def _find_end_record(tail: bytes) -> int:
    """The position of the end-of-central-directory record, which must end the archive."""
    position = len(tail)
    floor = max(0, len(tail) - _EOCD.size - _MAX16)
    trailing: int | None = None
    while True:
        position = tail.rfind(b"PK\x05\x06", floor, position)
        if position < 0:
            if trailing is not None:
                raise _Damaged(f"{trailing} bytes follow the end-of-central-directory record")
            raise _Damaged("the archive ends before its end-of-central-directory record")
        if position + _EOCD.size <= len(tail):
            end = position + _EOCD.size + _EOCD.unpack_from(tail, position)[7]
            if end == len(tail):
                return position
            if end < len(tail) and trailing is None:
                trailing = len(tail) - end


def _directory_bounds(tail: bytes, base: int, end_at: int) -> tuple[int, int, int]:
    """(entries, directory size, directory offset) from the end records, Zip64 included."""
    _, disk, cd_disk, on_disk, entries, size, offset, _ = _EOCD.unpack_from(tail, end_at)
    directory_end = base + end_at
    if _MAX16 in (on_disk, entries) or _MAX32 in (size, offset):
        locator_at = end_at - _LOCATOR64.size
        if locator_at < 0 or tail[locator_at : locator_at + 4] != b"PK\x06\x07":
            raise _Damaged("the Zip64 end-of-central-directory locator is missing")
        _, disk64, record_offset, disks = _LOCATOR64.unpack_from(tail, locator_at)
        record_at = record_offset - base
        if disk64 != 0 or disks != 1 or record_at < 0 or record_at + _EOCD64.size > locator_at:
            raise _Damaged("the Zip64 end-of-central-directory locator points nowhere")
        record = _EOCD64.unpack_from(tail, record_at)
        if record[0] != b"PK\x06\x06" or record_at + 12 + record[1] != locator_at:
            raise _Damaged("the Zip64 end-of-central-directory record is damaged")
        disk, cd_disk, on_disk, entries, size, offset = record[4:10]
        directory_end = record_offset
    if disk != 0 or cd_disk != 0 or on_disk != entries:
        raise _Damaged("the archive claims to span several disks")
    if offset + size != directory_end:
        raise _Damaged("the central directory does not end where the end record begins")
    return entries, size, offset


def _zip64_sizes(extra: bytes, *values: int) -> tuple[int, int, int]:
    """The Zip64 extra field's 8-byte values replace, in order, those that are 0xFFFFFFFF."""
    wanted = sum(1 for value in values if value == _MAX32)
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, position)
        if tag == 1 and length >= 8 * wanted:
            large = iter(struct.unpack_from(f"<{wanted}Q", extra, position + 4))
            uncompressed, compressed, offset = (
                next(large) if value == _MAX32 else value for value in values
            )
            return uncompressed, compressed, offset
        position += 4 + length
    raise _Damaged("a central directory record lacks its Zip64 sizes")


def _read_directory(tail: bytes, start: int, size: int, entries: int) -> list[_Listed]:
    listed: list[_Listed] = []
    position, end = start, start + size
    unpack = _CENTRAL.unpack_from
    while position < end:
        if position + _CENTRAL.size > end or tail[position : position + 4] != b"PK\x01\x02":
            raise _Damaged(f"central directory record {len(listed) + 1} is damaged")
        (_, _, _, _, _, _, _, crc, compressed, uncompressed, name_length, extra_length,
         comment_length, _, _, _, offset) = unpack(tail, position)  # fmt: skip
        name_at = position + _CENTRAL.size
        extra_at = name_at + name_length
        position = extra_at + extra_length + comment_length
        if position > end:
            raise _Damaged(f"central directory record {len(listed) + 1} overruns the directory")
        if _MAX32 in (uncompressed, compressed, offset):
            extra = tail[extra_at : extra_at + extra_length]
            uncompressed, compressed, offset = _zip64_sizes(extra, uncompressed, compressed, offset)
        listed.append(_Listed(tail[name_at:extra_at], crc, compressed, uncompressed, offset))
    if len(listed) != entries:
        raise _Damaged(f"the end record counts {entries} files, the directory lists {len(listed)}")
    return listed


def _read_listing(tail: bytes, base: int) -> list[_Listed]:
    """The central directory, after checking that it and the end records end the archive."""
    end_at = _find_end_record(tail)
    entries, size, offset = _directory_bounds(tail, base, end_at)
    if offset < base:
        raise _Damaged("the central directory starts inside the data of the members")
    listed = _read_directory(tail, offset - base, size, entries)
    expected_offset = 0
    for number, entry in enumerate(listed, 1):
        if entry.offset < expected_offset:
            raise _Damaged(f"central directory record {number} has an impossible offset")
        expected_offset = entry.offset + _LOCAL_HEADER + len(entry.name) + entry.compressed
    if expected_offset > offset:
        raise _Damaged("the members overlap the central directory")
    return listed


def _compare(listed: list[_Listed], members: list[tuple[bytes, int, int]]) -> None:
    """Raise `_Damaged` unless the directory lists exactly the (name, size, CRC) that arrived."""
    if len(listed) != len(members):
        raise _Damaged(f"the central directory lists {len(listed)} files, {len(members)} arrived")
    for number, (entry, member) in enumerate(zip(listed, members, strict=True), 1):
        if (entry.name, entry.size, entry.crc) != member:
            raise _Damaged(
                f"central directory record {number} ({_decode_name(entry.name)!r}) disagrees "
                "with the file that arrived (name, size or CRC)"
            )


def _truncated(
    reason: str, *, entries: int, received: int, last_key: str | None
) -> errors.TruncatedStreamError:
    return errors.TruncatedStreamError(
        f"prompt-log archive incomplete: {reason}",
        entries_delivered=entries,
        bytes_received=received,
        last_log_key=last_key,
    )


# -- the two steps: zip members, then entries -------------------------------------


def check_prefix(prefix: object) -> str:
    """A prompt-log prefix as the server accepts it; raised before any request."""
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, not {type(prefix).__name__}")
    if not prefix:
        raise ValueError("prefix must not be empty (a prefix may match at most 1000 logs)")
    if "\x00" in prefix:
        raise ValueError("prefix must not contain NUL")
    return prefix


def check_max_entry_size(max_entry_size: object) -> int:
    if isinstance(max_entry_size, bool) or not isinstance(max_entry_size, int):
        raise TypeError("max_entry_size must be an integer")
    if max_entry_size < 1:
        raise ValueError("max_entry_size must be positive")
    return max_entry_size


class _File(NamedTuple):
    """A member that arrived whole: `stream_unzip` checked its CRC and size."""

    raw_name: bytes
    name: str
    data: bytes


class _ZipReader:
    """The zip step: members that arrived whole, in order, then the archive's listing.

    Failures become `TruncatedStreamError` counting the files read so far (each of
    which becomes an entry), or `InvalidResponseError` for what retrying cannot fix.
    """

    def __init__(self, chunks: Iterable[bytes], max_entry_size: int) -> None:
        self._tap = _Tap(chunks)
        self._max_entry_size = max_entry_size
        self.count = 0
        self._last_name: str | None = None
        self.listing: list[_Listed] = []

    @property
    def received(self) -> int:
        return self._tap.total

    def files(self) -> Iterator[_File]:
        name: str | None = None  # of the file being read, or of the last one read
        inside = False
        try:
            for raw_name, declared, chunks in stream_unzip.stream_unzip(
                self._tap, chunk_size=_UNZIP_CHUNK
            ):
                name, inside = _decode_name(raw_name), True
                data = _read_member(name, declared, chunks, self._max_entry_size)
                self._tap.mark()
                self.count += 1
                self._last_name, inside = name, False
                yield _File(raw_name, name, data)
            base, tail = self._tap.tail()
            self.listing = _read_listing(tail, base)
        except _SourceFailed as failed:
            raise self._truncated(f"the download stopped: {failed}") from failed.failure
        except stream_unzip.TruncatedDataError:
            raise self._truncated(f"the bytes end inside {_where(name, inside)}") from None
        except _Damaged as damaged:
            raise self._truncated(str(damaged)) from None
        except (stream_unzip.UnsupportedFeatureError, stream_unzip.MissingPasswordError) as odd:
            raise errors.InvalidResponseError(
                f"prompt-log archive uses an unsupported zip feature ({type(odd).__name__})"
            ) from None
        except stream_unzip.UnzipError as damaged:
            where = _where(name, inside)
            raise self._truncated(f"{where} is damaged ({type(damaged).__name__})") from None

    def _truncated(self, reason: str) -> errors.TruncatedStreamError:
        last_key = None if self._last_name is None else _kind_of(self._last_name)[1]
        return _truncated(reason, entries=self.count, received=self.received, last_key=last_key)


def _where(name: str | None, inside: bool) -> str:
    if name is None:
        return "the first file"
    return repr(name) if inside else f"the file after {name!r}"


class _EntryMaker:
    """The entry step: decode each file, then compare them all with the archive's listing.

    It runs where the entries are consumed; in the asynchronous pipeline that is the
    event loop, which is otherwise idle, so the worker thread only unzips.
    """

    def __init__(self) -> None:
        self._members: list[tuple[bytes, int, int]] = []
        self._last_key: str | None = None

    def make(self, file: _File) -> PromptLogEntry:
        self._members.append((file.raw_name, len(file.data), zlib.crc32(file.data)))
        entry = entry_from_file(file.name, file.data)
        self._last_key = entry.log_key
        return entry

    def verify(self, listing: list[_Listed], received: int) -> None:
        try:
            _compare(listing, self._members)
        except _Damaged as damaged:
            raise _truncated(
                str(damaged),
                entries=len(self._members),
                received=received,
                last_key=self._last_key,
            ) from None


def iter_entries(
    chunks: Iterable[bytes],
    *,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
) -> Iterator[PromptLogEntry]:
    """Entries of a prompt-log zip, each as soon as it is whole, then the completeness check.

    Raises `TruncatedStreamError` (after yielding every whole entry) when the bytes
    are not a complete, consistent zip or the source failed with an `AmigoError`,
    and `InvalidResponseError` for a file over `max_entry_size` or a zip feature
    (encryption, an unknown compression) a prompt-log archive never uses.
    """
    reader = _ZipReader(chunks, check_max_entry_size(max_entry_size))
    maker = _EntryMaker()
    for file in reader.files():
        yield maker.make(file)
    maker.verify(reader.listing, reader.received)


def _read_member(
    name: str, declared: int | None, data_chunks: Iterable[bytes], max_entry_size: int
) -> bytes:
    if declared is not None and declared > max_entry_size:
        raise _too_large(name, max_entry_size)
    parts: list[bytes] = []
    size = 0
    for piece in data_chunks:
        size += len(piece)
        if size > max_entry_size:
            raise _too_large(name, max_entry_size)
        parts.append(piece)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_large(name: str, limit: int) -> errors.InvalidResponseError:
    return errors.InvalidResponseError(
        f"prompt-log file {name!r} is larger than max_entry_size ({limit:,} bytes); "
        "stopped reading it (raise max_entry_size if the file is genuine)"
    )


# -- the asynchronous pipeline: the zip step in a worker thread -------------------

_BATCH_FILES = 256
_BATCH_BYTES = 1024 * 1024
_INBOX_BYTES = 4 * 1024 * 1024
_OUTBOX_BYTES = 16 * 1024 * 1024
_POLL_SECONDS = 1.0  # a worker whose event loop died notices within this


class _Stop(BaseException):
    """The consumer went away; the worker unwinds without reporting anything."""


@attrs.frozen
class _End:
    """The byte source is exhausted (from the loop) or the archive is read (from the worker)."""

    listing: list[_Listed] = attrs.field(factory=list)
    received: int = 0


@attrs.frozen
class _Failure:
    error: BaseException


class _Pipeline:
    """Runs the zip step in a thread over an async byte source, with bounded buffers.

    The event loop reads bytes into an inbox (a few MiB ahead at most); the worker
    unzips and hands whole files back in batches, flushed when a batch is full or
    whenever it is about to wait for bytes, so the first entry is never held back.
    The loop makes the entries as it yields them. The outbox is bounded too: a slow
    consumer pauses the worker, which pauses the download.
    """

    def __init__(self, chunks: AsyncIterable[bytes], max_entry_size: int) -> None:
        self._loop = asyncio.get_running_loop()
        self._chunks = chunks
        self._max_entry_size = max_entry_size
        self._lock = threading.Condition()
        self._inbox: deque[bytes | _End | _Failure] = deque()
        self._inbox_bytes = 0
        self._space: asyncio.Future[None] | None = None
        self._outbox: asyncio.Queue[list[_File] | _End | _Failure] = asyncio.Queue()
        self._outbox_bytes = 0
        self._pending: list[_File] = []
        self._pending_bytes = 0
        self._stopped = False
        self._thread = threading.Thread(target=self._work, name="amigo-prompt-logs", daemon=True)
        self._reader: asyncio.Task[None] | None = None

    # -- event loop side

    async def entries(self) -> AsyncIterator[PromptLogEntry]:
        self._thread.start()
        self._reader = asyncio.create_task(self._read())
        maker = _EntryMaker()
        while True:
            batch = await self._outbox.get()
            if isinstance(batch, _End):
                maker.verify(batch.listing, batch.received)
                return
            if isinstance(batch, _Failure):
                raise batch.error
            with self._lock:
                self._outbox_bytes -= sum(len(file.data) for file in batch)
                self._lock.notify_all()
            for file in batch:
                yield maker.make(file)

    async def _read(self) -> None:
        try:
            async for chunk in self._chunks:
                if not await self._put(chunk):
                    return
            await self._put(_End())
        except Exception as error:  # handed to the worker, which raises it in order
            await self._put(_Failure(error))

    async def _put(self, item: bytes | _End | _Failure) -> bool:
        size = len(item) if isinstance(item, bytes) else 0
        while True:
            with self._lock:
                if self._stopped:
                    return False
                if self._inbox_bytes < _INBOX_BYTES or not self._inbox:
                    self._inbox.append(item)
                    self._inbox_bytes += size
                    self._lock.notify_all()
                    return True
                space = self._space = self._loop.create_future()
            await space

    async def close(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    # -- worker side

    def _work(self) -> None:
        try:
            reader = _ZipReader(self._source(), self._max_entry_size)
            for file in reader.files():
                self._pending.append(file)
                self._pending_bytes += len(file.data)
                if len(self._pending) >= _BATCH_FILES or self._pending_bytes >= _BATCH_BYTES:
                    self._flush()
            self._flush()
            self._send(_End(reader.listing, reader.received))
        except _Stop:
            return
        except BaseException as error:
            with contextlib.suppress(_Stop):
                self._flush()
                self._send(_Failure(error))

    def _source(self) -> Iterator[bytes]:
        while True:
            item = self._take()
            if isinstance(item, _End):
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item

    def _take(self) -> bytes | _End | _Failure:
        with self._lock:
            ready = bool(self._inbox)
        if not ready:
            self._flush()  # about to wait for bytes: hand over what is ready first
        with self._lock:
            while not self._inbox:
                self._wait()
            item = self._inbox.popleft()
            if isinstance(item, bytes):
                self._inbox_bytes -= len(item)
            if self._space is not None and self._inbox_bytes <= _INBOX_BYTES // 2:
                space, self._space = self._space, None
                self._loop.call_soon_threadsafe(_wake, space)
            return item

    def _wait(self) -> None:
        """Wait on the condition (lock held); give up when the consumer or its loop is gone."""
        if self._stopped or self._loop.is_closed():
            raise _Stop
        self._lock.wait(_POLL_SECONDS)
        if self._stopped or self._loop.is_closed():
            raise _Stop

    def _flush(self) -> None:
        if not self._pending:
            return
        batch, size = self._pending, self._pending_bytes
        self._pending, self._pending_bytes = [], 0
        with self._lock:
            while self._outbox_bytes > 0 and self._outbox_bytes + size > _OUTBOX_BYTES:
                self._wait()
            self._outbox_bytes += size
        self._send(batch)

    def _send(self, message: list[_File] | _End | _Failure) -> None:
        try:
            self._loop.call_soon_threadsafe(self._outbox.put_nowait, message)
        except RuntimeError:  # the loop is closed
            raise _Stop from None


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def stream_entries(
    chunks: AsyncIterable[bytes],
    *,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
) -> AsyncIterator[PromptLogEntry]:
    """`iter_entries` over an async byte source, unzipped in a worker thread as bytes arrive.

    Leaving the loop early (``break``, an exception, cancellation) stops the worker
    and the download; use ``contextlib.aclosing`` to do so at once rather than when
    the generator is garbage-collected.
    """
    pipeline = _Pipeline(chunks, check_max_entry_size(max_entry_size))
    try:
        async for entry in pipeline.entries():
            yield entry
    finally:
        await pipeline.close()
