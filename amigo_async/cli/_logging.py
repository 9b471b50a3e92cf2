"""What a command says on stderr beside its output: the long rate-limit waits, and
what ``amigo-async -v`` logs, every record scrubbed of credentials before it is shown.

The library's own records name headers, never their values; records from other
libraries, at DEBUG, are not ours to vouch for, so the command's handler removes
the credentials it knows (from the environment) and anything shaped like one.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded when a command runs, not for --help or --version
    from ..events import Event

__all__ = ["configure_logging", "show_long_waits"]

_SECRET_VARIABLES = ("AMIGO_TOKEN", "AMIGO_API_KEY")
_MAX_RECORD_CHARS = 4000


class _ScrubCredentials(logging.Filter):
    def __init__(self, secrets: tuple[str, ...]) -> None:
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from ..errors import sanitize

        record.msg = sanitize(record.getMessage(), self._secrets, limit=_MAX_RECORD_CHARS)
        record.args = None
        return True


def configure_logging(verbose: bool, given: Iterable[str | None] = ()) -> None:
    """Log to stderr: the library at DEBUG with `verbose` (each request, with its header
    names), everything else at WARNING.

    `given`: the credentials given as options (``--token``, ``--api-key``), scrubbed
    as those from the environment are.
    """
    from_environment = (os.environ.get(name) for name in _SECRET_VARIABLES)
    secrets = tuple(value for value in (*from_environment, *given) if value)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ScrubCredentials(secrets))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    # Only the library's own records go down to DEBUG: asyncio's and aiohttp's debug
    # chatter says nothing about the calls a user asked for.
    logging.getLogger("amigo_async").setLevel(logging.DEBUG if verbose else logging.WARNING)


def show_long_waits(event: Event) -> None:
    """An event hook: a line on stderr when a rate-limit wait of seconds begins, so a
    command that waits does not look hung (said once per wait by the library)."""
    from ..events import LimiterWaiting

    if isinstance(event, LimiterWaiting):
        clear = "\r\x1b[K" if sys.stderr.isatty() else ""  # above a progress bar, if any
        print(
            f"{clear}waiting {math.ceil(event.seconds)} s for the rate limit of "
            f"{event.operation_id}",
            file=sys.stderr,
            flush=True,
        )
