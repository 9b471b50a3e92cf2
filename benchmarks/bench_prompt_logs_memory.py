"""Peak memory while streaming a 1 GB (uncompressed) prompt-log archive.

    /work/venv/bin/python benchmarks/bench_prompt_logs_memory.py [--gigabytes 1.0]

Each measurement runs in a fresh subprocess, which reports its own peak resident
set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after streaming the
archive from a fake server in the same process: the figure covers client and
server together. The archive is 1,000 logs (the documented cap for one prefix)
whose system and history files are sized to reach the requested total; contents
repeat every few logs so the fake compresses each distinct file once. A second
run exports the same prefix to disk with `export_prompt_logs`. The requirement:
under 150 MB, growing with the largest entry, not with the archive.
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

LIMIT_MB = 150
LOGS = 1000


async def _measure(mode: str, total_bytes: int) -> dict[str, float]:
    from amigo_async import export_prompt_logs
    from amigo_async.testing import FakeAmigoServer

    file_size = total_bytes // (2 * LOGS)
    async with FakeAmigoServer(enforce_rate_limits=False) as fake:
        fake.state.prompt_logs.add_generated("big/", LOGS, file_size=file_size, variants=4)
        async with fake.client() as client:
            started = time.perf_counter()
            received = files = 0
            if mode == "stream":
                async for entry in client.admin.stream_prompt_logs("big/"):
                    received += entry.size
                    files += 1
            else:
                with tempfile.TemporaryDirectory() as out:
                    summary = await export_prompt_logs(client, ["big/"], out)
                    received, files = summary.bytes, summary.entries
            seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bytes": received, "files": files, "seconds": seconds, "peak_mb": peak_mb}


def _child(mode: str, total_bytes: int) -> None:
    print(json.dumps(asyncio.run(_measure(mode, total_bytes))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--child", choices=["stream", "export"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    total = int(args.gigabytes * 1024**3)
    if args.child:
        _child(args.child, total)
        return
    for mode in ("stream", "export"):
        result = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--gigabytes", str(args.gigabytes)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout)
        verdict = "PASS" if figures["peak_mb"] < LIMIT_MB else "FAIL"
        print(
            f"{mode:6}: {figures['bytes'] / 1024**3:.2f} GiB in {figures['files']:.0f} files, "
            f"{figures['seconds']:.1f} s ({figures['bytes'] / figures['seconds'] / 1e6:.0f} MB/s), "
            f"peak RSS {figures['peak_mb']:.0f} MB (limit {LIMIT_MB} MB: {verdict})"
        )


if __name__ == "__main__":
    main()
