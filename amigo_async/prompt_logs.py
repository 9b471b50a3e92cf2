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

`iter_entries` runs both synchronously. `stream_entries` runs them in small steps
over a bounded buffer filled by the download: on the event loop while a megabyte
of lookahead guarantees a step never waits for bytes (no thread, no contention for
the GIL), in a worker thread while a slow download keeps the lookahead short, so
entries still arrive as their bytes do.

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
from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
    """One file of the archive.

    `data` holds the file's bytes exactly as the server sent them (an export writes
    those, so nothing is lost). `text` is their UTF-8 decoding, made on first use;
    `invalid_utf8` says that bytes which are not UTF-8 were replaced by U+FFFD in
    it. For an `UNKNOWN` entry, `log_key` is the whole file name. `messages` (a
    history split on its separator lines, see `split_messages`) is also computed on
    first use, so a consumer pays only for what it reads.
    """

    log_key: str
    kind: PromptLogKind
    data: bytes = attrs.field(repr=False)
    file_name: str = ""

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
    kind, log_key = _kind_of(file_name)
    if kind is PromptLogKind.UNKNOWN:
        logger.warning("unexpected file %r in a prompt-log archive; kept as 'unknown'", file_name)
    return PromptLogEntry(log_key, kind, data, file_name)


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
        """The members that arrived whole, then (on exhaustion) `listing` is read."""
        for step in self.steps():
            if step is not None:
                yield step

    def steps(self) -> Generator[_File | None, None, None]:
        """`files`, with a `None` after every piece of member data: small steps, so a
        caller can decide before each one where it may run (see `stream_entries`)."""
        name: str | None = None  # of the file being read, or of the last one read
        inside = False
        try:
            for raw_name, declared, chunks in stream_unzip.stream_unzip(
                self._tap, chunk_size=_UNZIP_CHUNK
            ):
                name, inside = _decode_name(raw_name), True
                data = yield from _read_member(name, declared, chunks, self._max_entry_size)
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
    """The entry step: make each file an entry, then compare them all with the listing."""

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
) -> Generator[None, None, bytes]:
    """A member's bytes, with a step (`None`) after each piece; `yield from` it."""
    if declared is not None and declared > max_entry_size:
        raise _too_large(name, max_entry_size)
    parts: list[bytes] = []
    size = 0
    for piece in data_chunks:
        size += len(piece)
        if size > max_entry_size:
            raise _too_large(name, max_entry_size)
        parts.append(piece)
        yield None
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _too_large(name: str, limit: int) -> errors.InvalidResponseError:
    return errors.InvalidResponseError(
        f"prompt-log file {name!r} is larger than max_entry_size ({limit:,} bytes); "
        "stopped reading it (raise max_entry_size if the file is genuine)"
    )


# -- the asynchronous stream: steps on the event loop when they cannot run dry -------

_AMPLE_BYTES = 1024 * 1024
"""Buffered bytes that let a step run on the event loop: one step takes at most a few
hundred KiB (a piece of member data, the next headers; at the end the central
directory, under 1 MiB for the documented 1,000 logs)."""
_BUFFER_BYTES = 4 * 1024 * 1024  # the download pauses while this much waits to be parsed
_PATIENCE_SECONDS = 0.02  # longer to fill the lookahead: the steps run in a worker thread
_POLL_SECONDS = 1.0  # a worker whose event loop died notices within this
_DONE = object()


class _Stop(BaseException):
    """The consumer went away; a step in the worker unwinds without reporting anything."""


class _Starved(Exception):
    """A step on the event loop found no bytes: the zip needs more lookahead than assumed."""


