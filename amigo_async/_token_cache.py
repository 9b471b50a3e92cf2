"""A token cache shared by processes: one sign-in serves every process of a shell loop.

Sign-in allows 5 calls a minute, so twenty short commands in a row must not
each sign in. One small JSON file per (base URL, organization, API key id, user,
key) holds the last token and its expiry, never the key itself: the file name
is a hash, the file is created with mode 0600 and replaced atomically (a reader
sees the old entry or the new one, never half of either). An entry that is
expired, corrupt or unreadable is ignored, as if there were none.

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
import math
import os
import stat
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import attrs

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: last writer wins
    fcntl = None  # type: ignore[assignment]

__all__ = ["CachedToken", "TokenCache", "default_cache_directory"]

_LOCK_POLL_SECONDS = 0.02
# Longer than a sign-in paced by its limit (5 a minute) takes; a holder that keeps the
# lock longer is stuck, and waiting on it for ever would hang every later command.
_LOCK_TIMEOUT_SECONDS = 90.0
_MAX_ENTRY_BYTES = 64 * 1024  # a token is a few KB; anything larger is not ours


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
    """The cache file of one caller; `key_parts` name it (hashed, never written)."""

    path: Path
    lock_timeout: float = _LOCK_TIMEOUT_SECONDS

    @classmethod
    def for_caller(cls, directory: Path, *key_parts: str) -> TokenCache:
        digest = hashlib.sha256("\x1f".join(key_parts).encode()).hexdigest()[:32]
        return cls(directory / f"{digest}.json")

    def read(self) -> CachedToken | None:
        """The cached entry, or None when there is none or it cannot be trusted."""
        raw = _read_regular_file(self.path, _MAX_ENTRY_BYTES)
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            token = entry["id_token"]
            times = (entry["expires_at"], entry["refresh_at"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return None
        if not isinstance(token, str) or not token or not all(map(_is_time, times)):
            return None
        return CachedToken(token, float(times[0]), float(times[1]))

    def write(self, entry: CachedToken) -> None:
        """Replace the entry atomically; a cache that cannot be written is only a cache."""
        data = json.dumps(attrs.asdict(entry))
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(
                dir=self.path.parent, prefix=".tmp-", suffix=".json"
            )  # mode 0600
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                    file.write(data)
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise

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
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            return os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None  # an unwritable cache directory: sign in without the lock

    def __repr__(self) -> str:
        return f"TokenCache({str(self.path)!r})"


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """At most `limit` bytes of a regular file; None for anything else (a FIFO would block)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return None
            raw = file.read(limit + 1)
        except OSError:
            return None
    return raw if len(raw) <= limit else None


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _try_lock(descriptor: int) -> bool:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return True  # a filesystem without locks: go on unlocked
    return True
