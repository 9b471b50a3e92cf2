"""A tampered or damaged manifest never stops `resume`: each unreadable line is
skipped with a warning and its prefix exported again, as is a completed prefix
whose output is gone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

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
