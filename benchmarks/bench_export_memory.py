"""Peak memory of `export_prompt_logs` writing 1 GB of prompt logs, in each format.

    .venv/bin/python benchmarks/bench_export_memory.py [--gigabytes 1.0] [--days 4]
        [--formats files,jsonl,parquet]

A fake server runs in its own process and serves `--days` date prefixes of 1,000
logs each (the documented cap for one prefix), whose system and history files
(8 messages each) are sized to reach the requested total of uncompressed text;
contents repeat every few logs so the server compresses each distinct file once.
Each format is measured in a fresh client process exporting every day
(`--concurrency` prefixes at once, 4 by default), which reports its own peak resident set
size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``, pyarrow's import included
for parquet). The requirement: 1 GB of logs under 100 MB, in every format.
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

LIMIT_MB = 100
LOGS = 1000
UNLIMITED = {"get-prompt-logs": None}


def _days(count: int) -> list[str]:
    return [f"2026-12-{day:02d}" for day in range(1, count + 1)]


async def _serve(total_bytes: int, days: int) -> None:
    from amigo_async.testing import FakeAmigoServer

    file_size = total_bytes // (2 * LOGS * days)
    async with FakeAmigoServer(chunk_size=64 * 1024, enforce_rate_limits=False) as fake:
        for day in _days(days):
            fake.state.prompt_logs.add_generated(
                f"{day}/", LOGS, file_size=file_size, messages=8, variants=4
            )
        print(fake.url, fake.token, flush=True)
        await asyncio.Event().wait()


async def _measure(
    export_format: str, days: int, concurrency: int, url: str, token: str
) -> dict[str, float]:
    from amigo_async import AmigoClient, export_prompt_logs

    async with AmigoClient("acme", token=token, base_url=url, rate_limits=UNLIMITED) as client:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            summary = await export_prompt_logs(
                client,
                _days(days),
                out,
                format=export_format,  # type: ignore[arg-type]
                concurrency=concurrency,
            )
            seconds = time.perf_counter() - started
    if not summary.ok:
        raise SystemExit(f"the export failed: {summary.results}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "bytes": summary.bytes,
        "files": summary.entries,
        "seconds": seconds,
        "peak_mb": peak_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--formats", default="files,jsonl,parquet")
    parser.add_argument("--concurrency", type=int, default=4, help="prefixes at once (4)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child", nargs=3, metavar=("FORMAT", "URL", "TOKEN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(int(args.gigabytes * 1e9), args.days))
        return
    if args.child:
        figures = _measure(args.child[0], args.days, args.concurrency, *args.child[1:])
        print(json.dumps(asyncio.run(figures)))
        return
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--gigabytes",
            str(args.gigabytes),
            "--days",
            str(args.days),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url, token = server.stdout.readline().split()
        for export_format in args.formats.split(","):
            result = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--days",
                    str(args.days),
                    "--concurrency",
                    str(args.concurrency),
                    "--child",
                    export_format,
                    url,
                    token,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout)
            verdict = "PASS" if figures["peak_mb"] <= LIMIT_MB else "FAIL"
            print(
                f"{export_format:8}: {figures['bytes'] / 1e9:.2f} GB in {figures['files']:.0f} "
                f"entries, {figures['seconds']:.1f} s ({figures['bytes'] / figures['seconds'] / 1e6:.0f} "
                f"MB/s), client peak RSS {figures['peak_mb']:.0f} MB (limit {LIMIT_MB} MB: {verdict})",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
