"""The fake's command: its options and its serve loop, for ``python -m amigo_async.testing``
and ``amigo-async fake`` alike (one list of options, one announcement).

Light to import: the server loads only when `serve` runs.
"""

from __future__ import annotations

import argparse

__all__ = ["add_serve_options", "serve"]


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The fake's options (the organization is the caller's: each command has its own)."""
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
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


async def serve(args: argparse.Namespace, organization: str) -> None:
    """Serve until cancelled, after printing (flushed line by line) the ``AMIGO_*``
    variables and the seeded ids a user needs."""
    import asyncio
    from datetime import UTC, datetime

    from ._seeds import announce
    from ._server import FakeAmigoServer

    async with FakeAmigoServer(
        organization=organization,
        seed=args.seed,
        time_scale=args.time_scale,
        enforce_rate_limits=not args.no_rate_limits,
        host=args.host,
        port=args.port,
    ) as fake:
        # Data a user finds with today's dates: logs under the past week's days, tool
        # invocations of the past hours, conversations created now.
        fake.state.prompt_logs.add_week()
        now = datetime.now(UTC).replace(microsecond=0)
        fake.state.tools.invocations_end = now
        fake.state.conversations.clock = now
        announce(fake)
        await asyncio.Event().wait()
