"""The tool repository: files, directories, commits, branches, and its git interface.

``client.tools.repo``. File and directory paths are percent-encoded by the
client (``/`` kept, ``.``/``..`` segments, ``?``, ``#`` and spaces encoded), so a
path can never change which URL is called.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from .._auth import jwt_expiry
from .._checks import check_aware_datetime, check_non_empty, check_optional_bool, check_str_list
from .._pagination import AsyncPager
from ..models import converter
from ..models.facts import MAX_FILE_PATHS
from ..models.tool_repo import (
    GitCredential,
    RepoBranch,
    RepoBranchList,
    RepoCommit,
    RepoCommitList,
    RepoDirectory,
    RepoFile,
    RepoFileList,
    RepoFilesRequest,
)
from ._base import Resource
from ._streaming import DEFAULT_CHUNK_SIZE, download, stream_body

if TYPE_CHECKING:
    from .._paths import QueryValue

__all__ = ["ToolRepoResource"]


def _check_ref(ref: str | None) -> str | None:
    return None if ref is None else check_non_empty("ref", ref)


def _check_path(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if "\x00" in value:
        raise ValueError(f"{name} must not contain NUL")
    return value


class ToolRepoResource(Resource):
    """``client.tools.repo``: read the organization's tool repository, or reach it with git."""

    # files and directories

    def stream_file(
        self, file_path: str, *, ref: str | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        """get-tool-repo-file-content: a file's raw bytes as they arrive (for large files)."""
        check_non_empty("file_path", _check_path("file_path", file_path))
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ValueError("chunk_size must be a positive int")
        return stream_body(
            self._transport,
            "get-tool-repo-file-content",
            accept="*/*",
            path_params={"file_path": file_path},
            params={"ref": _check_ref(ref)},
            chunk_size=chunk_size,
        )

    async def download_file(
        self, file_path: str, destination: str | os.PathLike[str], *, ref: str | None = None
    ) -> int:
        """get-tool-repo-file-content into `destination` (whole or not at all); bytes written."""
        return await download(self.stream_file(file_path, ref=ref), destination)

    async def get_directory(
        self,
        directory_path: str = "",
        *,
        ref: str | None = None,
        include_last_commit_info: bool | None = None,
    ) -> RepoDirectory:
        """get-tool-repo-directory: the entries of a directory ("" is the repo root).

        `include_last_commit_info` makes the server slow, as documented.
        """
        _check_path("directory_path", directory_path)
        params: dict[str, QueryValue] = {
            "ref": _check_ref(ref),
            "include_last_commit_info": check_optional_bool(
                "include_last_commit_info", include_last_commit_info
            ),
        }
        return await self._transport.request_json(
            "get-tool-repo-directory",
            RepoDirectory,
            path_params={"directory_path": directory_path},
            params=params,
        )

    async def get_files(
        self, file_paths: Iterable[str], *, ref: str | None = None
    ) -> list[RepoFile]:
        """get-tool-repo-files: 1-5 files with metadata and content in one call.

        As documented, this is a GET with a JSON body ``{ref, file_paths}``. A file
        too large to inline comes back with ``content=None``: use `stream_file`.
        """
        paths = check_str_list("file_paths", file_paths, min_items=1, max_items=MAX_FILE_PATHS)
        for index, path in enumerate(paths or ()):
            check_non_empty(f"file_paths[{index}]", _check_path(f"file_paths[{index}]", path))
        request = RepoFilesRequest(file_paths=paths or [], ref=_check_ref(ref))
        body = await self._transport.request_json(
            "get-tool-repo-files", RepoFileList, json_body=converter.unstructure(request)
        )
        return body.files

    # commits and branches

    def list_commits(
        self,
        *,
        ref: str | None = None,
        path: str | None = None,
        committed_on_or_after: datetime | None = None,
        committed_on_or_before: datetime | None = None,
        show_changed_files: bool | None = None,
        show_change_stats: bool | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[RepoCommit]:
        """get-tool-repo-commits: `ref` first, then its ancestors; at most 20 per page.

        The first continuation token is 1 here, as documented; `show_*` make the server slow.
        """
        after = check_aware_datetime("committed_on_or_after", committed_on_or_after)
        before = check_aware_datetime("committed_on_or_before", committed_on_or_before)
        if path is not None:
            check_non_empty("path", _check_path("path", path))
        params: dict[str, QueryValue] = {
            "ref": _check_ref(ref),
            "path": path,
            "committed_on_or_after": after.isoformat() if after else None,
            "committed_on_or_before": before.isoformat() if before else None,
            "show_changed_files": check_optional_bool("show_changed_files", show_changed_files),
            "show_change_stats": check_optional_bool("show_change_stats", show_change_stats),
        }
        return self._transport.paginate(
            "get-tool-repo-commits",
            RepoCommitList,
            RepoCommit,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def get_branch(self, branch_name: str) -> RepoBranch:
        """get-tool-repo-branch: a branch and its latest commit (`name` filled in from the call)."""
        check_non_empty("branch_name", _check_path("branch_name", branch_name))
        branch = await self._transport.request_json(
            "get-tool-repo-branch", RepoBranch, path_params={"branch_name": branch_name}
        )
        return branch if branch.name is not None else attrs.evolve(branch, name=branch_name)

    def list_branches(
        self, *, limit: int | None = None, max_items: int | None = None
    ) -> AsyncPager[RepoBranch]:
        """get-tool-repo-branches: at most 20 per page; the first continuation token is 1."""
        return self._transport.paginate(
            "get-tool-repo-branches",
            RepoBranchList,
            RepoBranch,
            {},
            limit=limit,
            max_items=max_items,
        )

    # the git interface

    def git_remote_url(self) -> str:
        """The URL to give `git clone` / `git remote add` for this organization's tool repo.

        ``{base}/v1/{organization}/tool/git/``: git appends its own paths
        (``info/refs``, ``git-upload-pack``...), which the access-git-interface
        operation forwards, over Git protocol version 2 on HTTPS. The URL holds no
        credential; pair it with `git_credential`.
        """
        return self._transport.url("access-git-interface", {"git_path": ""})

    async def git_credential(self) -> GitCredential:
        """Basic credentials for the git interface: username ``{org}_{user}``, password a JWT.

        Security caveats, read before use:

        * The password is the caller's live Amigo JWT: anyone holding it acts as
          the caller on the whole API until it expires, not only on the repo.
        * Give it to git through a credential helper that answers from memory
          (``helper_output()``), never inside the remote URL: a URL with
          credentials lands in ``.git/config``, shell history, process lists and
          git's error messages.
        * A ``store`` credential helper writes it to disk in plain text; prefer
          ``cache`` with a short timeout, or your own helper.
        * It expires (``expires_at``, read unverified from the token); a
          long-lived clone needs a fresh one from this method. With an API key
          the client signs in or refreshes as needed first.
        * Never log it or print it: the repr of `GitCredential` hides it for that
          reason; do not undo that with ``helper_output()`` in a log line.

        Needs the user id (``user_id=`` on the client, or the API-key sign-in's user).
        """
        username, token = await self._transport.basic_credential()
        return GitCredential(
            url=self.git_remote_url(),
            username=username,
            password=token,
            expires_at=jwt_expiry(token),
        )