class _Feed:
    """Bytes from the async source, buffered for the synchronous zip step.

    `stream_unzip` pulls bytes from an iterator. On the event loop that iterator
    must never wait, so a step runs there only when it cannot run dry: the source
    has ended, or `_AMPLE_BYTES` are buffered. Otherwise the stream waits a moment
    for more bytes, and a source slower than that gets its steps run in a worker
    thread, where waiting for bytes is allowed. A fast download is so parsed with
    no thread at all (no hand-offs, no contention for the GIL), a slow one as its
    bytes arrive.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._lock = threading.Condition()
        self._chunks: deque[bytes] = deque()
        self.buffered = 0
        self.ended = False
        self._failure: Exception | None = None
        self._stopped = False
        self._became_ready = asyncio.Event()
        self._space = asyncio.Event()

    @property
    def ready(self) -> bool:
        """A step may run on the event loop."""
        return self.ended or self.buffered >= _AMPLE_BYTES

    async def fill(self, chunks: AsyncIterable[bytes]) -> None:
        """Read the source into the buffer, at most `_BUFFER_BYTES` ahead of the parser."""
        failure: Exception | None = None
        try:
            async for chunk in chunks:
                if chunk:
                    self._add(chunk)
                while self.buffered >= _BUFFER_BYTES and not self._stopped:
                    self._space.clear()
                    await self._space.wait()
                if self._stopped:
                    return
        except Exception as error:  # raised to the parser in order, after the bytes before it
            failure = error
        with self._lock:
            self.ended, self._failure = True, failure
            self._lock.notify_all()
        self._became_ready.set()

    def _add(self, chunk: bytes) -> None:
        with self._lock:
            self._chunks.append(chunk)
            self.buffered += len(chunk)
            self._lock.notify_all()
        if self.buffered >= _AMPLE_BYTES:
            self._became_ready.set()

    async def wait_until_ready(self, patience: float) -> bool:
        """True when a step may run on the event loop within `patience` seconds."""
        self._became_ready.clear()
        if self.ready:
            return True
        try:
            async with asyncio.timeout(patience):
                await self._became_ready.wait()
        except TimeoutError:
            return False
        return True

    def source(self) -> Iterator[bytes]:
        on_loop = threading.get_ident  # where each pull runs decides whether it may wait
        while True:
            with self._lock:
                while not self._chunks:
                    if self.ended:
                        if self._failure is not None:
                            raise self._failure
                        return
                    if on_loop() == self._loop_thread:
                        raise _Starved
                    if self._stopped or self._loop.is_closed():
                        raise _Stop
                    self._lock.wait(_POLL_SECONDS)
                chunk = self._chunks.popleft()
                self.buffered -= len(chunk)
                low = self.buffered < _BUFFER_BYTES
            if low:
                self._make_space()
            yield chunk

    def _make_space(self) -> None:
        if threading.get_ident() == self._loop_thread:
            self._space.set()
        else:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                self._loop.call_soon_threadsafe(self._space.set)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._space.set()


def _step(steps: Iterator[_File | None]) -> object:
    try:
        return next(steps, _DONE)
    except _Starved:
        raise errors.InvalidResponseError(
            f"prompt-log archive needs more than {_AMPLE_BYTES:,} bytes of lookahead in one "
            "step (a far larger central directory than the documented 1,000 logs give)"
        ) from None


async def stream_entries(
    chunks: AsyncIterable[bytes],
    *,
    max_entry_size: int = DEFAULT_MAX_ENTRY_SIZE,
) -> AsyncIterator[PromptLogEntry]:
    """`iter_entries` over an async byte source, each entry as soon as its bytes arrived.

    Leaving the loop early (``break``, an exception, cancellation) stops the download
    and any worker; use ``contextlib.aclosing`` to do so at once rather than when the
    generator is garbage-collected.
    """
    limit = check_max_entry_size(max_entry_size)
    loop = asyncio.get_running_loop()
    feed = _Feed(loop)
    reader = _ZipReader(feed.source(), limit)
    steps = reader.steps()
    maker = _EntryMaker()
    filler = asyncio.create_task(feed.fill(chunks))
    worker: ThreadPoolExecutor | None = None
    in_worker: asyncio.Future[object] | None = None
    waiting_since: float | None = None  # since when the lookahead is short
    try:
        while True:
            if feed.ready:
                waiting_since = None
                step = _step(steps)
            else:
                now = loop.time()
                waiting_since = now if waiting_since is None else waiting_since
                patience = waiting_since + _PATIENCE_SECONDS - now
                if patience > 0 and await feed.wait_until_ready(patience):
                    continue
                # The lookahead fills slower than that: step in a worker, which may wait.
                if worker is None:
                    worker = ThreadPoolExecutor(1, thread_name_prefix="amigo-prompt-logs")
                in_worker = loop.run_in_executor(worker, _step, steps)
                step = await in_worker
            if step is _DONE:
                break
            if isinstance(step, _File):
                yield maker.make(step)
        maker.verify(reader.listing, reader.received)
    finally:
        feed.stop()
        if in_worker is not None:
            await asyncio.wait([in_worker])  # a step still waiting for bytes unwinds with _Stop
            if not in_worker.cancelled():
                in_worker.exception()  # retrieved: nobody else will
        steps.close()
        filler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await filler
        if worker is not None:
            worker.shutdown(wait=False)
