"""The parser and the one list of command groups.

A command group is a module with ``add_commands(subparsers)``; each subcommand it
adds sets ``handler``, an async function of the parsed arguments returning the
exit status. A new group (``conversations``, say) is one more module and one more
line in `COMMAND_GROUPS`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ..errors import AmigoError
from . import conversations, demo, export, scan
from ._common import AddCommands, Handler
from ._logging import configure_logging

__all__ = ["COMMAND_GROUPS", "run"]

COMMAND_GROUPS: tuple[AddCommands, ...] = (
    demo.add_commands,  # demo
    conversations.add_commands,  # conversations chat
    export.add_commands,  # prompt-logs export
    scan.add_commands,  # tools scan
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amigo-async", description="The amigo-async command: the Amigo API from a shell."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add_commands in COMMAND_GROUPS:
        add_commands(subparsers)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; errors a user can fix become status 1."""
    args = _parser().parse_args(argv)
    configure_logging(args.verbose)
    handler: Handler = args.handler
    try:
        return asyncio.run(handler(args))
    except (AmigoError, ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
