"""A tampered or damaged manifest never stops `resume`: each unreadable line is
skipped with a warning and its prefix exported again, as is a completed prefix
whose output is gone."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import zipfile
from pathlib import Path

import pytest
from aiohttp import web
from hostile import serve

from amigo_async import AmigoClient
from amigo_async.jobs.export import MANIFEST_NAME, export_prompt_logs
from amigo_async.testing import FakeAmigoServer


def _line(**changes: object) -> bytes:
    record = {"prefix": "PREFIX", "status": "completed", "format": "jsonl", "path": "x.jsonl"}
    record.update(changes)
    return json.dumps(record).encode()


TAMPERED = {
    "entries_text": _line(entries="many"),
    "entries_huge_float": _line().replace(b"}", b', "entries": 1e400}'),
    "kinds_list": _line(kinds=[1, 2]),
    "kinds_text_counts": _line(kinds={"a": "b"}),
    "deep_nesting": _line().replace(b"}", b', "kinds": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "not_utf8": _line().replace(b"PREFIX", b"PREFIX\xff"),
    "unknown_status": _line(status="done"),
    "prefix_list": _line(prefix=["PREFIX"]),
    "not_an_object": b"[1, 2, 3]",
}


@pytest.mark.parametrize("name", list(TAMPERED))
async def test_a_tampered_manifest_line_is_skipped_with_a_warning(
    fake: FakeAmigoServer,
    client: AmigoClient,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    line = TAMPERED[name].replace(b"PREFIX", prefix.encode())
    (tmp_path / MANIFEST_NAME).write_bytes(line + b"\n")
    (tmp_path / "x.jsonl").write_text("")  # the output a forged record points at

    with caplog.at_level(logging.WARNING):
        summary = await export_prompt_logs(client, [prefix], tmp_path, format="jsonl", resume=True)

    assert summary.results[0].status == "completed"  # exported again
    assert sum("unreadable; ignored" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize("path", ["", "../outside.jsonl", "/etc/passwd", "gone.jsonl"])
async def test_a_completed_prefix_without_its_output_is_exported_again(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, path: str
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    (tmp_path / MANIFEST_NAME).write_bytes(_line(prefix=prefix, path=path, entries=3) + b"\n")
    summary = await export_prompt_logs(client, [prefix], tmp_path, format="jsonl", resume=True)
    result = summary.results[0]
    assert result.status == "completed"
    assert (tmp_path / result.path).is_file()


def _zip_with_a_damaged_local_name() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for log in range(3):
            for kind in ("system", "history", "error"):
                archive.writestr(f"conversation-42/log{log}-{kind}", json.dumps({"log": log}))
    # The first local header names another file than the central directory says.
    return buffer.getvalue().replace(b"42/log0-system", b"4X/log0-system", 1)


def _entry_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]


@pytest.mark.parametrize("export_format", ["files", "jsonl"])
async def test_a_failed_prefix_records_the_entries_it_left_on_disk(
    tmp_path: Path, export_format: str
) -> None:
    body = _zip_with_a_damaged_local_name()

    async def archive(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/zip")

    async with (
        serve(archive) as api,
        AmigoClient("acme", base_url=api.url, token="tok-manifest") as client,
    ):
        summary = await export_prompt_logs(
            client,
            ["conversation-42"],
            tmp_path,
            format=export_format,
            max_attempts=1,  # type: ignore[arg-type]
        )
    (result,) = summary.results
    on_disk = _entry_files(tmp_path)
    assert result.status == "failed"
    assert result.entries == len(on_disk) == (8 if export_format == "files" else 0)
    assert not [p for p in on_disk if "log0" in p.name and "system" in p.name]  # disproved
    (record,) = [json.loads(line) for line in (tmp_path / MANIFEST_NAME).read_text().splitlines()]
    assert record["status"] == "failed" and record["entries"] == result.entries


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
async def test_a_manifest_that_is_not_a_regular_file_is_refused_before_any_request(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, planted: str
) -> None:
    """Appending through a planted link would write outside the directory; reading a
    FIFO would wait forever (outside probe, session 6)."""
    out, outside = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    outside.write_text("precious\n")
    manifest_path = out / MANIFEST_NAME
    if planted == "symlink":
        manifest_path.symlink_to(outside)
    elif planted == "fifo":
        os.mkfifo(manifest_path)
    else:
        manifest_path.mkdir()
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    before = len(fake.requests)

    with pytest.raises(OSError, match="not a regular file"):
        await asyncio.wait_for(
            export_prompt_logs(client, [prefix], out, format="jsonl", resume=True), 10
        )
    assert outside.read_text() == "precious\n"
    assert len(fake.requests) == before
