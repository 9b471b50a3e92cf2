"""A token cache shared by processes: one sign-in serves every process of a shell loop.

Sign-in allows 5 calls a minute, so twenty short commands in a row must not
each sign in. One small JSON file per (base URL, organization, API key id, user,
key) holds the last token and its expiry, never the key itself: the file name
is a hash, the file is created with mode 0600 and replaced atomically (a reader
sees the old entry or the new one, never half of either). An entry that is
expired, corrupt or unreadable is ignored, as if there were none, and replaced
after the next sign-in.

Another local user must not be able to plant a token (every call would then go
out as the attacker's user) nor make us write through a symlink. So an entry or
lock file is opened without following symlinks, and the cache is refused (one
warning, then the client signs in as if there were no cache) when the directory
or the entry belongs to someone else or is writable (the entry: readable) by
group or others. A shared directory such as ``/tmp/shared`` with mode 0777 is
refused rather than given a private subdirectory: whoever can write the
directory can swap that subdirectory too, and a clear warning tells the user to
point the cache at a directory of their own.

`exclusive` takes an advisory lock (``fcntl.flock``) around "read the cache,
else sign in and write it", so twenty processes started together sign in once:
the first signs in, the others wait for the lock and find its token. Where
``fcntl`` does not exist the lock is skipped and the last writer wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import os
import stat
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import attrs

from ._regular_file import open_regular

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: last writer wins
    fcntl = None  # type: ignore[assignment]

__all__ = ["CachedToken", "TokenCache", "default_cache_directory"]

logger = logging.getLogger("amigo_async.token_cache")

_LOCK_POLL_SECONDS = 0.02
# Longer than a sign-in paced by its limit (5 a minute) takes; a holder that keeps the
# lock longer is stuck, and waiting on it for ever would hang every later command.
_LOCK_TIMEOUT_SECONDS = 90.0
_MAX_ENTRY_BYTES = 64 * 1024  # a token is a few KB; anything larger is not ours
_POSIX = hasattr(os, "getuid")  # owners and modes mean nothing elsewhere


class _Untrusted(Exception):
    """The cache directory or a file in it may be written by someone else."""


@attrs.frozen
class CachedToken:
    id_token: str
    expires_at: float  # seconds since the epoch, as the server said
    refresh_at: float  # when the writer would sign in again: readers do the same


def default_cache_directory() -> Path:
    """``amigo_async/tokens`` under the user's cache directory (platformdirs)."""
    import platformdirs  # only a client that caches tokens pays for the import

    return Path(platformdirs.user_cache_dir("amigo_async", appauthor=False)) / "tokens"


@attrs.define(repr=False)
class TokenCache:
    """The cache file of one caller; `key_parts` name it (hashed, never written).

    `lock_timeout` bounds the wait for another process's sign-in; after it this
    process signs in itself (the client passes its `Timeouts.total`).
    """

    path: Path
    lock_timeout: float = _LOCK_TIMEOUT_SECONDS
    _warned: bool = attrs.field(default=False, init=False)

    @classmethod
    def for_caller(
        cls, directory: Path, *key_parts: str, lock_timeout: float = _LOCK_TIMEOUT_SECONDS
    ) -> TokenCache:
        digest = hashlib.sha256("\x1f".join(key_parts).encode()).hexdigest()[:32]
        return cls(directory / f"{digest}.json", lock_timeout)

    def read(self) -> CachedToken | None:
        """The cached entry, or None when there is none or it cannot be trusted."""
        try:
            self._check_directory()
            raw = _read_private_file(self.path, _MAX_ENTRY_BYTES)
        except _Untrusted as refused:
            self._warn(str(refused))
            return None
        return _parse_entry(raw) if raw is not None else None

    def write(self, entry: CachedToken) -> None:
        """Replace the entry atomically; a cache that cannot be written is only a cache."""
        data = json.dumps(attrs.asdict(entry))
        try:
            self._make_directory()
            descriptor, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".tmp-", suffix=".json"
            )  # mode 0600
        except _Untrusted as refused:
            self._warn(str(refused))
            return
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(data)
            _replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)

    @contextlib.asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the cache's lock file; waits without blocking the event loop."""
        descriptor = self._open_lock()
        if descriptor is None:
            yield
            return
        try:
            # flock has no awaitable form; a thread blocked in it could not be cancelled
            give_up = time.monotonic() + self.lock_timeout
            while not _try_lock(descriptor):
                if time.monotonic() >= give_up:
                    break  # a holder stuck (stopped, hung): go on, the last writer wins
                await asyncio.sleep(_LOCK_POLL_SECONDS)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _open_lock(self) -> int | None:
        if fcntl is None:
            return None
        try:
            self._make_directory()
            lock = self.path.with_suffix(".lock")
            descriptor, status = open_regular(lock, os.O_RDWR | os.O_CREAT)
        except _Untrusted as refused:
            self._warn(str(refused))
            return None
        except OSError:
            return None  # an unwritable directory, a symlink or FIFO at the lock: no lock
        if not _is_private_file(status):
            os.close(descriptor)
            self._warn(f"the lock file {lock} is not private")
            return None
        return descriptor

    def _make_directory(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._check_directory()

    def _check_directory(self) -> None:
        try:
            status = os.stat(self.path.parent)
        except OSError:
            return  # no directory yet: nothing to read; writing creates it private
        if not stat.S_ISDIR(status.st_mode):
            return
        if _POSIX and (_foreign(status) or status.st_mode & 0o022):
            raise _Untrusted(
                f"the token cache directory {self.path.parent} is writable by other users "
                "or not yours; point token_cache at a private directory (mode 0700)"
            )

    def _warn(self, reason: str) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("token cache not used: %s; signing in instead", reason)

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"


def _read_private_file(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of our own private regular file; None for anything else.

    A symlink, FIFO or directory is ignored (a later write replaces it); a file of
    another user, or one that others may read or write, raises `_Untrusted`.
    """
    try:
        descriptor, status = open_regular(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if not _is_private_file(status):
            raise _Untrusted(f"the entry {path} belongs to another user or is not private")
        raw = b""
        while len(raw) <= limit and (chunk := os.read(descriptor, limit + 1 - len(raw))):
            raw += chunk
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return raw if len(raw) <= limit else None


def _parse_entry(raw: bytes) -> CachedToken | None:
    try:
        entry = json.loads(raw)
        token = entry["id_token"]
        times = (float(entry["expires_at"]), float(entry["refresh_at"]))
        plain = all(map(_is_time, (entry["expires_at"], entry["refresh_at"])))
    except (ValueError, TypeError, KeyError, IndexError, RecursionError, OverflowError):
        return None
    if not isinstance(token, str) or not token or not plain or not all(map(math.isfinite, times)):
        return None
    return CachedToken(token, *times)


def _replace(temporary: str, path: Path) -> None:
    """Move the new entry in; an empty directory squatting at the path is removed first."""
    try:
        os.replace(temporary, path)
    except IsADirectoryError:
        os.rmdir(path)
        os.replace(temporary, path)


def _foreign(status: os.stat_result) -> bool:
    return status.st_uid != os.getuid()


def _is_private_file(status: os.stat_result) -> bool:
    if not stat.S_ISREG(status.st_mode):
        return False
    return not _POSIX or (not _foreign(status) and not status.st_mode & 0o077)


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a filesystem without locks: go on unlocked
    return True
