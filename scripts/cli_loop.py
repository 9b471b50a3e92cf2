"""Twenty ``amigo-async`` runs within a minute against a fake server sign in once.

The long form of tests/test_cli.py's six-run check: the fake enforces the documented
sign-in limit (5 a minute), the runs get only an API key in their environment (no
token), and each is a separate process sharing the token cache in a fresh cache
directory. ``--parallel`` starts them all at once (the file lock's case);
otherwise they run one after another, as a shell loop does.

    python scripts/cli_loop.py [--runs 20] [--parallel]

Prints the sign-ins the fake counted and the time taken; exits 1 unless every run
succeeded and the fake saw exactly one sign-in.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from amigo_async.testing import FakeAmigoServer

ROOT = Path(__file__).resolve().parents[1]


async def _one_run(environment: dict[str, str]) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "amigo_async.cli",
        "models",
        "list",
        env=environment,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        print(err.decode(errors="replace"), file=sys.stderr)
    return process.returncode or 0


async def _loop(runs: int, parallel: bool) -> int:
    async with FakeAmigoServer() as fake:
        with tempfile.TemporaryDirectory() as cache:
            environment = {
                "PATH": os.environ.get("PATH", ""),
                "HOME": cache,
                "XDG_CACHE_HOME": cache,
                "PYTHONPATH": str(ROOT),
                "AMIGO_ORGANIZATION_ID": fake.organization,
                "AMIGO_BASE_URL": fake.url,
                "AMIGO_API_KEY": fake.api_key,
                "AMIGO_API_KEY_ID": fake.api_key_id,
                "AMIGO_USER_ID": fake.user_id,
            }
            started = time.monotonic()
            if parallel:
                statuses = await asyncio.gather(*(_one_run(environment) for _ in range(runs)))
            else:
                statuses = [await _one_run(environment) for _ in range(runs)]
            elapsed = time.monotonic() - started
        failed = sum(1 for status in statuses if status != 0)
        mode = "at once" if parallel else "one after another"
        print(
            f"{runs} runs {mode} in {elapsed:.1f}s: {failed} failed, "
            f"{fake.sign_ins} sign-in(s), {fake.count('get-models')} get-models"
        )
        return 0 if failed == 0 and fake.sign_ins == 1 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--parallel", action="store_true")
    args = parser.parse_args()
    return asyncio.run(_loop(args.runs, args.parallel))


if __name__ == "__main__":
    sys.exit(main())
