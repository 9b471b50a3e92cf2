"""export_prompt_logs' formats (jsonl, parquet), date prefixes, and staging an archive's
files until its directory has spoken."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncGenerator
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow._parquet as parquet_writer
import pyarrow.parquet as pq
import pytest

from amigo_async import AmigoClient, errors
from amigo_async.jobs import _sinks, date_prefixes
from amigo_async.jobs._records import messages_of
from amigo_async.jobs.export import MANIFEST_NAME, ExportSummary, export_prompt_logs
from amigo_async.prompt_logs import PromptLogEntry, iter_entries
from amigo_async.testing import FakeAmigoServer, Fault
from amigo_async.testing._data.prompt_logs import FakePromptLog

TODAY = date(2026, 12, 7)


async def export(
    client: AmigoClient, prefixes: list[str], out: Path, **options: object
) -> ExportSummary:
    options.setdefault("retry_delay", 0.01)
    return await export_prompt_logs(client, prefixes, out, **options)  # type: ignore[arg-type]


def names_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def manifest(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]


def seed_history(fake: FakeAmigoServer) -> None:
    """One log with a two-message history (roles on their own line) and a system file,
    one whose history is not UTF-8."""
    data = fake.state.prompt_logs
    data.add(
        FakePromptLog("t/1", system=b"You help.", history=b"[user]\nhi\n---\n[assistant]\nhello")
    )
    data.add(FakePromptLog("t/2", history=b"user: caf\xe9\n---\nassistant: ok"))


# -- jsonl -------------------------------------------------------------------------


async def test_jsonl_has_one_line_per_entry_with_its_messages(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    seed_history(fake)

    summary = await export(client, ["t/"], tmp_path, format="jsonl")

    [result] = summary.results
    assert result.path == "t%2F.jsonl"
    lines = [json.loads(line) for line in (tmp_path / result.path).read_text().splitlines()]
    by_file = {line["file_name"]: line for line in lines}
    assert sorted(by_file) == ["t/1-history", "t/1-system", "t/2-history"]
    history = by_file["t/1-history"]
    assert (history["prefix"], history["log_key"], history["kind"]) == ("t/", "t/1", "history")
    assert history["messages"] == [
        {"index": 0, "role": "user", "text": "[user]\nhi"},
        {"index": 1, "role": "assistant", "text": "[assistant]\nhello"},
    ]
    assert "text" not in history  # the messages join back to the file's text
    assert by_file["t/1-system"]["messages"] == [{"index": 0, "role": None, "text": "You help."}]
    invalid = by_file["t/2-history"]
    assert invalid["invalid_utf8"] is True
    assert [m["role"] for m in invalid["messages"]] == ["user", "assistant"]
    assert invalid["raw_base64"] == "dXNlcjogY2Fm6QotLS0KYXNzaXN0YW50OiBvaw=="  # bytes as sent
    assert manifest(tmp_path)[0]["format"] == "jsonl"


async def test_a_table_format_publishes_nothing_for_a_failed_prefix(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    fake.inject("get-prompt-logs", Fault.truncate(3000), times=2)

    summary = await export(client, [prefix], tmp_path, format="jsonl", max_attempts=2)

    assert summary.results[0].status == "failed"
    assert names_in(tmp_path) == [MANIFEST_NAME]


# -- parquet -----------------------------------------------------------------------


async def test_parquet_has_one_typed_row_per_message(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    seed_history(fake)
    prefix = fake.state.prompt_logs.demo_prefixes[2]
    entries = list(iter_entries([fake.state.prompt_logs.archive(prefix)]))

    summary = await export(client, ["t/", prefix], tmp_path, format="parquet")

    assert [r.path for r in summary.results] == ["t%2F.parquet", summary.results[1].path]
    table = pq.read_table(tmp_path / summary.results[0].path)
    assert table.schema.field("message_index").type == pa.int32()
    assert table.schema.field("entry_size").type == pa.int64()
    assert table.schema.field("invalid_utf8").type == pa.bool_()
    assert table.schema.field("exported_at").type == pa.timestamp("ms", tz="UTC")
    rows = sorted(table.to_pylist(), key=lambda row: (row["file_name"], row["message_index"]))
    assert [(r["file_name"], r["message_index"], r["role"]) for r in rows] == [
        ("t/1-history", 0, "user"),
        ("t/1-history", 1, "assistant"),
        ("t/1-system", 0, None),
        ("t/2-history", 0, "user"),
        ("t/2-history", 1, "assistant"),
    ]
    assert rows[1]["text"] == "[assistant]\nhello" and rows[1]["message_count"] == 2
    seeded = pq.read_table(tmp_path / summary.results[1].path)
    assert seeded.num_rows == sum(
        max(len(e.messages), 1) if e.kind == "history" else 1 for e in entries
    )
    assert set(seeded.column("prefix").to_pylist()) == {prefix}


async def test_each_format_carries_the_zip_entry_date_as_modified_at(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    # The fake stamps every member 2025-01-01 00:00 (MS-DOS fields, no time zone).
    seed_history(fake)

    parquet = await export(client, ["t/"], tmp_path / "p", format="parquet")
    jsonl = await export(client, ["t/"], tmp_path / "j", format="jsonl")

    table = pq.read_table(tmp_path / "p" / parquet.results[0].path)
    assert table.schema.field("modified_at").type == pa.timestamp("ms")  # no zone
    assert set(table.column("modified_at").to_pylist()) == {datetime(2025, 1, 1)}
    lines = (tmp_path / "j" / jsonl.results[0].path).read_text().splitlines()
    assert {json.loads(line)["modified_at"] for line in lines} == {"2025-01-01T00:00:00"}


async def test_parquet_rows_are_allocated_by_jemalloc_where_arrow_has_it(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    # Arrow's jemalloc returns the conversion's buffers; malloc and mimalloc keep
    # them (about 5 MB more peak RSS for 1 GB, benchmarks/bench_export_memory.py).
    try:
        jemalloc = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    before = jemalloc.num_allocations()
    seed_history(fake)

    await export(client, ["t/"], tmp_path, format="parquet")

    assert jemalloc.num_allocations() > before


async def test_parquet_is_written_in_row_groups_of_bounded_size(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sinks, "_ROW_GROUP_BYTES", 2000)
    fake.state.prompt_logs.add_generated("g/", 20, file_size=1000, messages=3)

    summary = await export(client, ["g/"], tmp_path, format="parquet")

    written = pq.ParquetFile(tmp_path / summary.results[0].path)
    assert written.metadata.num_row_groups >= 10
    assert written.metadata.num_rows == 20 * (1 + 3)


def varied_logs(fake: FakeAmigoServer) -> list[PromptLogEntry]:
    """Logs whose texts test the text spool: several bytes a character, empty
    messages, bytes that are not UTF-8 and a message longer than a row group."""
    data = fake.state.prompt_logs
    data.add(FakePromptLog("v/1", system="caf\u00e9 \U0001f600 \u4e2d\u6587".encode()))
    data.add(FakePromptLog("v/2", history=b"[user]\n\xff\xfe bad\n---\n---\n[assistant]\nok"))
    data.add(FakePromptLog("v/3", system=b"", history="\u00e9".encode() * 3000))
    data.add_generated("v/4", 6, file_size=900, messages=3)
    return list(iter_entries([data.archive("v/")]))


def expected_rows(prefix: str, entries: list[PromptLogEntry]) -> list[tuple[object, ...]]:
    """One row per message, in the table's column order (without exported_at)."""
    rows = []
    for e in entries:
        messages = messages_of(e)
        for m in messages:
            head = (prefix, e.log_key, e.kind.value, e.file_name, m.index, len(messages))
            rows.append((*head, m.role, m.text, e.size, e.invalid_utf8, e.modified_at))
    return sorted(rows, key=repr)


