"""export_prompt_logs: files, names, the manifest, retries, pacing, resuming, cancelling."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
from collections.abc import AsyncIterator, Hashable
from pathlib import Path

import pytest

from amigo_async import AmigoClient, RateLimit, errors
from amigo_async.cli._progress import TerminalProgress
from amigo_async.jobs import _sinks
from amigo_async.jobs.export import (
    MANIFEST_NAME,
    ExportSummary,
    export_prompt_logs,
    safe_file_name,
)
from amigo_async.prompt_logs import PromptLogEntry, iter_entries
from amigo_async.testing import FakeAmigoServer, Fault
from amigo_async.testing._data.prompt_logs import FakePromptLog

UNLIMITED = {"get-prompt-logs": None}


@pytest.fixture
async def unlimited() -> AsyncIterator[FakeAmigoServer]:
    async with FakeAmigoServer(rate_limits=UNLIMITED) as server:
        yield server


def names_in(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def manifest(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / MANIFEST_NAME).read_text().splitlines()]


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def document(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_bytes())
    return loaded


def text_of(path: Path) -> str:
    """The file's text back from its JSON document."""
    loaded = document(path)
    if "text" in loaded:
        return str(loaded["text"])
    return "\n---\n".join(m["text"] for m in loaded["messages"])  # type: ignore[attr-defined,index]


async def export(
    client: AmigoClient, prefixes: list[str], out: Path, **options: object
) -> ExportSummary:
    options.setdefault("retry_delay", 0.01)
    return await export_prompt_logs(client, prefixes, out, **options)  # type: ignore[arg-type]


# -- files -----------------------------------------------------------------------


async def test_each_entry_becomes_one_file_with_its_text(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[1]
    entries = list(iter_entries([fake.state.prompt_logs.archive(prefix)]))

    summary = await export(client, [prefix], tmp_path)

    [result] = summary.results
    directory = tmp_path / result.path
    assert result.path == safe_file_name(prefix)
    assert (result.status, result.entries) == ("completed", len(entries))
    names = [f"{safe_file_name(e.log_key)}.{e.kind.value}.json" for e in entries]
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)
    for entry, name in zip(entries, names, strict=True):
        written = document(directory / name)
        assert (written["log_key"], written["kind"], written["prefix"]) == (
            entry.log_key,
            entry.kind.value,
            prefix,
        )
        assert text_of(directory / name) == entry.text


