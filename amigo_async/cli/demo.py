"""``amigo-async demo``: list the available LLM models (a first call to try credentials)."""

from __future__ import annotations

import argparse

from ._common import Subparsers, add_client_options, client_for

__all__ = ["add_commands"]


async def _demo(args: argparse.Namespace) -> int:
    async with client_for(args) as client:
        models = await client.admin.get_models()
        print(f"{len(models)} models:")
        for model in models:
            print(f"  {model.name}")
    return 0


def add_commands(subparsers: Subparsers) -> None:
    demo = subparsers.add_parser("demo", help="list the available LLM models")
    add_client_options(demo)
    demo.set_defaults(handler=_demo)
