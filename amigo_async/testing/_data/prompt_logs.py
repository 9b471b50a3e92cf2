"""Prompt logs of the fake server, and the streaming zip writer that serves them.

Contents are described, not stored: a `GeneratedText` renders deterministic text
from a seed when an archive is written, and the archive is produced member by
member (local header, deflated data, data descriptor, then the central
directory), the way a streaming server writes it. A 1 GB archive therefore needs
no 1 GB of memory, and the same seed always gives the same bytes.
"""

from __future__ import annotations

import functools
import random
import struct
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta

import attrs

from ._common import object_id

__all__ = [
    "DEMO_PREFIX",
    "EXAMPLE_PREFIX",
    "FakePromptLog",
    "GeneratedText",
    "PromptLogData",
    "zip_stream",
]

_SOURCE_TEXT = (
    "the user asked about their order and the assistant checked the account before answering "
    "please confirm the billing address so we can update the refund policy for this customer "
    "next action select tool call result reflect on memory context state agent said thanks "
    "because the previous interaction ended early we resume from the last known safe state"
)
_WORDS = _SOURCE_TEXT.split()
_CORPUS_BYTES = 256 * 1024
_STEPS = ("engage-user", "select-next-action", "reflect")
DEMO_PREFIX = "demo/"
_DATED_DAYS = 7  # `add_week`: `--since` a week ago
_LOGS_PER_DAY = 4
EXAMPLE_PREFIX = "conversation-42"  # the README's `stream_prompt_logs("conversation-42")`


@functools.cache
def _corpus() -> bytes:
    """256 KiB of word soup, longer than deflate's 32 KiB window so it compresses like text."""
    rng = random.Random("prompt-log-corpus")
    lines, size = [], 0
    while size < _CORPUS_BYTES:
        line = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 16))) + "\n"
        lines.append(line)
        size += len(line)
    return "".join(lines).encode()[:_CORPUS_BYTES]


def _excerpt(rng: random.Random, size: int) -> bytes:
    corpus = _corpus()
    parts, left = [], max(size, 0)
    while left > 0:
        start = rng.randrange(len(corpus))
        piece = corpus[start : start + left]
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