@pytest.mark.parametrize("group_bytes", [2000, 1024 * 1024])
async def test_parquet_rows_are_the_entries_messages_whatever_the_row_groups(
    fake: FakeAmigoServer,
    client: AmigoClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    group_bytes: int,
) -> None:
    monkeypatch.setattr(_sinks, "_ROW_GROUP_BYTES", group_bytes)
    entries = varied_logs(fake)

    summary = await export(client, ["v/"], tmp_path, format="parquet")

    table = pq.read_table(tmp_path / summary.results[0].path)
    assert table.schema == _sinks._parquet_schema()
    columns = [name for name in table.column_names if name != "exported_at"]
    rows = sorted((tuple(row[name] for name in columns) for row in table.to_pylist()), key=repr)
    assert rows == expected_rows("v/", entries)
    [exported_at] = set(table.column("exported_at").to_pylist())
    finished = datetime.fromisoformat(str(manifest(tmp_path)[0]["finished_at"]))
    assert timedelta(0) <= finished - exported_at < timedelta(minutes=1)


async def test_parquet_text_column_has_no_dictionary(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    # A dictionary holds a row group's texts twice more while it is written
    # (about 3 MB more peak RSS for 1 GB, benchmarks/bench_export_memory.py).
    varied_logs(fake)

    summary = await export(client, ["v/"], tmp_path, format="parquet")

    group = pq.ParquetFile(tmp_path / summary.results[0].path).metadata.row_group(0)
    encodings = {
        group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)
    }
    assert "RLE_DICTIONARY" not in encodings["text"]
    assert "RLE_DICTIONARY" in encodings["log_key"]  # the other text columns keep theirs


