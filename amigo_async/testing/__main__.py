"""``python -m amigo_async.testing``: run the fake Amigo server until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from ._seeds import announce
from ._server import FakeAmigoServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m amigo_async.testing", description="Run a fake Amigo API on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--organization", default="acme")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="documented minutes last 60/SCALE seconds (60 runs a minute in a second)",
    )
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="do not enforce the documented limits"
    )
    return parser


async def _serve(args: argparse.Namespace) -> None:
    async with FakeAmigoServer(
        organization=args.organization,
        seed=args.seed,
        time_scale=args.time_scale,
        enforce_rate_limits=not args.no_rate_limits,
        host=args.host,
        port=args.port,
    ) as fake:
        announce(fake)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
