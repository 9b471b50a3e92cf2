"""``amigo-async fake``: the embedded fake Amigo server, served until Ctrl-C.

It prints the ``AMIGO_*`` variables to export in another shell and the seeded ids
(the chat service, prompt-log prefixes, tools with invocations) the examples use.
"""

from __future__ import annotations

import argparse
import errno

from ..testing._command import add_serve_options
from ._common import Subparsers

__all__ = ["add_commands"]

_ORGANIZATION = "acme"


async def _serve(args: argparse.Namespace) -> int:
    from ..testing._command import serve  # the fake loads only for this command

    try:
        await serve(args, args.organization or _ORGANIZATION)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise OSError(
            f"port {args.port} is in use: choose another with --port, or --port 0 for a free one"
        ) from None
    return 0


def add_commands(subparsers: Subparsers) -> None:
    command = subparsers.add_parser(
        "fake",
        help="serve the embedded fake Amigo API and print its variables and seeded ids",
        description="Serve the embedded fake Amigo API on loopback until Ctrl-C.",
        client_options=False,  # no credentials or base URL: it is the server
    )
    add_serve_options(command)
    command.add_argument(  # SUPPRESS: a value given before ``fake`` is kept
        "--organization",
        metavar="ID",
        default=argparse.SUPPRESS,
        help=f"the organization the fake serves (default: {_ORGANIZATION})",
    )
    command.set_defaults(handler=_serve)
