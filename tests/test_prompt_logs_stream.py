"""client.admin.stream_prompt_logs and download_prompt_logs over real HTTP (the fake server)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator

import pytest
from aioresponses import aioresponses
from test_prompt_logs_parser import whole_at
from zip_writers import zipfile_65535

from amigo_async import AmigoClient, RetryPolicy, errors, prompt_logs
from amigo_async.prompt_logs import PromptLogEntry, iter_entries
from amigo_async.testing import FakeAmigoServer, Fault
from amigo_async.testing._data.prompt_logs import FakePromptLog, PromptLogData

UNLIMITED = {"get-prompt-logs": None}
FAST = RetryPolicy(max_attempts=1, max_rate_limited=1, backoff_base=0.01, backoff_max=0.02)


@pytest.fixture
async def unlimited() -> AsyncIterator[FakeAmigoServer]:
    """A fake that does not count get-prompt-logs, for tests sending many requests."""
    async with FakeAmigoServer(rate_limits=UNLIMITED) as server:
        yield server


async def entries_until_error(
    client: AmigoClient, prefix: str
) -> tuple[list[PromptLogEntry], BaseException | None]:
    delivered: list[PromptLogEntry] = []
    try:
        async for entry in client.admin.stream_prompt_logs(prefix):
            delivered.append(entry)
    except Exception as error:
        return delivered, error
    return delivered, None


def workers_alive() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name.startswith("amigo-prompt-logs"))


def _join_workers() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("amigo-prompt-logs"):
            thread.join(3.0)


async def no_workers_left() -> bool:
    await asyncio.to_thread(_join_workers)
    return workers_alive() == 0


# -- entries ---------------------------------------------------------------------


async def test_stream_yields_every_file_of_the_matching_logs(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[1]
    expected = [
        name for log in fake.state.prompt_logs.matching(prefix) for name, _ in log.members()
    ]

    entries = [entry async for entry in client.admin.stream_prompt_logs(prefix)]

    assert [entry.file_name for entry in entries] == expected
    assert {entry.kind for entry in entries} == {"system", "history", "error"}
    assert all(entry.log_key.startswith(prefix) for entry in entries)


async def test_stream_sends_the_prefix_as_the_documented_query_parameter(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    async for _ in client.admin.stream_prompt_logs(prefix):
        pass

    [request] = fake.requests
    assert request.operation_id == "get-prompt-logs"
    assert request.raw_path == "/v1/acme/admin/get_prompt_logs/"
    assert request.query == (("prompt_log_prefix", prefix),)


async def test_error_entry_is_yielded_as_data(fake: FakeAmigoServer, client: AmigoClient) -> None:
    fake.state.prompt_logs.add(FakePromptLog("job/1", error=b"no permission"))

    [entry] = [entry async for entry in client.admin.stream_prompt_logs("job/")]

    assert (entry.kind, entry.log_key, entry.text) == ("error", "job/1", "no permission")


async def test_zip64_archive_is_streamed_completely(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    fake.state.prompt_logs.zip64 = True
    prefix = fake.state.prompt_logs.demo_prefixes[0]

    entries = [entry async for entry in client.admin.stream_prompt_logs(prefix)]

    assert entries == list(iter_entries([fake.state.prompt_logs.archive(prefix)]))


async def test_first_entry_arrives_long_before_the_last_byte() -> None:
    async with FakeAmigoServer(chunk_size=1024) as fake:
        fake.state.prompt_logs.add_generated("slow/", 10, file_size=2000)
        chunks = -(-len(fake.state.prompt_logs.archive("slow/")) // 1024)
        fake.inject("get-prompt-logs", Fault.slow(0.02))
        async with fake.client() as client:
            started = time.monotonic()
            arrivals = [
                time.monotonic() - started async for _ in client.admin.stream_prompt_logs("slow/")
            ]

    assert chunks >= 10
    assert len(arrivals) == 20
    assert arrivals[0] < arrivals[-1] / 3


# -- bad input and documented statuses ------------------------------------------------


@pytest.mark.parametrize(("prefix", "error"), [("", ValueError), (None, ValueError), (3, TypeError)])
async def test_prefix_is_checked_before_any_request(
    fake: FakeAmigoServer, client: AmigoClient, prefix: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.admin.stream_prompt_logs(prefix)  # type: ignore[arg-type]
    with pytest.raises(error):
        client.admin.download_prompt_logs(prefix)  # type: ignore[arg-type]

    assert fake.requests == []


async def test_prefix_matching_no_log_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        async for _ in client.admin.stream_prompt_logs("nothing-matches"):
            pass

    assert (caught.value.status, caught.value.operation_id) == (404, "get-prompt-logs")


async def test_a_blank_prefix_matches_no_logs(client: AmigoClient) -> None:
    """The snapshot types the prefix as any string: a blank one is valid and matches nothing."""
    with pytest.raises(errors.NotFoundError):
        async for _ in client.admin.stream_prompt_logs("   "):
            pass


async def test_prefix_matching_more_than_1000_logs_is_unprocessable(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    fake.state.prompt_logs.add_generated("many/", 1001, file_size=10)

    with pytest.raises(errors.UnprocessableEntityError) as caught:
        async for _ in client.admin.stream_prompt_logs("many/"):
            pass

    assert "1000" in str(caught.value)


async def test_prefix_matching_exactly_1000_logs_is_served(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    fake.state.prompt_logs.add_generated("many/", 1000, file_size=10)

    count = sum([1 async for _ in client.admin.stream_prompt_logs("many/")])

    assert count == 2000


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, errors.RateLimitError), (503, errors.ServiceUnavailableError)],
)
async def test_documented_error_statuses_raise_their_errors(
    fake: FakeAmigoServer, status: int, error: type[errors.AmigoError]
) -> None:
    fake.inject("get-prompt-logs", Fault.status_code(status, retry_after=0.01))
    prefix = fake.state.prompt_logs.demo_prefixes[0]

    async with fake.client(retry=FAST) as client:
        with pytest.raises(error):
            async for _ in client.admin.stream_prompt_logs(prefix):
                pass


async def test_a_503_before_the_body_is_retried_by_the_client(fake: FakeAmigoServer) -> None:
    fake.inject("get-prompt-logs", Fault.status_code(503, retry_after=0.01))
    prefix = fake.state.prompt_logs.demo_prefixes[0]

    async with fake.client(retry=RetryPolicy(backoff_base=0.01, backoff_max=0.02)) as client:
        entries = [entry async for entry in client.admin.stream_prompt_logs(prefix)]

    assert entries and [r.status for r in fake.requests] == [503, 200]


# -- truncation over HTTP ----------------------------------------------------------


def sample_offsets(archive: bytes, count: int, seed: int) -> list[int]:
    """Offsets around each member boundary, inside the central directory, and at random."""
    rng = random.Random(seed)
    offsets = {0, 1, len(archive) - 1, len(archive) - 22}
    for boundary in whole_at(archive):
        offsets.update({boundary - 1, boundary})
    offsets.update(rng.randrange(len(archive)) for _ in range(count))
    return sorted(o for o in offsets if 0 <= o < len(archive))


async def test_clean_end_at_sampled_offsets_raises_after_every_whole_entry(
    unlimited: FakeAmigoServer,
) -> None:
    prefix = unlimited.state.prompt_logs.demo_prefixes[1]
    archive = unlimited.state.prompt_logs.archive(prefix)
    full = list(iter_entries([archive]))
    thresholds = whole_at(archive)
    async with unlimited.client(rate_limits=UNLIMITED) as client:
        for cut in sample_offsets(archive, 12, seed=1):
            unlimited.inject("get-prompt-logs", Fault.truncate(cut))

            delivered, error = await entries_until_error(client, prefix)

            expected = sum(1 for offset in thresholds if offset <= cut)
            assert isinstance(error, errors.TruncatedStreamError), cut
            assert delivered == full[:expected], cut
            assert (error.entries_delivered, error.bytes_received) == (expected, cut)
            assert (error.operation_id, error.status) == ("get-prompt-logs", 200)
            assert error.path == "/v1/acme/admin/get_prompt_logs/"


async def test_connection_reset_mid_body_raises_after_every_whole_entry(
    unlimited: FakeAmigoServer,
) -> None:
    prefix = unlimited.state.prompt_logs.demo_prefixes[1]
    archive = unlimited.state.prompt_logs.archive(prefix)
    full = list(iter_entries([archive]))
    thresholds = whole_at(archive)
    async with unlimited.client(rate_limits=UNLIMITED) as client:
        for cut in sample_offsets(archive, 6, seed=2):
            unlimited.inject("get-prompt-logs", Fault.reset(cut))

            delivered, error = await entries_until_error(client, prefix)

            assert isinstance(error, errors.TruncatedStreamError), cut
            received = error.bytes_received
            assert received <= cut
            assert delivered == full[: sum(1 for o in thresholds if o <= received)], cut
            assert error.entries_delivered == len(delivered)


async def test_reset_after_the_last_byte_is_still_reported(unlimited: FakeAmigoServer) -> None:
    """Every entry arrived and the zip checks out, but the HTTP body did not end properly."""
    prefix = unlimited.state.prompt_logs.demo_prefixes[0]
    archive = unlimited.state.prompt_logs.archive(prefix)
    unlimited.inject("get-prompt-logs", Fault.reset(len(archive)))
    async with unlimited.client(rate_limits=UNLIMITED) as client:
        delivered, error = await entries_until_error(client, prefix)

    assert isinstance(error, errors.TruncatedStreamError)
    assert len(delivered) == len(list(iter_entries([archive])))


async def test_truncation_is_never_retried_silently(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    fake.inject("get-prompt-logs", Fault.truncate(100))

    _, error = await entries_until_error(client, prefix)

    assert isinstance(error, errors.TruncatedStreamError)
    assert fake.count("get-prompt-logs") == 1


async def test_file_over_max_entry_size_stops_the_stream(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    fake.state.prompt_logs.add(FakePromptLog("bomb/1", system=b"\0" * 4_000_000))

    with pytest.raises(errors.InvalidResponseError, match="max_entry_size"):
        async for _ in client.admin.stream_prompt_logs("bomb/", max_entry_size=1_000_000):
            pass


# -- lifetimes ---------------------------------------------------------------------


async def test_breaking_out_early_stops_the_worker_and_keeps_the_client_usable(
    unlimited: FakeAmigoServer,
) -> None:
    prefix = unlimited.state.prompt_logs.demo_prefixes[0]
    async with unlimited.client(rate_limits=UNLIMITED) as client:
        async with contextlib.aclosing(client.admin.stream_prompt_logs(prefix)) as entries:
            async for _ in entries:
                break

        assert await no_workers_left()
        assert [entry async for entry in client.admin.stream_prompt_logs(prefix)]


async def test_cancelling_the_consumer_stops_the_worker() -> None:
    async with FakeAmigoServer(chunk_size=512) as fake:
        fake.inject("get-prompt-logs", Fault.slow(0.05))
        prefix = fake.state.prompt_logs.demo_prefixes[0]
        first = asyncio.Event()

        async def consume(client: AmigoClient) -> None:
            async for _ in client.admin.stream_prompt_logs(prefix):
                first.set()

        async with fake.client() as client:
            task = asyncio.create_task(consume(client))
            await asyncio.wait_for(first.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

            assert await no_workers_left()


async def test_a_slow_consumer_pauses_the_download_instead_of_buffering_it() -> None:
    data = PromptLogData()
    data.add_generated("big/", 200, file_size=50_000, variants=3)
    archive = data.archive("big/")
    pulled = 0

    async def source() -> AsyncIterator[bytes]:
        nonlocal pulled
        for start in range(0, len(archive), 65536):
            pulled += 65536
            yield archive[start : start + 65536]

    entries = prompt_logs.stream_entries(source())
    async with contextlib.aclosing(entries):
        await anext(entries)
        await asyncio.sleep(0.2)  # the consumer stalls; the worker and the source must too
        paused_at = pulled
        rest = [entry async for entry in entries]

    assert paused_at < len(archive) / 4
    assert len(rest) == 399


# -- the raw download -------------------------------------------------------------


async def test_download_yields_the_archive_bytes(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]

    data = b"".join([chunk async for chunk in client.admin.download_prompt_logs(prefix)])

    assert data == fake.state.prompt_logs.archive(prefix)


async def test_download_cut_by_a_reset_raises_with_the_bytes_received(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    prefix = fake.state.prompt_logs.demo_prefixes[0]
    fake.inject("get-prompt-logs", Fault.reset(5000))
    received = 0

    with pytest.raises(errors.TruncatedStreamError) as caught:
        async for chunk in client.admin.download_prompt_logs(prefix):
            received += len(chunk)

    assert caught.value.bytes_received == received <= 5000
    assert caught.value.operation_id == "get-prompt-logs"


async def test_body_shorter_than_its_content_length_is_truncation() -> None:
    url = "https://api.amigo.ai/v1/acme/admin/get_prompt_logs/?prompt_log_prefix=p"
    async with AmigoClient("acme", token="t", rate_limits=UNLIMITED) as client:
        with aioresponses() as mocked:
            mocked.get(url, body=b"PK\x03\x04", headers={"Content-Length": "100"})
            with pytest.raises(errors.TruncatedStreamError) as caught:
                async for _ in client.admin.download_prompt_logs("p"):
                    pass

    assert caught.value.bytes_received == 4


# -- memory ------------------------------------------------------------------------

_MEMORY_PROBE = textwrap.dedent(
    """
    import asyncio
    from amigo_async.testing import FakeAmigoServer

    def peak_kib():
        # VmHWM belongs to this program's own memory map; ru_maxrss can keep the
        # high-water mark of the forked parent (a big pytest process) across exec.
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

    async def main():
        async with FakeAmigoServer() as fake:
            fake.state.prompt_logs.add_generated("big/", 500, file_size=256 * 1024, variants=4)
            async with fake.client() as client:
                total = 0
                async for entry in client.admin.stream_prompt_logs("big/"):
                    total += entry.size
        print(total, peak_kib())

    asyncio.run(main())
    """
)


def test_streaming_256_mb_keeps_peak_memory_far_below_the_archive() -> None:
    """The full 1 GB measurement is `benchmarks/bench_prompt_logs_memory.py`."""
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    total, peak_kib = map(int, result.stdout.split())

    assert total == 500 * 2 * 256 * 1024
    assert peak_kib < 150 * 1024


# -- where the steps run ------------------------------------------------------------


async def test_a_fast_source_is_parsed_on_the_event_loop_without_a_thread() -> None:
    data = PromptLogData()
    data.add_generated("fast/", 300, file_size=20_000)
    archive = data.archive("fast/")
    assert len(archive) > 2 * 1024 * 1024

    async def source() -> AsyncIterator[bytes]:
        for start in range(0, len(archive), 65536):
            yield archive[start : start + 65536]

    before = workers_alive()
    entries = [entry async for entry in prompt_logs.stream_entries(source())]
    assert len(entries) == 600
    assert workers_alive() == before  # no worker was ever started


async def test_an_archive_of_65535_files_from_zipfile_streams_like_the_sync_parser() -> None:
    """Outside the documented 1,000 logs, but the two paths accept the same archives."""
    archive = zipfile_65535()

    async def source() -> AsyncIterator[bytes]:
        for start in range(0, len(archive), 65536):
            yield archive[start : start + 65536]
            await asyncio.sleep(0)

    count = await asyncio.wait_for(consume_all(prompt_logs.stream_entries(source())), 30)

    assert count == 65535


async def consume_all(entries: AsyncIterator[PromptLogEntry]) -> int:
    return sum([1 async for _ in entries])
