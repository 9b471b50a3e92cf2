"""The export's files: safe names, atomic writes, staging, the manifest of prefixes.

Every file is written under a temporary name (``.<name>.<random>.part``) and
renamed when complete, so a final name never holds a partial file. Names are
percent-encoded (`safe_file_name`), so a log key holding ``/``, ``..``, an
absolute path or NUL can never write outside the output directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import string
from collections.abc import Collection
from pathlib import Path
from typing import Any, BinaryIO

from .._regular_file import NotARegularFile, open_regular

__all__ = [
    "MANIFEST_NAME",
    "FileNames",
    "Manifest",
    "StagedFiles",
    "output_name",
    "prepare_directory",
    "published_files",
    "safe_file_name",
    "temporary_name",
    "tidy",
    "write_file",
]

logger = logging.getLogger("amigo_async.export")

MANIFEST_NAME = "_manifest.jsonl"
"""Leading underscore: readers of a directory of Parquet files (pyarrow, pandas) skip it."""
_STAGING = ".staging"  # a safe name never starts with a dot
_SAFE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_.")
_MAX_NAME = 160  # leaves room for the temporary name's prefix and suffix within 255 bytes
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)]
)


def safe_file_name(name: str) -> str:
    """A file name that is always one plain entry inside its directory.

    Characters other than ASCII letters, digits, ``-``, ``_`` and ``.`` become
    ``%XX`` (UTF-8), as does a leading or trailing dot and a Windows device name;
    ``/``, ``\\``, NUL, ``..`` and absolute paths thus never survive. The mapping is
    one-to-one except for names too long for a file system (or empty), which keep
    a readable head and gain a hash of the whole name after a ``~`` (a character
    the encoding never leaves bare).
    """
    encoded = "".join(
        character
        if character in _SAFE_CHARACTERS
        else "".join(f"%{byte:02X}" for byte in character.encode("utf-8", "surrogatepass"))
        for character in name
    )
    if encoded.startswith("."):
        encoded = "%2E" + encoded[1:]
    if encoded.endswith("."):
        encoded = encoded[:-1] + "%2E"
    if encoded.split(".", 1)[0].upper() in _WINDOWS_DEVICES:
        encoded = f"%{ord(encoded[0]):02X}" + encoded[1:]
    if not encoded or len(encoded) > _MAX_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        head = encoded[: _MAX_NAME - 26].rstrip("%0123456789ABCDEF.") or "log"
        encoded = f"{head}~{digest}"
    return encoded


class FileNames:
    """Allocates one distinct file name per entry of a prefix.

    Two entries may still meet on one name: duplicate members in an archive, or
    names differing only by case on a case-insensitive file system. The later one
    gets ``~2``, ``~3``... before its suffix, so nothing is overwritten.
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def allocate(self, stem: str, suffix: str = "") -> str:
        base = safe_file_name(stem)
        name, number = base + suffix, 1
        while name.casefold() in self._taken:
            number += 1
            name = f"{base}~{number}{suffix}"
        self._taken.add(name.casefold())
        return name


def output_name(prefix: str, suffix: str = "") -> str:
    """The name of a prefix's directory (or, with `suffix`, its file) in the output
    directory: a safe name that never meets the manifest's."""
    name = safe_file_name(prefix) + suffix
    if name.casefold() == MANIFEST_NAME:
        name = f"%{ord(name[0]):02X}" + name[1:]
    return name


