"""The fake server's prompt logs: seeded data, real zips, streamed in fixed-size chunks."""

from __future__ import annotations

import io
import itertools
import random
import zipfile

import aiohttp
import pytest

from amigo_async.testing import FakeAmigoServer
from amigo_async.testing._data.prompt_logs import GeneratedText, PromptLogData


def seeded(seed: int = 0) -> PromptLogData:
    return PromptLogData.seeded(random.Random(seed))


@pytest.mark.parametrize("zip64", [False, True])
def test_archives_are_valid_zips_with_data_descriptors(zip64: bool) -> None:
    data = seeded()
    data.zip64 = zip64
    prefix = data.demo_prefixes[0]

    archive = zipfile.ZipFile(io.BytesIO(data.archive(prefix)))

    assert archive.testzip() is None
    assert all(info.flag_bits & 0x08 for info in archive.infolist())  # written as a stream
    assert archive.namelist() == [n for log in data.matching(prefix) for n, _ in log.members()]


def test_seeded_logs_include_an_error_entry_and_invalid_utf8() -> None:
    data = seeded()
    files = [content for log in data.logs for _, content in log.members()]
    rendered = [c.render() if isinstance(c, GeneratedText) else c for c in files]

    assert any(log.error is not None for log in data.logs)
    assert any(b"\xff" in text for text in rendered)
    assert len(data.demo_prefixes) == 5


def test_same_seed_gives_the_same_archive_bytes() -> None:
    prefix = seeded(3).demo_prefixes[0]

    assert seeded(3).archive(prefix) == seeded(3).archive(prefix)
    assert seeded(4).demo_prefixes[0] != prefix


def test_generated_text_has_exactly_the_requested_size() -> None:
    assert len(GeneratedText("a", 12_345).render()) == 12_345
    assert len(GeneratedText("a", 12_345, messages=7).render()) == 12_345
    assert GeneratedText("a", 500, messages=3).render().count(b"\n---\n") == 2


def test_large_archives_are_written_incrementally() -> None:
    data = PromptLogData()
    data.add_generated("big/", 1000, file_size=1024 * 1024, variants=2)  # 2 GB uncompressed

    first = list(itertools.islice(data.stream("big/"), 30))

    assert first[0].startswith(b"PK\x03\x04")
    assert sum(map(len, first)) < 5 * 1024 * 1024


def test_pinned_bytes_are_served_as_they_are() -> None:
    data = PromptLogData()
    data.pin("odd", b"not a zip")

    assert data.archive("odd") == b"not a zip"


async def test_archive_is_sent_in_chunks_of_the_configured_size() -> None:
    async with FakeAmigoServer(chunk_size=4096) as fake:
        prefix = fake.state.prompt_logs.demo_prefixes[0]
        url = f"{fake.url}/v1/acme/admin/get_prompt_logs/"
        headers = {"Authorization": f"Bearer {fake.token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(url, params={"prompt_log_prefix": prefix}, headers=headers) as response,
        ):
            assert response.headers["Content-Type"] == "application/zip"
            sizes = []
            async for chunk, end_of_http_chunk in response.content.iter_chunks():
                if end_of_http_chunk or not sizes:
                    sizes.append(0)
                sizes[-1] += len(chunk)

    sizes = [size for size in sizes if size]
    assert sum(sizes) == len(fake.state.prompt_logs.archive(prefix))
    assert set(sizes[:-1]) == {4096}
