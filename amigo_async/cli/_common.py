"""What every command shares: the client options and the way a command gets a client."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

from .._client import AmigoClient

if TYPE_CHECKING:
    from ..testing import FakeAmigoServer

__all__ = ["AddCommands", "Handler", "Subparsers", "add_client_options", "client_for"]

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
AddCommands = Callable[[Subparsers], None]
"""A command group: adds its subcommands, each with a `Handler` as ``handler``."""
Handler = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]
"""Runs a parsed command; returns the exit status."""


def add_client_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fake",
        action="store_true",
        help="run against an embedded fake Amigo server with seeded data (no network)",
    )
    parser.add_argument("--organization", help="default: $AMIGO_ORGANIZATION_ID")
    parser.add_argument("--base-url", help="default: $AMIGO_BASE_URL or the US region")
    parser.add_argument("--region", help="us, internal, eu-central-1, ap-southeast-2, ca-central-1")


@asynccontextmanager
async def client_for(
    args: argparse.Namespace,
    *,
    prepare_fake: Callable[[FakeAmigoServer], None] | None = None,
    **client_options: Any,
) -> AsyncIterator[AmigoClient]:
    """A client from the environment, or one on an embedded fake server with ``--fake``.

    `prepare_fake` receives the fake server before the client starts (to seed data or
    queue faults for a demonstration).
    """
    if getattr(args, "fake", False):
        from ._fake import fake_client

        async with fake_client(prepare_fake, **client_options) as client:
            yield client
        return
    async with AmigoClient(
        args.organization, base_url=args.base_url, region=args.region, **client_options
    ) as client:
        yield client