def _inside(root: Path, path: Path) -> Path:
    """`path`, after checking that it resolves inside `root` (symlinks included)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside {root}: {path}")
    return path


def prepare_directory(root: Path, name: str) -> Path:
    directory = _inside(root, root / name)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def temporary_name(name: str) -> str:
    """A hidden name no safe name can take: ``.<name>.<random>.part``."""
    return f".{name}.{secrets.token_hex(4)}.part"


def write_file(directory: Path, name: str, data: bytes) -> None:
    """Write under a temporary name, then rename: the final name is complete or absent."""
    temporary = directory / temporary_name(name)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def published_files(directory: Path) -> int:
    """How many entry files `directory` holds under their final names (0 when it is absent)."""
    try:
        return sum(
            1 for path in directory.iterdir() if not path.name.startswith(".") and path.is_file()
        )
    except OSError:
        return 0


def tidy(directory: Path, keep: Collection[str] | None = None) -> None:
    """Remove temporary files left by an interrupted run (and, given `keep`, stale files)."""
    for path in directory.iterdir():
        stale = path.name.startswith(".") and path.name.endswith(".part")
        if keep is not None and not path.name.startswith("."):
            stale = path.name not in keep
        if stale and path.is_file() and not path.is_symlink():
            path.unlink()


class StagedFiles:
    """One archive's files, written into a hidden staging directory and moved into
    the prefix's directory only once the archive's own directory has spoken.

    A local header's name is not covered by any checksum, so an entry may arrive
    under a name the central directory later disproves; staging keeps such a file
    from ever appearing under its final name.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.staging = directory / _STAGING
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir()
        self.members: dict[str, str] = {}  # staged file name -> archive member name

    def add(self, name: str, member: str, data: bytes) -> None:
        write_file(self.staging, name, data)
        self.members[name] = member

    def commit(self, *, disproved: Collection[str] = (), replace_all: bool) -> None:
        """Move the staged files that are not `disproved` into place; with
        `replace_all`, the prefix's other files (an earlier run's) go."""
        kept = {name for name, member in self.members.items() if member not in disproved}
        for name in kept:
            os.replace(self.staging / name, self.directory / name)
        shutil.rmtree(self.staging, ignore_errors=True)
        tidy(self.directory, kept if replace_all else None)


class Manifest:
    """JSON lines, one per finished prefix (completed, empty or failed); the last
    line for a prefix wins."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self, resume: bool) -> dict[str, dict[str, Any]]:
        """Every record when resuming; otherwise an empty manifest replaces any earlier
        one, so a run without ``resume`` never appends to another run's lines."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume:
            return self.records()
        write_file(self.path.parent, self.path.name, b"")
        return {}

    def records(self) -> dict[str, dict[str, Any]]:
        """The readable records; a line that is not one (cut short, tampered, not
        UTF-8, a field of the wrong type) is skipped with a warning, so its prefix is
        exported again."""
        records: dict[str, dict[str, Any]] = {}
        try:
            handle = _open_regular(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return records
        with handle:
            for number, line in enumerate(handle, 1):
                record = _record_of(line)
                if record is None:
                    logger.warning("%s line %d is unreadable; ignored", self.path, number)
                else:
                    records[record["prefix"]] = record
        return records

    def append(self, record: dict[str, Any]) -> None:
        """One whole line, on disk before the prefix counts as done (fsync)."""
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        with _open_regular(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT) as handle:
            if handle.seek(0, os.SEEK_END) > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a line cut short by a crash stays on its own
                    line = b"\n" + line
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())


def _open_regular(path: Path, flags: int) -> BinaryIO:
    """The manifest opened only when it is a regular file of its own: a symbolic link
    planted at its path (appending through it would write outside the directory) or a
    FIFO (reading it would wait forever) is refused with an `OSError`."""
    try:
        descriptor, _ = open_regular(path, flags, 0o644)
    except NotARegularFile:
        raise OSError(
            f"{path} is not a regular file; move it away, or export without resuming"
        ) from None
    return open(descriptor, "r+b" if flags & os.O_RDWR else "rb")


_COUNTS = ("entries", "bytes", "invalid_utf8", "attempts")
_STATUSES = ("completed", "empty", "failed")
_MAX_RECORD_BYTES = 1024 * 1024  # a record is a few hundred bytes; kinds add a few more


def _record_of(line: bytes) -> dict[str, Any] | None:
    """One manifest line as a record of the shape `append` writes, or None."""
    if len(line) > _MAX_RECORD_BYTES:
        return None
    try:
        record = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(record, dict) or not isinstance(record.get("prefix"), str):
        return None
    if record.get("status", "completed") not in _STATUSES:
        return None
    if not all(isinstance(record.get(name, ""), str) for name in ("format", "path")):
        return None
    if not all(_is_count(record.get(name, 0)) for name in _COUNTS):
        return None
    kinds = record.get("kinds", {})
    if not isinstance(kinds, dict) or not all(map(_is_count, kinds.values())):
        return None
    return record


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
