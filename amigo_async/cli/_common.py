"""What every command shares: the global options and the way a command gets a client.

Every parser of the command is a `CommandParser`, which takes the global options
with ``argparse.SUPPRESS`` as their default, so they may stand anywhere: before
the command group, between it and the subcommand, or after. A value given
anywhere is kept, and `fill_global_defaults` supplies the rest once parsing is done.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # the client loads when a command runs, not to build the parser
    from .._client import AmigoClient
    from ..testing import FakeAmigoServer

__all__ = [
    "ENVIRONMENT_HELP",
    "AddCommands",
    "CommandParser",
    "Handler",
    "Subparsers",
    "add_client_options",
    "client_for",
    "fill_global_defaults",
]

Subparsers: TypeAlias = "argparse._SubParsersAction[CommandParser]"
AddCommands = Callable[[Subparsers], None]
"""A command group: adds its subcommands, each with a `Handler` as ``handler``."""
Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]
"""Runs a parsed command; returns the exit status."""

ENVIRONMENT_HELP = """\
environment variables (a command-line option wins over its variable):
  AMIGO_ORGANIZATION_ID  --organization
  AMIGO_BASE_URL         --base-url (or --region; default: the US region)
  AMIGO_TOKEN            --token: a JWT, used first while it is valid
  AMIGO_API_KEY          --api-key: signs in when there is no valid token
  AMIGO_API_KEY_ID       --api-key-id
  AMIGO_USER_ID          --user-id
  HTTPS_PROXY, NO_PROXY  a proxy to reach the API through, hosts to reach directly
  SSL_CERT_FILE          a CA bundle to trust instead of the system's

credentials: given as options, the credential variables are not read (except
AMIGO_USER_ID and the other half of an API key pair). A token is used while it
is valid; the API key signs in only without one (or after a 401), and the token
it gets is cached for the next commands under the user cache directory (mode
0600, never the key; --no-token-cache to skip). Prefer the environment to
options for secrets: a command line is visible to other users of the machine.
"""

_Option: TypeAlias = tuple[tuple[str, ...], object, dict[str, Any]]
"""(flags, default, options for add_argument) of a global option."""

# The options of every command.
_COMMON_OPTIONS: tuple[_Option, ...] = (
    (("-v", "--verbose"), False, {"action": "store_true", "help": "log each request"}),
)
# The options of the commands that call the API (all but ``fake``).
_CLIENT_OPTIONS: tuple[_Option, ...] = (
    (
        ("--fake",),
        False,
        {
            "action": "store_true",
            "help": "run against an embedded fake Amigo server with seeded data (no network)",
        },
    ),
    (("--organization",), None, {"metavar": "ID", "help": "default: $AMIGO_ORGANIZATION_ID"}),
    (("--base-url",), None, {"metavar": "URL", "help": "default: $AMIGO_BASE_URL or --region"}),
    (
        ("--region",),
        None,
        {"help": "us (default), internal, eu-central-1, ap-southeast-2, ca-central-1"},
    ),
    (("--token",), None, {"metavar": "JWT", "help": "default: $AMIGO_TOKEN"}),
    (("--api-key",), None, {"metavar": "KEY", "help": "default: $AMIGO_API_KEY"}),
    (("--api-key-id",), None, {"metavar": "ID", "help": "default: $AMIGO_API_KEY_ID"}),
    (("--user-id",), None, {"metavar": "ID", "help": "default: $AMIGO_USER_ID"}),
    (
        ("--no-token-cache",),
        False,
        {"action": "store_true", "help": "sign in without reading or writing the token cache"},
    ),
)


class CommandParser(argparse.ArgumentParser):
    """A parser with the global options; its subcommands' parsers are of this class too
    (argparse builds them with the class of the parser that adds them).

    ``client_options=False`` (given to ``add_parser``) leaves out the options of a
    client (credentials, base URL, ...) for a command that calls no API, so its
    help lists only what applies.
    """

    def __init__(self, *args: Any, client_options: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.add_argument_group("global options (anywhere on the command line)")
        for flags, _, options in _COMMON_OPTIONS + (_CLIENT_OPTIONS if client_options else ()):
            group.add_argument(*flags, default=argparse.SUPPRESS, **options)


def add_client_options(parser: argparse.ArgumentParser) -> None:
    """Kept for command groups written before `CommandParser`: the global options are
    on every parser of the command already, so there is nothing left to add."""
    if not isinstance(parser, CommandParser):
        raise TypeError("the amigo-async parsers are CommandParsers")


def fill_global_defaults(args: argparse.Namespace) -> None:
    """Set each global option given nowhere to its default."""
    for flags, default, _ in _COMMON_OPTIONS + _CLIENT_OPTIONS:
        name = flags[-1].lstrip("-").replace("-", "_")
        if not hasattr(args, name):
            setattr(args, name, default)


@asynccontextmanager
async def client_for(
    args: argparse.Namespace,
    *,
    prepare_fake: Callable[[FakeAmigoServer], None] | None = None,
    **client_options: Any,
) -> AsyncIterator[AmigoClient]:
    """A client from the options and the environment, or one on an embedded fake server
    with ``--fake``.

    `prepare_fake` receives the fake server before the client starts (to seed data or
    queue faults for a demonstration).
    """
    from .._client import AmigoClient
    from ._logging import show_long_waits

    hooks = [*client_options.pop("event_hooks", ()), show_long_waits]
    client_options["event_hooks"] = hooks
    if getattr(args, "fake", False):
        from ._fake import fake_client

        async with fake_client(prepare_fake, **client_options) as client:
            yield client
        return
    try:
        client = AmigoClient(
            args.organization,
            base_url=args.base_url,
            region=args.region,
            token=args.token,
            api_key=args.api_key,
            api_key_id=args.api_key_id,
            user_id=args.user_id,
            token_cache=not args.no_token_cache,
            trust_env=True,  # a command honours HTTPS_PROXY and NO_PROXY, as curl and pip do
            **client_options,
        )
    except ValueError as error:
        raise ValueError(_in_options(str(error))) from None
    async with client:
        yield client


def _in_options(message: str) -> str:
    """A missing setting as a command-line user sets it: the library says "pass
    api_key_id=", the command line takes ``--api-key-id``."""
    if "AMIGO_" not in message:
        return message
    options = re.sub(r"\b([a-z_]+)=", lambda m: "--" + m[1].replace("_", "-"), message)
    return f"{options} (or try it without an account: --fake)"
