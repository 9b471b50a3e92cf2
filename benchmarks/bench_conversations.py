"""Conversation event throughput: typed events from client.conversations against a bare loop.

    PYTHONPATH=. /work/venv/bin/python benchmarks/bench_conversations.py [--megabytes 10] [--rounds 5]

A plain aiohttp server in its own process answers interact-with-conversation
with one ~10 MB NDJSON interaction (a user-message-available event, agent
actions, ~80,000 new-message pieces of a word each, interaction-complete whose
full_message stays under aiohttp's 512 KiB readline limit) in
64 KiB pieces with chunked transfer encoding, as a streaming server does.
Each round times:

* ``bare``: the peer, a plain aiohttp session posting the form and running
  ``async for line in resp.content: json.loads(line)``;
* ``client.conversations``: the path a user takes, ``async for event in
  client.conversations.interact(id, text=...)`` (typed attrs events, the
  completeness rule, the transport's request path; rate limiting off).

The figure is events per second, best of the rounds (rounds interleaved); the
ratio is ours over the bare loop (higher is faster; the target is >= 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from amigo_async import AmigoClient

CONVERSATION = "a" * 24
PATH = f"/v1/acme/conversation/{CONVERSATION}/interact"
PIECE = 64 * 1024
TARGET = 0.8


def build(megabytes: float) -> tuple[bytes, int]:
    """One interaction of about `megabytes` MB as NDJSON; (body, number of events)."""
    agent, words = "b" * 24, "the agent keeps talking about refunds and orders "
    lines = [
        {"type": "user-message-available", "message_id": "c" * 24, "user_message": "Tell me"},
        {
            "type": "current-agent-action",
            "action": {"type": "select-dynamic-behavior-vector-generated"},
        },
    ]
    pieces: list[str] = []
    size, target = 0, int(megabytes * 1024 * 1024)
    while size < target:
        piece = words.split()[len(pieces) % 8] + " "  # a token or two, as the agent streams
        event = {
            "type": "new-message",
            "message": piece,
            "transcript_alignment": None,
            "stop": False,
            "sequence_number": len(pieces),
            "message_id": agent,
        }
        pieces.append(piece)
        lines.append(event)
        size += len(json.dumps(event)) + 1
    complete = {
        "type": "interaction-complete",
        "message_id": agent,
        "interaction_id": "e" * 24,
        "full_message": "".join(pieces),
        "conversation_completed": False,
    }
    lines.append(complete)
    body = b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)
    return body, len(lines)


async def serve(body: bytes) -> None:
    """--serve: answer every interact with the body, 64 KiB pieces, chunked."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), PIECE):
            await response.write(body[start : start + PIECE])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_post(PATH, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


async def bare(session: aiohttp.ClientSession, base: str) -> int:
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("initial_message_type", "user-message")
    form.add_field("recorded_message", "Tell me")
    params = {"request_format": "text", "response_format": "text"}
    count = 0
    async with session.post(base + PATH, data=form, params=params) as response:
        async for line in response.content:
            if line.strip():
                json.loads(line)
                count += 1
    return count


async def ours(client: AmigoClient) -> int:
    count = 0
    async for _ in client.conversations.interact(CONVERSATION, text="Tell me"):
        count += 1
    return count


async def timed(run: Callable[[], Awaitable[int]], expected: int) -> float:
    start = time.perf_counter()
    count = await run()
    elapsed = time.perf_counter() - start
    if count != expected:
        raise SystemExit(f"expected {expected} events, got {count}")
    return elapsed


async def main(args: argparse.Namespace, base: str, events: int) -> None:
    best = {"bare": float("inf"), "ours": float("inf")}
    async with (
        aiohttp.ClientSession() as session,
        AmigoClient(
            organization="acme", base_url=base, token="bench-token", rate_limiting=False
        ) as client,
    ):
        for _ in range(args.rounds):
            best["bare"] = min(best["bare"], await timed(lambda: bare(session, base), events))
            best["ours"] = min(best["ours"], await timed(lambda: ours(client), events))
    rate = {name: events / seconds for name, seconds in best.items()}
    ratio = rate["ours"] / rate["bare"]
    print(f"{events:,} events, {args.megabytes:g} MB NDJSON, best of {args.rounds} rounds")
    print(f"  bare async for line + json.loads: {rate['bare']:12,.0f} events/s")
    print(f"  client.conversations.interact:    {rate['ours']:12,.0f} events/s (typed)")
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"  ratio ours/bare: {ratio:.2f}x ({verdict} the {TARGET}x target)")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def run(args: argparse.Namespace) -> None:
    body, events = build(args.megabytes)
    if args.serve:
        asyncio.run(serve(body))
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", *sys.argv[1:]], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        asyncio.run(main(args, server.stdout.readline().strip(), events))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    run(_arguments())