def test_a_message_over_2_gib_is_a_value_error_not_an_overflow() -> None:
    # Arrow's string offsets are 32-bit; the export reports a ValueError as the
    # prefix's failure, where an OverflowError would end the whole export.
    spool = io.BytesIO(b'["k","system","k-system",1,0,null,2147483648,1,false,null]\n')

    with pytest.raises(ValueError, match="2 GiB"):
        list(_sinks._row_groups(spool))


_WRITER_PROBE = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from amigo_async.jobs._sinks import open_sink, require_pyarrow
require_pyarrow()
sink = open_sink("parquet", Path(sys.argv[1]), "p/", datetime.now(timezone.utc))
sink.commit()
print(sorted(name for name in sys.modules if name.startswith("pyarrow.")))
"""


def test_parquet_is_written_without_importing_pyarrow_file_systems(tmp_path: Path) -> None:
    """`pyarrow.parquet` imports `pyarrow.fs` (S3, GCS, Azure, HDFS): 4 MB of RSS
    a local file never uses (benchmarks/bench_export_memory.py)."""
    probe = subprocess.run(
        [sys.executable, "-c", _WRITER_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert "pyarrow.fs" not in probe.stdout and "pyarrow.parquet" not in probe.stdout
    assert pq.read_table(tmp_path / "p%2F.parquet").num_rows == 0


async def test_parquet_falls_back_to_pyarrow_parquet_without_its_private_module(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = varied_logs(fake)
    monkeypatch.setitem(sys.modules, "pyarrow._parquet", None)

    summary = await export(client, ["v/"], tmp_path, format="parquet")

    table = pq.read_table(tmp_path / summary.results[0].path)
    assert table.num_rows == len(expected_rows("v/", entries))


async def test_parquet_keeps_one_writer_open_whatever_the_concurrency(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each open ParquetWriter holds megabytes of buffers: four at once broke the
    # 100 MB budget for a 1 GB export (benchmarks/bench_export_memory.py).
    open_writers: list[int] = []
    counts: list[int] = []

    class CountingWriter(parquet_writer.ParquetWriter):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            open_writers.append(1)
            counts.append(len(open_writers))

        def close(self) -> None:
            open_writers.pop()
            super().close()

    monkeypatch.setattr(parquet_writer, "ParquetWriter", CountingWriter)
    days = [f"d{day}/" for day in range(4)]
    for day in days:
        fake.state.prompt_logs.add_generated(day, 30, file_size=1000, messages=3)

    summary = await export(client, days, tmp_path, format="parquet", concurrency=4)

    assert [r.status for r in summary.results] == ["completed"] * 4
    assert counts == [1, 1, 1, 1]
    rows = [pq.ParquetFile(tmp_path / r.path).metadata.num_rows for r in summary.results]
    assert rows == [30 * (1 + 3)] * 4
    assert not [name for name in names_in(tmp_path) if name.startswith(".")]


async def test_parquet_without_pyarrow_names_the_extra_before_any_request(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow._parquet", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)

    with pytest.raises(ImportError, match=r"amigo_async\[parquet\]"):
        await export(client, ["t/"], tmp_path, format="parquet")

    assert fake.requests == []


async def test_an_unknown_format_is_refused(client: AmigoClient, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="files, jsonl, parquet"):
        await export(client, ["t/"], tmp_path, format="csv")


async def test_resume_does_not_skip_a_prefix_done_in_another_format(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    seed_history(fake)
    await export(client, ["t/"], tmp_path, format="jsonl")

    again = await export(client, ["t/"], tmp_path, format="jsonl", resume=True)
    other = await export(client, ["t/"], tmp_path, format="parquet", resume=True)

    assert (again.results[0].status, other.results[0].status) == ("skipped", "completed")


# -- date prefixes -------------------------------------------------------------------


def test_date_prefixes_gives_one_prefix_per_day_both_ends_included() -> None:
    days = date_prefixes(date(2026, 11, 30), date(2026, 12, 2), today=TODAY)
    based = date_prefixes(date(2026, 12, 6), prefix="org/", date_format="%Y/%m/%d/", today=TODAY)

    assert days == ["2026-11-30", "2026-12-01", "2026-12-02"]
    assert based == ["org/2026/12/06/", "org/2026/12/07/"]


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        (date(2026, 11, 6), None, "more than 30 days ago"),
        (date(2026, 12, 1), date(2026, 12, 8), "after today"),
        (date(2026, 12, 8), None, "since=2026-12-08 is after today"),
        (date(2026, 12, 3), date(2026, 12, 2), "before since"),
    ],
)
def test_date_prefixes_refuses_a_range_outside_the_window(
    since: date, until: date | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        date_prefixes(since, until, today=TODAY)


def test_date_prefixes_accepts_the_oldest_day_of_the_window() -> None:
    assert date_prefixes(date(2026, 11, 7), date(2026, 11, 7), today=TODAY) == ["2026-11-07"]


def test_date_prefixes_refuses_a_format_that_merges_days() -> None:
    with pytest.raises(ValueError, match="same prefix"):
        date_prefixes(date(2026, 12, 1), date(2026, 12, 2), date_format="%Y-%m", today=TODAY)


async def test_a_range_with_an_empty_day_succeeds_and_records_the_day_as_empty(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefixes = date_prefixes(date(2026, 12, 1), date(2026, 12, 3), today=TODAY)
    for day in (prefixes[0], prefixes[2]):
        fake.state.prompt_logs.add_generated(f"{day}/", 2, file_size=500, messages=2)

    summary = await export(client, prefixes, tmp_path, format="jsonl")

    assert summary.ok
    assert [r.status for r in summary.results] == ["completed", "empty", "completed"]
    assert sorted((r["prefix"], r["status"]) for r in manifest(tmp_path)) == [
        ("2026-12-01", "completed"),
        ("2026-12-02", "empty"),
        ("2026-12-03", "completed"),
    ]
    assert names_in(tmp_path) == [
        "2026-12-01.jsonl",
        "2026-12-03.jsonl",
        MANIFEST_NAME,
    ]


# -- staging: nothing the archive's directory disproves ----------------------------------


def with_disproved(
    client: AmigoClient, names: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Let the client's TruncatedStreamError name `names` as disproved (what the zip
    reader reports once it compares the delivered entries with the directory)."""
    stream = client.admin.stream_prompt_logs

    async def entries(prefix: str, **options: int) -> AsyncGenerator[PromptLogEntry, None]:
        try:
            async for entry in stream(prefix, **options):
                yield entry
        except errors.TruncatedStreamError as error:
            error.disproved = names  # type: ignore[attr-defined]
            raise

    monkeypatch.setattr(client.admin, "stream_prompt_logs", entries)


