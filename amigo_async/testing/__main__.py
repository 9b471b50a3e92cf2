"""``python -m amigo_async.testing``: run the fake Amigo server until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ._command import add_serve_options, serve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m amigo_async.testing", description="Run a fake Amigo API on loopback."
    )
    add_serve_options(parser)
    parser.add_argument("--organization", default="acme")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args, args.organization))


if __name__ == "__main__":
    main()