async def test_manifest_records_each_completed_prefix_with_its_counts(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[1]

    summary = await export(client, [prefix], tmp_path)

    [record] = manifest(tmp_path)
    [result] = summary.results
    assert (record["prefix"], record["status"], record["format"]) == (prefix, "completed", "files")
    assert record["entries"] == result.entries == sum(result.kinds.values())
    assert record["kinds"] == result.kinds and result.kinds["error"] >= 1
    assert record["path"] == result.path
    assert record["bytes"] == result.bytes > 0
    assert record["attempts"] == 1


async def test_adversarial_log_keys_never_write_outside_the_directory(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    names = [
        "x/../../../escape-system",
        "x/../../escape2-history",
        "/etc/passwd",
        "x/abs/../../..",
        "x\x00nul-system",
        "x\\..\\..\\win-system",
        "x/" + "long" * 100 + "-system",
        "x/.hidden-error",
        "x/trailing.",
        "x/CON",
        "x/%2F-system",
        "x//-system",
        "x/日本-history",
    ]
    fake.state.prompt_logs.add(
        FakePromptLog("x", raw_files=tuple((name, name.encode()) for name in names))
    )
    out = tmp_path / "out"

    summary = await export(client, ["x"], out)

    assert summary.ok
    written = files_under(tmp_path)
    assert all(path.is_relative_to(out / "x") for path in written if path.name != MANIFEST_NAME)
    assert len(written) == len(names) + 1
    logs = [path for path in written if path.name != MANIFEST_NAME]
    assert sorted(str(document(path)["file_name"]) for path in logs) == sorted(names)
    assert all(text_of(path) == document(path)["file_name"] for path in logs)


async def test_names_equal_but_for_case_or_repeated_get_distinct_files(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    files = (("k/Key-system", b"upper"), ("k/key-system", b"lower"), ("k/key-system", b"again"))
    fake.state.prompt_logs.add(FakePromptLog("k", raw_files=files))

    await export(client, ["k"], tmp_path)

    directory = tmp_path / "k"
    assert sorted(text_of(p) for p in directory.iterdir()) == ["again", "lower", "upper"]
    assert sorted(p.name for p in directory.iterdir()) == [
        "k%2FKey.system.json",
        "k%2Fkey~2.system.json",
        "k%2Fkey~3.system.json",
    ]


@pytest.mark.parametrize(
    "name", ["", ".", "..", "/", "a/b", "../x", "\x00", "C:\\x", "~", "%", "con", "nul.txt", "a."]
)
def test_safe_file_name_is_one_plain_name(name: str) -> None:
    safe = safe_file_name(name)

    assert safe and safe not in (".", "..")
    assert not set(safe) & {"/", "\\", "\x00", ":"}
    assert not safe.startswith(".") and not safe.endswith(".")
    assert len(safe.encode()) <= 160
    assert safe.split(".")[0].upper() not in {"CON", "NUL"}


def test_safe_file_name_keeps_plain_names_and_tells_others_apart() -> None:
    names = ["abc-system", "a/b", "a%2Fb", "a_b", "a b", "A/B", "é", "~", "%7E", "x" * 500]
    safe = [safe_file_name(name) for name in names]

    assert safe[0] == "abc-system"
    assert len(set(safe)) == len(names)


async def test_a_file_that_fails_midway_leaves_neither_its_name_nor_a_temporary(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.state.prompt_logs.add(FakePromptLog("w", system=b"first", history=b"second"))
    real_fdopen = os.fdopen

    class FailingSecondWrite:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def __enter__(self) -> FailingSecondWrite:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

        def write(self, data: bytes) -> int:
            self.handle.write(data[:2])  # type: ignore[attr-defined]
            if b"second" in data:
                raise OSError(28, "No space left on device")
            return self.handle.write(data[2:])  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: FailingSecondWrite(real_fdopen(fd, mode)))

    summary = await export(client, ["w"], tmp_path)

    [result] = summary.results
    assert result.status == "failed" and "No space left" in (result.error or "")
    assert [p.name for p in (tmp_path / "w").iterdir()] == ["w.system.json"]
    assert [r["status"] for r in manifest(tmp_path)] == ["failed"]


# -- retries and failures ----------------------------------------------------------


async def test_no_entry_is_kept_alive_while_its_prefix_commits(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An entry is three copies of a file (bytes, text, messages); four prefixes
    # waiting for the writer thread with their last entry held about 1.5 MB more
    # peak RSS for 1 GB (benchmarks/bench_export_memory.py).
    alive: list[int] = []
    commit = _sinks._JsonLinesSink.commit

    def counting_commit(sink: _sinks._JsonLinesSink) -> None:
        gc.collect()
        alive.append(sum(isinstance(o, PromptLogEntry) for o in gc.get_objects()))
        commit(sink)

    monkeypatch.setattr(_sinks._JsonLinesSink, "commit", counting_commit)
    fake.state.prompt_logs.add_generated("k/", 3, file_size=500, messages=2)

    summary = await export(client, ["k/"], tmp_path, format="jsonl")

    assert summary.ok and alive == [0]


async def test_truncated_prefix_is_retried_and_completes(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    fake.inject("get-prompt-logs", Fault.truncate(3000))

    summary = await export(client, [prefix], tmp_path)

    [result] = summary.results
    assert (result.status, result.attempts) == ("completed", 2)
    expected = list(iter_entries([fake.state.prompt_logs.archive(prefix)]))
    assert len(list((tmp_path / result.path).iterdir())) == len(expected)
    assert manifest(tmp_path)[0]["attempts"] == 2


async def test_prefix_still_truncated_after_max_attempts_is_reported_failed(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    fake.inject("get-prompt-logs", Fault.truncate(3000), times=3)

    summary = await export(client, [prefix], tmp_path, max_attempts=3)

    [result] = summary.results
    assert (result.status, result.attempts) == ("failed", 3)
    assert "incomplete" in (result.error or "")
    assert not summary.ok
    assert fake.count("get-prompt-logs") == 3
    assert [(r["status"], r["attempts"]) for r in manifest(tmp_path)] == [("failed", 3)]


async def test_a_prefix_without_logs_is_empty_not_failed_and_not_retried(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    good = fake.state.prompt_logs.demo_prefixes[0]

    summary = await export(client, [good, "no-such-prefix"], tmp_path, concurrency=1)

    assert [r.status for r in summary.results] == ["completed", "empty"]
    assert summary.ok and summary.with_status("empty")[0].error is None
    assert fake.count("get-prompt-logs") == 2
    assert [(r["prefix"], r["status"]) for r in manifest(tmp_path)] == [
        (good, "completed"),
        ("no-such-prefix", "empty"),
    ]
    assert names_in(tmp_path) == sorted([MANIFEST_NAME, safe_file_name(good)])


async def test_prefix_over_the_documented_cap_is_reported_with_advice(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    fake.state.prompt_logs.add_generated("huge/", 1001, file_size=10)

    summary = await export(client, ["huge/"], tmp_path)

    assert "1000" in (summary.results[0].error or "")


@pytest.mark.parametrize(
    ("prefixes", "error"), [("abc", TypeError), ([], ValueError), (["ok", ""], ValueError)]
)
async def test_bad_prefixes_are_refused_before_any_request(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path, prefixes: object, error: type
) -> None:
    with pytest.raises(error):
        await export_prompt_logs(client, prefixes, tmp_path)  # type: ignore[arg-type]

    assert fake.requests == []


# -- concurrency and pacing ------------------------------------------------------------


class RecordingProgress(TerminalProgress):
    def __init__(self) -> None:
        super().__init__(interactive=False, stream=open(os.devnull, "w"))  # noqa: SIM115
        self.most_active = 0

    def started(self, item: Hashable) -> None:
        super().started(item)
        self.most_active = max(self.most_active, len(self.active))


async def test_prefixes_run_concurrently_inside_the_rate_limit(tmp_path: Path) -> None:
    limit = {"get-prompt-logs": RateLimit(2, per_seconds=0.5)}
    async with FakeAmigoServer(rate_limits=limit, chunk_size=2048) as fake:
        fake.inject("get-prompt-logs", Fault.slow(0.01), times=2)
        prefixes = fake.state.prompt_logs.demo_prefixes
        progress = RecordingProgress()
        async with fake.client(rate_limits=limit) as client:
            summary = await export(client, prefixes, tmp_path, observer=progress, concurrency=4)
            throttled = client.stats.throttled_seconds

    assert summary.ok and len(summary.results) == 5
    assert progress.most_active >= 2
    assert fake.rate_limited["get-prompt-logs"] == 0
    assert fake.max_in_window("get-prompt-logs") <= 2
    assert throttled > 0


# -- resuming and cancelling ---------------------------------------------------------


async def test_resume_skips_prefixes_in_the_manifest(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    first, second, third = fake.state.prompt_logs.demo_prefixes[:3]
    await export(client, [first, second], tmp_path)

    summary = await export(client, [first, second, third], tmp_path, resume=True)

    assert [r.status for r in summary.results] == ["skipped", "skipped", "completed"]
    assert summary.results[0].entries > 0 and summary.ok
    assert fake.count("get-prompt-logs") == 3


async def test_without_resume_every_prefix_is_exported_again_into_a_fresh_manifest(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix, other = fake.state.prompt_logs.demo_prefixes[:2]
    await export(client, [prefix, other], tmp_path)

    summary = await export(client, [prefix], tmp_path)

    assert summary.results[0].status == "completed"
    assert fake.count("get-prompt-logs") == 3
    assert [r["prefix"] for r in manifest(tmp_path)] == [prefix]


async def test_rerun_replaces_leftovers_of_an_interrupted_run(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    directory = tmp_path / safe_file_name(prefix)
    (directory / ".staging").mkdir(parents=True)
    (directory / ".staging" / "staged.system.json").write_bytes(b"{}")
    (directory / ".half-written.1234.part").write_bytes(b"partial")
    (directory / "gone-since.system.json").write_bytes(b"a log that no longer exists")

    summary = await export(client, [prefix], tmp_path)

    names = {p.name for p in directory.iterdir()}
    assert len(names) == summary.results[0].entries
    assert not any(name.endswith(".part") for name in names)
    assert "gone-since.system.json" not in names and ".staging" not in names


async def test_cancelling_mid_export_leaves_a_consistent_resumable_directory(
    tmp_path: Path,
) -> None:
    slow = FakeAmigoServer(rate_limits=UNLIMITED, chunk_size=1024)
    prefixes = slow.state.prompt_logs.demo_prefixes
    slow.inject("get-prompt-logs", Fault.slow(0.005), times=len(prefixes))
    async with slow, slow.client(rate_limits=UNLIMITED) as client:
        task = asyncio.create_task(export(client, prefixes, tmp_path, concurrency=2))
        while not (tmp_path / MANIFEST_NAME).exists():  # noqa: ASYNC110 (polling the disk)
            await asyncio.sleep(0.01)
        while not manifest(tmp_path):  # noqa: ASYNC110 (polling the disk)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        done = manifest(tmp_path)
        assert 0 < len(done) < len(prefixes)
        for record in done:
            assert len(list((tmp_path / str(record["path"])).iterdir())) == record["entries"]
        assert not [p for p in files_under(tmp_path) if p.name.endswith(".part")]
        assert not [p for p in files_under(tmp_path) if ".staging" in p.parts]
        unfinished = (
            {p.parent for p in files_under(tmp_path)}
            - {tmp_path / str(record["path"]) for record in done}
            - {tmp_path}
        )
        assert unfinished  # a prefix was cut off midway: some of its files, no manifest line

        summary = await export(client, prefixes, tmp_path, resume=True)

    assert summary.ok
    assert [r.status for r in summary.results].count("skipped") == len(done)
    for result in summary.results:
        expected = list(iter_entries([slow.state.prompt_logs.archive(result.prefix)]))
        assert len(list((tmp_path / result.path).iterdir())) == len(expected)


async def test_an_unreadable_manifest_line_is_ignored(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    (tmp_path / MANIFEST_NAME).write_text('{"prefix": "cut off mid-wri')

    summary = await export(client, [prefix], tmp_path, resume=True)
    again = await export(client, [prefix], tmp_path, resume=True)

    assert summary.results[0].status == "completed"
    assert again.results[0].status == "skipped"


async def test_transport_errors_fail_the_prefix_and_keep_going(
    fake: FakeAmigoServer, client: AmigoClient, tmp_path: Path
) -> None:
    first, second = fake.state.prompt_logs.demo_prefixes[:2]
    fake.inject("get-prompt-logs", Fault.status_code(401))

    summary = await export(client, [first, second], tmp_path, concurrency=1)

    assert [r.status for r in summary.results] == ["failed", "completed"]
    assert errors.AuthenticationError.__name__ in (summary.results[0].error or "")


# -- what an export loads ------------------------------------------------------------

_EXPORT_IN_A_FRESH_PROCESS = """
import asyncio, json, sys, tempfile
from amigo_async import AmigoClient, export_prompt_logs

async def main(url, token):
    async with AmigoClient("acme", token=token, base_url=url) as client:
        with tempfile.TemporaryDirectory() as out:
            summary = await export_prompt_logs(client, ["g/"], out, format="jsonl")
    assert summary.ok, summary.results
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("amigo_async."))))

asyncio.run(main(*sys.argv[1:]))
"""


async def test_an_export_imports_no_other_area_s_resource_or_models(
    fake: FakeAmigoServer,
) -> None:
    """Each model module costs memory for the life of the process (issue 20: the
    export's peak RSS); the client makes an area only when it is first used."""
    fake.state.prompt_logs.add_generated("g/", 3, file_size=100, messages=2)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _EXPORT_IN_A_FRESH_PROCESS,
        str(fake.url),
        fake.token,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    loaded = set(json.loads(out))

    assert "amigo_async.resources.admin" in loaded
    unused = {
        f"amigo_async.{package}.{name}"
        for package, names in {
            "resources": ["conversations", "simulations", "services", "users", "roles", "metrics"],
            "models": ["conversation", "simulation", "service", "user", "role", "metric"],
        }.items()
        for name in names
    }
    assert sorted(loaded & unused) == []
