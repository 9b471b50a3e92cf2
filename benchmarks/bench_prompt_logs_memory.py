"""Peak memory of the client while streaming a 1 GB (uncompressed) prompt-log archive.

    /work/venv/bin/python benchmarks/bench_prompt_logs_memory.py [--gigabytes 1.0]

A fake server runs in its own process and sends the archive with chunked transfer
encoding (no Content-Length) in 64 KiB pieces: 1,000 logs (the documented cap for
one prefix) whose system and history files are sized to reach the requested total;
contents repeat every few logs so the server compresses each distinct file once.
Each measurement runs in a fresh client process, which reports its own peak
resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``): `stream` reads
every entry's `text` from `client.admin.stream_prompt_logs`, `export` writes the
prefix to disk with `export_prompt_logs`. The requirement: at most 64 MB, growing
with the largest entry, not with the archive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time

LIMIT_MB = 64
LOGS = 1000
UNLIMITED = {"get-prompt-logs": None}


async def _serve(total_bytes: int) -> None:
    from amigo_async.testing import FakeAmigoServer

    file_size = total_bytes // (2 * LOGS)
    async with FakeAmigoServer(chunk_size=64 * 1024, enforce_rate_limits=False) as fake:
        fake.state.prompt_logs.add_generated("big/", LOGS, file_size=file_size, variants=4)
        print(fake.url, fake.token, flush=True)
        await asyncio.Event().wait()


async def _measure(mode: str, url: str, token: str) -> dict[str, float]:
    from amigo_async import AmigoClient, export_prompt_logs

    async with AmigoClient("acme", token=token, base_url=url, rate_limits=UNLIMITED) as client:
        started = time.perf_counter()
        received = files = 0
        if mode == "stream":
            async for entry in client.admin.stream_prompt_logs("big/"):
                received += len(entry.text)
                files += 1
        else:
            with tempfile.TemporaryDirectory() as out:
                summary = await export_prompt_logs(client, ["big/"], out)
                received, files = summary.bytes, summary.entries
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bytes": received, "files": files, "seconds": seconds, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "URL", "TOKEN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(int(args.gigabytes * 1024**3)))
        return
    if args.child:
        print(json.dumps(asyncio.run(_measure(*args.child))))
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--gigabytes", str(args.gigabytes)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url, token = server.stdout.readline().split()
        for mode in ("stream", "export"):
            result = subprocess.run(
                [sys.executable, __file__, "--child", mode, url, token],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout)
            verdict = "PASS" if figures["peak_mb"] <= LIMIT_MB else "FAIL"
            print(
                f"{mode:6}: {figures['bytes'] / 1024**3:.2f} GiB in {figures['files']:.0f} files, "
                f"{figures['seconds']:.1f} s ({figures['bytes'] / figures['seconds'] / 1e6:.0f} "
                f"MB/s), client peak RSS {figures['peak_mb']:.0f} MB "
                f"(limit {LIMIT_MB} MB: {verdict})"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
