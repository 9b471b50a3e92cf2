"""client.tools.repo over real HTTP: files, directories, commits, branches, the git interface,
and the exact paths the server receives."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from amigo_async import AmigoClient, errors
from amigo_async.models.tool_repo import RepoBranch, RepoCommit, RepoFile
from amigo_async.testing import FakeAmigoServer

# -- files ------------------------------------------------------------------------


async def test_stream_file_yields_the_raw_content(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    chunks = [
        chunk async for chunk in client.tools.repo.stream_file("data/large.bin", chunk_size=16384)
    ]
    assert b"".join(chunks) == fake.state.tools.repo.files["data/large.bin"]
    assert len(chunks) > 1
    assert max(len(c) for c in chunks) <= 16384


async def test_stream_file_at_a_ref(client: AmigoClient, fake: FakeAmigoServer) -> None:
    content = b"".join([c async for c in client.tools.repo.stream_file("README.md", ref="dev")])
    assert content.startswith(b"# Tools")
    assert ("ref", "dev") in fake.requests[-1].query


async def test_download_file_writes_it(
    client: AmigoClient, fake: FakeAmigoServer, tmp_path: Path
) -> None:
    target = tmp_path / "calc.py"
    written = await client.tools.repo.download_file("tools/calculator/calc.py", target)
    assert target.read_bytes() == fake.state.tools.repo.files["tools/calculator/calc.py"]
    assert written == target.stat().st_size


async def test_unknown_file_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        async for _ in client.tools.repo.stream_file("nope.txt"):
            pass


async def test_unknown_ref_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.repo.get_directory("", ref="no-such-branch")


async def test_files_is_a_get_with_a_json_body(client: AmigoClient, fake: FakeAmigoServer) -> None:
    files = await client.tools.repo.get_files(
        ["README.md", "tools/weather/pyproject.toml"], ref="main"
    )
    sent = fake.requests[-1]
    assert sent.method == "GET"
    assert sent.raw_path == "/v1/acme/tool/repo/file"
    assert json.loads(sent.body) == {
        "file_paths": ["README.md", "tools/weather/pyproject.toml"],
        "ref": "main",
    }
    assert files[0] == RepoFile(
        path="README.md", size=40, content="# Tools\n\nEvery tool lives under tools/.\n"
    )


async def test_files_leaves_out_an_unset_ref(client: AmigoClient, fake: FakeAmigoServer) -> None:
    await client.tools.repo.get_files(["README.md"])
    assert json.loads(fake.requests[-1].body) == {"file_paths": ["README.md"]}


async def test_a_large_file_comes_without_content(client: AmigoClient) -> None:
    (large,) = await client.tools.repo.get_files(["data/large.bin"])
    assert large.content is None
    assert large.size is not None and large.size > 64 * 1024


# -- directories ------------------------------------------------------------------


async def test_directory_lists_the_root(client: AmigoClient, fake: FakeAmigoServer) -> None:
    listing = await client.tools.repo.get_directory()
    assert [(e.name, e.type) for e in listing.entries] == [
        ("README.md", "file"),
        ("data", "directory"),
        ("docs", "directory"),
        ("tools", "directory"),
    ]
    assert fake.requests[-1].raw_path == "/v1/acme/tool/repo/directory/"


async def test_directory_lists_a_subdirectory_with_last_commits(client: AmigoClient) -> None:
    listing = await client.tools.repo.get_directory("tools/weather", include_last_commit_info=True)
    assert {e.path for e in listing.entries} == {
        "tools/weather/pyproject.toml",
        "tools/weather/src",
    }
    assert any(isinstance(e.last_commit, RepoCommit) for e in listing.entries)


async def test_unknown_directory_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.repo.get_directory("tools/nothing")


# -- commits and branches ---------------------------------------------------------


async def test_commits_come_newest_first_with_aware_timestamps(client: AmigoClient) -> None:
    commits = await client.tools.repo.list_commits().to_list()
    stamps = [c.commit_timestamp for c in commits]
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
    assert all(s is not None and s.tzinfo is not None for s in stamps)
    assert all(c.changed_files is None for c in commits)


async def test_commits_from_a_ref_start_at_its_tip(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    commits = await client.tools.repo.list_commits(ref="release/1.0").to_list()
    repo = fake.state.tools.repo
    assert commits[0].commit_sha == repo.commits[repo.branches["release/1.0"]]["commit_sha"]
    assert len(commits) == 20


async def test_commits_filters_by_path_time_and_shows_files(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    after = datetime(2024, 1, 1, 12, tzinfo=UTC)
    commits = await client.tools.repo.list_commits(
        path="docs/", committed_on_or_after=after, show_changed_files=True, show_change_stats=True
    ).to_list()
    assert commits
    for commit in commits:
        assert commit.commit_timestamp is not None and commit.commit_timestamp >= after
        assert commit.changed_files is not None
        assert any(f.path.startswith("docs/") for f in commit.changed_files)
        assert all(f.additions is not None for f in commit.changed_files)
    assert ("committed_on_or_after", "2024-01-01T12:00:00+00:00") in fake.requests[-1].query


async def test_branch_gives_its_latest_commit(client: AmigoClient, fake: FakeAmigoServer) -> None:
    branch = await client.tools.repo.get_branch("main")
    assert isinstance(branch, RepoBranch)
    assert branch.name == "main"
    assert branch.commit_sha == fake.state.tools.repo.commits[0]["commit_sha"]
    assert branch.commit_timestamp.tzinfo is not None


async def test_branch_with_a_slash_in_its_name(client: AmigoClient, fake: FakeAmigoServer) -> None:
    branch = await client.tools.repo.get_branch("feature/new-tool")
    assert branch.name == "feature/new-tool"
    assert fake.requests[-1].raw_path == "/v1/acme/tool/repo/branch/feature%2Fnew-tool"


async def test_a_commit_outside_amigo_has_no_committer(client: AmigoClient) -> None:
    commits = await client.tools.repo.list_commits().to_list()
    assert any(c.committer is None for c in commits)
    assert any(c.committer is not None and c.committer.org_id == "acme" for c in commits)


async def test_unknown_branch_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.repo.get_branch("nope")


async def test_branches_lists_every_branch(client: AmigoClient) -> None:
    names = [b.name async for b in client.tools.repo.list_branches(limit=2)]
    assert names == ["dev", "feature/new-tool", "hotfix", "main", "release/1.0"]


# -- paths are percent-encoded: the server receives exactly the intended path -------

ENCODED_PATHS = [
    ("docs/what?.md", "/v1/acme/tool/repo/file/docs/what%3F.md"),
    ("docs/#1 hash.md", "/v1/acme/tool/repo/file/docs/%231%20hash.md"),
    ("docs/notes with spaces.md", "/v1/acme/tool/repo/file/docs/notes%20with%20spaces.md"),
    ("docs/50%.md", "/v1/acme/tool/repo/file/docs/50%25.md"),
]


@pytest.mark.parametrize(("file_path", "raw_path"), ENCODED_PATHS)
async def test_file_paths_are_percent_encoded(
    client: AmigoClient, fake: FakeAmigoServer, file_path: str, raw_path: str
) -> None:
    content = b"".join([c async for c in client.tools.repo.stream_file(file_path)])
    assert content == fake.state.tools.repo.files[file_path]
    assert fake.requests[-1].raw_path == raw_path
    assert fake.requests[-1].query == ()


async def test_dot_dot_segments_cannot_climb_out_of_the_repo(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match=r"file_path segment 0 must not be '\.\.'"):
        async for _ in client.tools.repo.stream_file("../../admin/get_models/"):
            pass
    assert len(fake.requests) == before  # refused before anything was sent


async def test_a_question_mark_in_a_directory_path_is_not_a_query(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.tools.repo.get_directory("docs?ref=evil")
    assert fake.requests[-1].raw_path == "/v1/acme/tool/repo/directory/docs%3Fref%3Devil"
    assert fake.requests[-1].query == ()


async def test_version_constraints_are_percent_encoded(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool_id = fake.state.tools.tools[0]["id"]
    await client.tools.deprecate_versions(tool_id, ">=1.0,<2")
    assert fake.requests[-1].raw_path == f"/v1/acme/tool/{tool_id}/version/%3E%3D1.0%2C%3C2"
    versions = [v.deprecated async for v in client.tools.list_versions(tool_id)]
    assert all(versions)


async def test_an_invoke_version_with_a_slash_stays_one_segment(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    tool_id = fake.state.tools.tools[0]["id"]
    with pytest.raises(errors.UnprocessableEntityError):
        await client.tools.invoke_version(tool_id, "1.0/../../x", [{}])
    assert fake.requests[-1].raw_path == f"/v1/acme/tool/{tool_id}/version/1.0%2F..%2F..%2Fx/invoke"


# -- the git interface --------------------------------------------------------------


async def test_git_remote_url_is_the_documented_tool_git_path(
    client: AmigoClient, fake: FakeAmigoServer
) -> None:
    assert client.tools.repo.git_remote_url() == f"{fake.url}/v1/acme/tool/git/"


async def test_git_credential_is_org_user_and_the_jwt(fake: FakeAmigoServer) -> None:
    async with fake.client(user_id=fake.user_id) as client:
        credential = await client.tools.repo.git_credential()
    assert credential.username == f"acme_{fake.user_id}"
    assert credential.password == fake.token
    assert credential.expires_at is not None and credential.expires_at > datetime.now(UTC)
    assert fake.token not in repr(credential)


async def test_git_credential_needs_a_user_id(client: AmigoClient) -> None:
    with pytest.raises(ValueError, match="user_id is needed"):
        await client.tools.repo.git_credential()


async def test_git_credential_with_an_api_key_signs_in_first(fake: FakeAmigoServer) -> None:
    async with fake.client(
        api_key=fake.api_key, api_key_id=fake.api_key_id, user_id=fake.user_id
    ) as client:
        credential = await client.tools.repo.git_credential()
    assert fake.sign_ins == 1
    assert credential.password != fake.token
    assert credential.username == f"acme_{fake.user_id}"


async def test_a_git_client_reaches_the_repo_with_the_url_and_credential(
    fake: FakeAmigoServer,
) -> None:
    async with fake.client(user_id=fake.user_id) as client:
        url = client.tools.repo.git_remote_url()
        credential = await client.tools.repo.git_credential()
    # What `git clone <url>` asks first, with the Basic credential a helper hands it.
    basic = base64.b64encode(f"{credential.username}:{credential.password}".encode()).decode()
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            url + "info/refs",
            params={"service": "git-upload-pack"},
            headers={"Authorization": f"Basic {basic}"},
        ) as response,
    ):
        body = await response.read()
    assert response.status == 200
    assert response.content_type == "application/x-git-upload-pack-advertisement"
    assert body.startswith(b"001e# service=git-upload-pack\n0000")
    sent = fake.requests[-1]
    assert sent.operation_id == "access-git-interface"
    assert sent.user_id == fake.user_id


async def test_git_interface_refuses_a_wrong_username(fake: FakeAmigoServer) -> None:
    basic = base64.b64encode(f"acme_someone_else:{fake.token}".encode()).decode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.url}/v1/acme/tool/git/git-upload-pack",
            headers={"Authorization": f"Basic {basic}"},
        ) as response,
    ):
        assert response.status == 401
