"""Tool repo models: branches, commits, directories, files, and the git credential.

Hand-written: the snapshot does not describe the tool repo endpoints. The documents
name only some response fields (a branch's commit fields and the pagination fields);
these models follow those names and keep every other field optional.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from ._converter import register_request_bodies

__all__ = [
    "GitCredential",
    "RepoBranch",
    "RepoBranchList",
    "RepoChangedFile",
    "RepoCommit",
    "RepoCommitList",
    "RepoDirectory",
    "RepoDirectoryEntry",
    "RepoFile",
    "RepoFileList",
    "RepoFilesRequest",
    "RepoUser",
]


@attrs.frozen(kw_only=True)
class RepoUser:
    """A committer inside the Amigo tool system (fields lenient: not spelled out in the docs)."""

    org_id: str | None = None
    user_id: str | None = None


@attrs.frozen(kw_only=True)
class RepoChangedFile:
    path: str
    change_type: str | None = None
    additions: int | None = None
    deletions: int | None = None


@attrs.frozen(kw_only=True)
class RepoCommit:
    commit_sha: str
    commit_message: str = ""
    commit_timestamp: datetime | None = None
    committer: RepoUser | None = None
    changed_files: list[RepoChangedFile] | None = None


@attrs.frozen(kw_only=True)
class RepoCommitList:
    """get-tool-repo-commits response: note the documented `next_continuation_token`."""

    commits: list[RepoCommit]
    has_more: bool
    next_continuation_token: int | None = None


@attrs.frozen(kw_only=True)
class RepoBranch:
    """A branch and its latest commit. `committer` is None outside the Amigo tool system."""

    commit_sha: str
    commit_message: str
    commit_timestamp: datetime
    committer: RepoUser | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class RepoBranchList:
    branches: list[RepoBranch]
    has_more: bool
    continuation_token: int | None = None


@attrs.frozen(kw_only=True)
class RepoDirectoryEntry:
    name: str
    path: str
    type: str  # "file" or "directory"
    size: int | None = None
    last_commit: RepoCommit | None = None


@attrs.frozen(kw_only=True)
class RepoDirectory:
    entries: list[RepoDirectoryEntry]


@attrs.frozen(kw_only=True)
class RepoFile:
    """A file's metadata; `content` is None for files too large to inline (stream those)."""

    path: str
    size: int | None = None
    content: str | None = None


@attrs.frozen(kw_only=True)
class RepoFileList:
    files: list[RepoFile]


@attrs.frozen(kw_only=True)
class RepoFilesRequest:
    """The JSON body of get-tool-repo-files (a GET with a body, as documented)."""

    file_paths: list[str]
    ref: str | None = None


@attrs.frozen(kw_only=True)
class GitCredential:
    """Basic credentials for the tool repo's git interface: ``{org}_{user}`` and a JWT.

    The password is the caller's Amigo JWT; it is left out of the repr. See
    `ToolRepoResource.git_credential` for the security caveats.
    """

    url: str
    username: str
    password: str = attrs.field(repr=False)
    expires_at: datetime | None = None

    def helper_output(self) -> str:
        """The answer of a git credential helper's ``get`` action (protocol lines)."""
        return f"username={self.username}\npassword={self.password}\n"


register_request_bodies((RepoFilesRequest,))  # `ref` left at None is not sent
