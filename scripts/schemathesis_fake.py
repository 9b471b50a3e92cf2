"""Run schemathesis over the whole OpenAPI snapshot against the fake server; print the figures.

    python scripts/schemathesis_fake.py [--max-examples N] [--seed S] [--snapshot PATH]

The schema is the one the fake serves at ``/openapi.json``: the package's generated
data (the snapshot without its prose), its security requirement read as the
schemes' descriptions say (Bearer or Basic; ``X-ORG-ID`` optional). Two runs,
each with every phase and every check, rate limits off: one over every
operation, one with delete-organization excluded (deleting the organization
makes every later request of the run a 404, which hides what those operations
would answer). Each run gets a fresh fake (`python -m amigo_async.testing`), so
the second starts from the seeded data again. The exit status is 1 when a run
reports a failure; the JUnit reports are left in `--report-dir`.

The suite runs a small fixed-seed slice of this (tests/test_fake_schemathesis.py).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent


ORGANIZATION = "acme"


@contextmanager
def fake_server(*extra: str) -> Iterator[tuple[str, str]]:
    """A command-line fake on a free port, rate limits off: (base URL, token)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "amigo_async.testing", "--port", "0", "--no-rate-limits", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        found: dict[str, str] = {}
        for line in iter(process.stdout.readline, ""):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            found[name] = value
            if "AMIGO_TOKEN" in found and "AMIGO_BASE_URL" in found:
                break
        yield found["AMIGO_BASE_URL"], found["AMIGO_TOKEN"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def config_text(token: str) -> str:
    """schemathesis.toml: the organization fixed, the fake's token on every request."""
    return (
        f'headers = {{ Authorization = "Bearer {token}" }}\n'
        "[parameters]\n"
        f'"path.organization" = "{ORGANIZATION}"\n'
    )


def st_command(
    url: str, config: Path, args: argparse.Namespace, report: Path, *extra: str
) -> list[str]:
    st = Path(sys.executable).with_name("st")
    return [
        str(st),
        "--config-file",
        str(config),
        "run",
        args.snapshot or f"{url}/openapi.json",
        "--url",
        url,
        "--checks",
        "all",
        "--phases",
        args.phases,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--continue-on-failure",
        "--request-timeout",
        "10",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *extra,
    ]


def summary(report: Path) -> str:
    """Failures by schemathesis code (ST1xx: answers, ST2xx: accepted or refused input)."""
    if not report.exists():
        return "no report"
    root = ElementTree.parse(report).getroot()
    codes: Counter[str] = Counter()
    operations: dict[str, set[str]] = {}
    for case in root.iter("testcase"):
        for failure in case.iter("failure"):
            for line in (failure.text or "").splitlines():
                match = re.match(r"- (ST\d+) (.*)", line.strip())
                if match:
                    code = f"{match[1]} {match[2]}"
                    codes[code] += 1
                    operations.setdefault(code, set()).add(case.get("name", "?"))
    tested = root.get("tests", "?")
    lines = [f"{tested} operations tested, {sum(codes.values())} failures"]
    for code, count in codes.most_common():
        lines.append(f"  {count:4d} {code}: {', '.join(sorted(operations[code]))}")
    return "\n".join(lines)


def run(args: argparse.Namespace, name: str, *extra: str) -> int:
    with fake_server() as (url, token), tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "schemathesis.toml"
        config.write_text(config_text(token))
        report = Path(args.report_dir).absolute() / f"{name}.xml"  # st runs elsewhere
        report.parent.mkdir(parents=True, exist_ok=True)
        command = st_command(url, config, args, report, *extra)
        print(f"== {name}: {' '.join(command[3:5])} ...", flush=True)
        environment = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
        code = subprocess.run(command, env=environment, cwd=scratch, check=False).returncode
        print(f"== {name}: {summary(report)}", flush=True)
        return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--snapshot", help="an OpenAPI file (default: the fake's own /openapi.json)"
    )
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    parser.add_argument("--report-dir", default="schemathesis-report")
    parser.add_argument("--only", help="an operation id regex (a quick look at one area)")
    args = parser.parse_args()
    only = ["--include-operation-id-regex", args.only] if args.only else []
    codes = [
        run(args, "all-operations", *only),
        run(
            args,
            "without-delete-organization",
            "--exclude-operation-id",
            "delete-organization",
            *only,
        ),
    ]
    return 1 if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