@attrs.frozen
class GeneratedText:
    """Deterministic text of exactly `size` bytes; a history when `messages` > 1."""

    seed: str
    size: int
    messages: int = 1
    header: bytes = b""

    def render(self) -> bytes:
        """Exactly `size` bytes (the header included)."""
        rng = random.Random(self.seed)
        if self.messages <= 1:
            text = self.header + _excerpt(rng, self.size - len(self.header))
        else:
            roles = ("user", "assistant")
            each = max(self.size // self.messages - 16, 1)
            bodies = [
                f"[{roles[i % 2]}]\n".encode() + _excerpt(rng, each).rstrip(b"\n")
                for i in range(self.messages)
            ]
            text = self.header + b"\n---\n".join(bodies) + b"\n"
            text += _excerpt(rng, self.size - len(text))
        return text[: self.size]


Content = bytes | GeneratedText


@attrs.frozen
class FakePromptLog:
    """One prompt log: its key and its files (suffix or full member name -> content).

    Files are named ``{log_key}-{suffix}``; an entry of `raw_files` is written under
    its exact name (to serve odd archives in tests).
    """

    log_key: str
    system: Content | None = None
    history: Content | None = None
    error: Content | None = None
    raw_files: tuple[tuple[str, Content], ...] = ()

    def members(self) -> Iterator[tuple[str, Content]]:
        named = {"system": self.system, "history": self.history, "error": self.error}
        yield from ((f"{self.log_key}-{s}", c) for s, c in named.items() if c is not None)
        yield from self.raw_files


@attrs.define
class PromptLogData:
    """The logs the fake serves, plus archives pinned to a prefix byte for byte."""

    logs: list[FakePromptLog] = attrs.field(factory=list)
    pinned: dict[str, bytes] = attrs.field(factory=dict)
    demo_prefixes: list[str] = attrs.field(factory=list)
    days: list[str] = attrs.field(factory=list)
    zip64: bool = False

    @classmethod
    def seeded(cls, rng: random.Random) -> PromptLogData:
        """Five conversations of logs under ``demo/``; one log is a permission error, and
        one interaction's histories hold a byte that is not UTF-8."""
        data = cls()
        for c in range(5):
            conversation = f"{DEMO_PREFIX}{object_id(rng)}"
            data.demo_prefixes.append(conversation)
            for i in range(rng.randint(4, 9)):
                interaction = object_id(rng)
                for step in _STEPS[: rng.randint(1, 3)]:
                    key = f"{conversation}/{interaction}/{step}"
                    seed = f"{key}:{rng.random()}"
                    history = GeneratedText(seed + "h", rng.randint(800, 4000), rng.randint(2, 6))
                    if c == 1 and i == 0:
                        data.logs.append(
                            FakePromptLog(
                                key,
                                error=b"Missing permission Conversation:GetInteractionInsights "
                                b"for this prompt log.\n",
                            )
                        )
                        continue
                    if c == 2 and i == 1:
                        history = GeneratedText(
                            seed + "h", 600, 2, header=b"legacy tool output \xff\n"
                        )
                    data.logs.append(_log(key, seed, step, history, rng))
        for step in _STEPS:
            key = f"{EXAMPLE_PREFIX}/{object_id(rng)}/{step}"
            history = GeneratedText(key + "h", rng.randint(800, 4000), rng.randint(2, 6))
            data.logs.append(_log(key, key, step, history, rng))
        return data

    def add_week(self, today: date | None = None) -> list[str]:
        """Logs under the past week's UTC days (``2026-12-07/...``) but every third, so a
        date-range export shows both kinds of day; the days that have logs.

        The command-line fake calls it; tests seed the days they need themselves.
        """
        last = today if today is not None else datetime.now(UTC).date()
        for number in range(_DATED_DAYS):
            day = (last - timedelta(days=_DATED_DAYS - 1 - number)).isoformat()
            if number % 3 != 2:
                self.add_generated(f"{day}/", _LOGS_PER_DAY, file_size=3000, messages=4)
                self.days.append(day)
        return self.days

    def add(self, log: FakePromptLog) -> None:
        self.logs.append(log)

    def add_generated(
        self,
        prefix: str,
        count: int,
        *,
        file_size: int = 20_000,
        messages: int = 8,
        variants: int | None = None,
    ) -> list[str]:
        """Add `count` logs of about `file_size` bytes per file under `prefix`; their keys.

        With `variants`, contents repeat every `variants` logs, so the fake compresses
        each distinct file once (a benchmark's 1 GB archive costs the server little).
        """
        keys = []
        for i in range(count):
            key = f"{prefix}{i:06d}"
            seed = f"{prefix}:{i % variants if variants else i}"
            self.logs.append(
                FakePromptLog(
                    key,
                    system=GeneratedText(seed + ":s", file_size),
                    history=GeneratedText(seed + ":h", file_size, messages),
                )
            )
            keys.append(key)
        return keys

    def pin(self, prefix: str, archive: bytes) -> None:
        """Serve exactly `archive` for `prefix` (odd or damaged zips in tests)."""
        self.pinned[prefix] = archive

    def matching(self, prefix: str) -> list[FakePromptLog]:
        return [log for log in self.logs if log.log_key.startswith(prefix)]

    def stream(self, prefix: str) -> Iterator[bytes]:
        """The archive for `prefix`, written incrementally."""
        if prefix in self.pinned:
            yield self.pinned[prefix]
            return
        members = (member for log in self.matching(prefix) for member in log.members())
        yield from zip_stream(members, zip64=self.zip64)

    def archive(self, prefix: str) -> bytes:
        """The whole archive for `prefix` in memory (for tests and benchmarks)."""
        return b"".join(self.stream(prefix))


def _log(
    key: str, seed: str, step: str, history: GeneratedText, rng: random.Random
) -> FakePromptLog:
    header = f"You are the {step} step of a support agent.\n".encode()
    system = GeneratedText(seed + "s", rng.randint(1500, 6000), header=header)
    return FakePromptLog(key, system=system, history=history)


# -- a streaming zip writer ------------------------------------------------------

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<4sIQI")
_DESCRIPTOR32 = struct.Struct("<4sIII")
_DESCRIPTOR64 = struct.Struct("<4sIQQ")
_FLAGS = 0x0008 | 0x0800  # sizes in a data descriptor; UTF-8 names
_DEFLATE = 8
_DOS_TIME, _DOS_DATE = 0, (2025 - 1980) << 9 | 1 << 5 | 1  # 2025-01-01 00:00
_MAX32 = 0xFFFFFFFF
_FILE_ATTRIBUTES = 0o100644 << 16  # a regular file, rw-r--r--


@functools.lru_cache(maxsize=64)
def _deflated(content: Content, level: int) -> tuple[bytes, int, int]:
    """(raw deflate, CRC, size): cached, so contents repeated across logs compress once."""
    data = content.render() if isinstance(content, GeneratedText) else content
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def zip_stream(
    members: Iterable[tuple[str, Content]], *, zip64: bool = False, level: int = 6
) -> Iterator[bytes]:
    """Write a zip member by member: what a server streaming its archive sends.

    Every member is deflated, with its CRC and sizes in a data descriptor after the
    data. `zip64` writes the Zip64 extra fields and end records for every member,
    as stream-zip's ZIP_64 mode does.
    """
    offset = 0
    directory: list[bytes] = []
    version = 45 if zip64 else 20
    common = (version, _FLAGS, _DEFLATE, _DOS_TIME, _DOS_DATE)
    for name, content in members:
        encoded = name.encode()
        compressed, crc, size = _deflated(content, level)
        if zip64:
            extra = struct.pack("<HHQQ", 1, 16, 0, 0)
            header = _LOCAL.pack(b"PK\x03\x04", *common, 0, _MAX32, _MAX32, len(encoded), 20)
            descriptor = _DESCRIPTOR64.pack(b"PK\x07\x08", crc, len(compressed), size)
            central_extra = struct.pack("<HHQQQ", 1, 24, size, len(compressed), offset)
            listed = (_MAX32, _MAX32, _MAX32)
        else:
            extra = central_extra = b""
            header = _LOCAL.pack(b"PK\x03\x04", *common, 0, 0, 0, len(encoded), 0)
            descriptor = _DESCRIPTOR32.pack(b"PK\x07\x08", crc, len(compressed), size)
            listed = (len(compressed), size, offset)
        local = header + encoded + extra
        yield local
        yield compressed
        yield descriptor
        lengths = (len(encoded), len(central_extra), 0, 0, 0, _FILE_ATTRIBUTES)
        directory.append(
            _CENTRAL.pack(b"PK\x01\x02", version, *common, crc, *listed[:2], *lengths, listed[2])
            + encoded
            + central_extra
        )
        offset += len(local) + len(compressed) + len(descriptor)
    central = b"".join(directory)
    yield central
    count = len(directory)
    if zip64:
        end64_at = offset + len(central)
        yield _EOCD64.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central), offset)
        yield _LOCATOR64.pack(b"PK\x06\x07", 0, end64_at, 1)
        yield _EOCD.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, _MAX32, _MAX32, 0)
    else:
        yield _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(central), offset, 0)
