"""The ``amigo-async`` command: `main`, one module per command group.

This module imports nothing heavy, so that `main` is running, and an early Ctrl-C
ends the command with status 130 and "interrupted" rather than a traceback,
before the client, aiohttp and the jobs load. The list of command groups is in
`amigo_async.cli._app`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["main"]

INTERRUPTED = 130
"""The exit status after Ctrl-C (128 + SIGINT), as shells report it."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (0 success, 1 failure, 2 usage, 130 interrupted)."""
    try:
        from ._app import run

        return run(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader of the output left (``| head``): end quietly, as other commands do,
        # and point stdout at nothing so the interpreter's last flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
