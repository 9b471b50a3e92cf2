"""Issue 18, item 7: a fixed-seed slice of schemathesis against the fake, in the suite.

The whole snapshot, every phase, is `scripts/schemathesis_fake.py`; here a few
operations that were wrong (500s, nulls in answers, forbidden input accepted) run
with both valid and invalid data, every answer checked against its documented
status and schema.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from amigo_async.testing import FakeAmigoServer

_ST = Path(sys.executable).with_name("st")
_OPERATIONS = (
    "get-metric-evaluation-results|create-api-key|modify-organization|create-invited-user"
    "|get-users|search-users|get-tools|get-services|access-git-interface"
)
_CHECKS = (
    "not_a_server_error,status_code_conformance,response_schema_conformance,"
    "negative_data_rejection,unsupported_method,allow_header_conformance"
)

pytestmark = pytest.mark.skipif(not _ST.exists(), reason="schemathesis (dev extra) not installed")


async def _schemathesis(fake: FakeAmigoServer, workdir: Path, *options: str) -> tuple[int, str]:
    config = workdir / "schemathesis.toml"
    config.write_text(
        f'headers = {{ Authorization = "Bearer {fake.token}" }}\n'
        f'[parameters]\n"path.organization" = "{fake.organization}"\n'
    )
    process = await asyncio.create_subprocess_exec(
        str(_ST),
        "--config-file",
        str(config),
        "run",
        f"{fake.url}/openapi.json",
        "--url",
        fake.url,
        "--include-operation-id-regex",
        f"^({_OPERATIONS})$",
        "--seed",
        "7",
        "--no-shrink",
        "--workers",
        "1",
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=workdir,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


async def test_a_schemathesis_slice_finds_nothing_wrong(tmp_path: Path) -> None:
    async with FakeAmigoServer(enforce_rate_limits=False) as fake:
        code, output = await _schemathesis(
            fake, tmp_path, "--phases", "fuzzing", "--max-examples", "3", "--checks", _CHECKS
        )
    assert code == 0, output[-4000:]
    assert "10 selected" in output, output[:1500]


async def test_the_fake_serves_the_description_schemathesis_reads(
    fake: FakeAmigoServer,
) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(f"{fake.url}/openapi.json") as r:
        document = await r.json()
    assert r.status == 200
    assert document["security"] == [{"Bearer-Authorization": []}, {"Basic": []}]
    assert "/v1/{organization}/tool/" in document["paths"]
