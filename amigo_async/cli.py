"""The ``amigo-async`` command.

Each feature module adds its subcommands through `COMMAND_GROUPS`; this module
only owns the shared options (credentials from the environment, ``--fake``) and
the way a command gets a client.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from ._client import AmigoClient
from .errors import AmigoError

__all__ = ["COMMAND_GROUPS", "add_client_options", "client_for", "main"]

CommandGroup = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
COMMAND_GROUPS: list[CommandGroup] = []
"""Functions that add a subcommand group; each subcommand sets ``handler`` (async)."""


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
    prepare_fake: Callable[[Any], None] | None = None,
    **client_options: Any,
) -> AsyncIterator[AmigoClient]:
    """A client from the environment, or one on an embedded fake server with ``--fake``.

    `prepare_fake` receives the fake server before the client starts (to seed data or
    queue faults for a demonstration).
    """
    if getattr(args, "fake", False):
        from .testing import FakeAmigoServer

        async with FakeAmigoServer() as fake:
            if prepare_fake is not None:
                prepare_fake(fake)
            async with fake.client(**client_options) as client:
                yield client
        return
    async with AmigoClient(
        args.organization, base_url=args.base_url, region=args.region, **client_options
    ) as client:
        yield client


async def _demo(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        models = await client.admin.get_models()
        print(f"{len(models)} models:")
        for model in models:
            print(f"  {model.name}")
    return 0


def _add_demo(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser("demo", help="list the available LLM models")
    add_client_options(demo)
    demo.set_defaults(handler=_demo)


COMMAND_GROUPS.append(_add_demo)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amigo-async", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add_group in COMMAND_GROUPS:
        add_group(subparsers)
    return parser


def _load_command_groups() -> None:
    """Import the modules that register subcommands (kept lazy for a fast --help)."""
    for module in ("amigo_async.export", "amigo_async.scan"):
        try:
            __import__(module)
        except ModuleNotFoundError as missing:
            if missing.name != module:
                raise


def main(argv: Sequence[str] | None = None) -> int:
    _load_command_groups()
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Callable[[argparse.Namespace], Coroutine[Any, Any, int]] = args.handler
    try:
        return asyncio.run(handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (AmigoError, ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    # Feature modules register on `amigo_async.cli`, a different module object from
    # this `__main__` under ``python -m amigo_async.cli``: run that one's `main`.
    from amigo_async.cli import main as _registered_main

    sys.exit(_registered_main())