async def test_a_disproved_entry_never_reaches_its_final_name(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.state.prompt_logs.add(FakePromptLog("d/1", system=b"kept", history=b"forged"))
    fake.state.prompt_logs.add(FakePromptLog("d/2", system=b"never arrives"))
    archive = fake.state.prompt_logs.archive("d/")
    third_member = archive.index(b"PK\x03\x04", archive.index(b"d/1-history") + 1)
    fake.inject("get-prompt-logs", Fault.truncate(third_member + 10))
    with_disproved(client, ("d/1-history",), monkeypatch)

    summary = await export(client, ["d/"], tmp_path, max_attempts=1)

    [result] = summary.results
    assert (result.status, result.disproved) == ("failed", 1)
    directory = tmp_path / result.path
    assert sorted(p.name for p in directory.iterdir()) == ["d%2F1.system.json"]
    assert manifest(tmp_path)[0]["disproved"] == 1


async def test_a_retry_that_completes_replaces_what_the_cut_attempt_kept(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    entries = list(iter_entries([fake.state.prompt_logs.archive(prefix)]))
    fake.inject("get-prompt-logs", Fault.truncate(6000))
    with_disproved(client, (entries[0].file_name,), monkeypatch)

    summary = await export(client, [prefix], tmp_path)

    [result] = summary.results
    assert (result.status, result.attempts, result.disproved) == ("completed", 2, 1)
    assert len(list((tmp_path / result.path).iterdir())) == len(entries)


async def test_an_entry_under_a_forged_local_name_is_not_left_on_disk(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    data = fake.state.prompt_logs
    data.add(FakePromptLog("e/1", system=b"kept", history=b"history of e/1"))
    data.add(FakePromptLog("e/2", system=b"kept too"))
    archive = bytearray(data.archive("e/"))
    local_name = archive.index(b"e/1-history")  # the local header's copy; the directory's is later
    archive[local_name + 2] = ord("9")  # the name is covered by no checksum
    data.pin("e/", bytes(archive))

    summary = await export(client, ["e/"], tmp_path, max_attempts=1)

    [result] = summary.results
    assert (result.status, result.disproved) == ("failed", 1)
    assert names_in(tmp_path / result.path) == ["e%2F1.system.json", "e%2F2.system.json"]


_POOL_PROBE = """
import os
from amigo_async.jobs._sinks import require_pyarrow
require_pyarrow()
import pyarrow
print(pyarrow.default_memory_pool().backend_name, os.environ.get("ARROW_DEFAULT_MEMORY_POOL"))
"""


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [(None, "system None"), ("mimalloc", "mimalloc mimalloc")],
)
def test_parquet_imports_pyarrow_with_malloc_unless_the_user_chose(
    chosen: str | None, expected: str
) -> None:
    """Arrow's default allocator costs the export megabytes of RSS (issue 20); a
    user's own choice stands, and the environment is left as it was."""
    environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen is not None:
        environment["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    probe = subprocess.run(
        [sys.executable, "-c", _POOL_PROBE],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert probe.stdout.split() == expected.split()
