"""``amigo-async models list``: the LLM models the organization may use.

A read-only first call, the quickest way to try credentials. ``demo`` is the old
name of the command, kept working but no longer listed.
"""

from __future__ import annotations

import argparse

from ._common import Subparsers, client_for
from ._text import terminal_safe

__all__ = ["add_commands"]


async def _list_models(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        models = await client.admin.get_models()
        print(f"{len(models)} models:")
        for model in models:
            print(f"  {terminal_safe(model.name)}")
    return 0


def add_commands(subparsers: Subparsers) -> None:
    group = subparsers.add_parser("models", help="the LLM models available")
    commands = group.add_subparsers(dest="models_command", required=True, metavar="COMMAND")
    listing = commands.add_parser(
        "list",
        help="list the available LLM models (a first call to try credentials)",
        description="List the LLM models available to the organization.",
    )
    listing.set_defaults(handler=_list_models)
    old_name = subparsers.add_parser("demo", description="The old name of 'models list'.")
    old_name.set_defaults(handler=_list_models)
