"""The parser and the one list of command groups.

A command group is a module with ``add_commands(subparsers)``; each subcommand it
adds sets ``handler``, an async function of the parsed arguments returning the
exit status. Every parser is a `CommandParser`, so the global options work
anywhere on the command line. A new group is one more module and one more line in `COMMAND_GROUPS`.

Every group is imported to build the parser, so a group module imports only what
its parser needs and its handlers import their work (the client, the jobs, the
models): ``--version`` and ``--help`` then load neither aiohttp nor the API document.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .. import __version__
from . import conversations, export, fake, models, scan
from ._common import ENVIRONMENT_HELP, AddCommands, CommandParser, Handler, fill_global_defaults
from ._logging import configure_logging
from ._text import terminal_safe

_SIGPIPE_STATUS = 141  # what a shell reports for a command ended by SIGPIPE

__all__ = ["COMMAND_GROUPS", "run"]

COMMAND_GROUPS: tuple[AddCommands, ...] = (
    models.add_commands,  # models list (and the old name, demo)
    conversations.add_commands,  # conversations chat / list / finish
    export.add_commands,  # prompt-logs export
    scan.add_commands,  # tools scan
    fake.add_commands,  # fake (serve the embedded fake API)
)


def _parser() -> argparse.ArgumentParser:
    parser = CommandParser(
        prog="amigo-async",
        description="The amigo-async command: the Amigo API from a shell. "
        "Try it without an account: amigo-async models list --fake",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"amigo-async {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands"
    )
    for add_commands in COMMAND_GROUPS:
        add_commands(subparsers)
    return parser


def run(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; errors a user can fix become status 1."""
    args = _parser().parse_args(argv)
    fill_global_defaults(args)
    configure_logging(args.verbose, (args.token, args.api_key))
    handler: Handler = args.handler
    import asyncio  # the command's own imports load here, once parsing is done

    from ..errors import AmigoError

    try:
        status = asyncio.run(handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not as a traceback at exit
        return status
    except BrokenPipeError:  # `| head` closed stdout: stop quietly, as `yes | head` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        return _SIGPIPE_STATUS
    except (AmigoError, ValueError, TypeError, OSError) as error:
        # OSError: an --out that is a file, unwritable, or a path too long.
        print(f"error: {terminal_safe(str(error))}", file=sys.stderr)
        return 1
