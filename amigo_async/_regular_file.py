"""A file opened only when its path names a regular file of its own.

Another local user may plant a symbolic link at a path we write (to make us write
elsewhere) or a FIFO at one we read (to make us wait forever): the token cache and
the export's manifest both open their files this way.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["NotARegularFile", "open_regular"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # not on Windows
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO at the path must not block the open


class NotARegularFile(OSError):
    """The path names a symbolic link, a FIFO, a directory or a device."""


def open_regular(path: Path, flags: int, mode: int = 0o600) -> tuple[int, os.stat_result]:
    """A descriptor of the regular file at `path` (`os.open` `flags`) and its status.

    Raises `NotARegularFile` for anything else at the path, `OSError` as `os.open` does.
    """
    try:
        descriptor = os.open(path, flags | _NOFOLLOW | _NONBLOCK, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:  # a symbolic link, refused by O_NOFOLLOW
            raise NotARegularFile(f"{path} is a symbolic link") from None
        raise
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise NotARegularFile(f"{path} is not a regular file")
    return descriptor, status
