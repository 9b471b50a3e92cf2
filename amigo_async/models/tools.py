"""Tool models: tools, versions, invocations, test and invoke results, and the tool repo.

Request and response bodies of the Tool endpoints as plain attrs data. The
discriminated unions (`InvocationStatus` and `InvocationResult` by `succeeded`,
`InvocationSource` and `InvocationMetadata` by `type`) are structured by their
tag (`models._unions`, shared by every model module): one lookup, no trial and
error. A tag value this client does not know becomes the matching ``Unknown...``
variant, which keeps the raw payload, so a newer server never breaks a listing; a
known variant with a bad body is an error (`InvalidResponseError` to the caller).

The tool repo endpoints document only some response fields (a branch's commit
fields and the pagination fields); the repo models follow those names and keep
every other field optional.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeAlias

import attrs
from cattrs.gen import make_dict_unstructure_fn

from ._converter import converter
from ._unions import register_tagged_union

__all__ = [
    "BUMP_TYPES",
    "INVOCATION_MODES",
    "INVOCATION_SOURCE_TYPES",
    "MAX_FILE_PATHS",
    "MAX_INPUTS",
    "MAX_TAGS",
    "MAX_USER_VARIABLES",
    "QUERY_AGAINST_FIELDS",
    "CreateToolRequest",
    "CreatedTool",
    "EngageUserInvocationMetadata",
    "EnvVarDelete",
    "EnvVarInsert",
    "EnvVarUpdate",
    "FailedInvocationResult",
    "FailedInvocationStatus",
    "GitCredential",
    "InvocationMetadata",
    "InvocationResult",
    "InvocationResults",
    "InvocationSource",
    "InvocationStatus",
    "InvokeToolVersionRequest",
    "ModifyToolEnvVarsRequest",
    "ModifyToolRequest",
    "PublishToolVersionRequest",
    "PublishedToolVersion",
    "RegularConversationInvocationSource",
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
    "SimulationConversationInvocationSource",
    "StateTransitionInvocationMetadata",
    "SucceededInvocationResult",
    "SucceededInvocationStatus",
    "Tag",
    "TestToolRequest",
    "Tool",
    "ToolCallStateInvocationMetadata",
    "ToolFilterValues",
    "ToolInput",
    "ToolInvocation",
    "ToolInvocationList",
    "ToolInvocationSearchResult",
    "ToolList",
    "ToolUserInfo",
    "ToolVersion",
    "ToolVersionFilterValues",
    "ToolVersionList",
    "ToolVersionUserInfo",
    "UnknownInvocationMetadata",
    "UnknownInvocationResult",
    "UnknownInvocationSource",
    "UnknownInvocationStatus",
    "Version",
]

# Documented facts of the request bodies, read by the client's checks and the fake server.
BUMP_TYPES = ("major", "minor", "patch")
MAX_INPUTS = 10  # test-tool and invoke-tool-version take 1-10 inputs
MAX_TAGS = 20  # create-tool / modify-tool: at most 20 tags
MAX_USER_VARIABLES = 20  # per kind, per input
MAX_FILE_PATHS = 5  # get-tool-repo-files: 1-5 paths
INVOCATION_MODES = ("regular", "conversation-simulation")
INVOCATION_SOURCE_TYPES = ("regular-conversation", "simulation-conversation")
QUERY_AGAINST_FIELDS = (
    "invocation_status.exception_message",
    "invocation_status.exception_type",
    "invocation_status.exception_stack_trace",
    "invocation_status.output",
)

# -- shared pieces --------------------------------------------------------------


@attrs.frozen
class Version:
    """A published tool version, `major.minor.patch`."""

    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@attrs.frozen
class Tag:
    key: str
    value: str | None = None


@attrs.frozen
class ToolUserInfo:
    """Who created or last updated a tool."""

    org_id: str
    user_id: str


@attrs.frozen
class ToolVersionUserInfo:
    """Who created or last updated a tool version (the documents name the fields so)."""

    user_id: str
    user_org_id: str


# -- tools ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Tool:
    id: str
    org_id: str
    name: str
    description: str
    deprecated: bool
    envvars: list[str]
    secret_envvars: list[str]
    tags: list[Tag]
    creator: ToolUserInfo
    updated_by: ToolUserInfo
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen
class ToolFilterValues:
    tags: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class ToolList:
    """get-tools response; `filter_values` only on the first page."""

    tools: list[Tool]
    has_more: bool
    continuation_token: Any = None
    filter_values: ToolFilterValues | None = None


@attrs.frozen(kw_only=True)
class CreateToolRequest:
    name: str
    description: str
    tags: dict[str, str | None] = attrs.field(factory=dict)


@attrs.frozen
class CreatedTool:
    id: str


@attrs.frozen(kw_only=True)
class ModifyToolRequest:
    """Only fields that are set are sent: the server "only updates if not-null"."""

    description: str | None = None
    tags: dict[str, str | None] | None = None


@attrs.frozen(kw_only=True)
class EnvVarInsert:
    name: str
    value: str = attrs.field(repr=False)
    is_secret: bool = False


@attrs.frozen(kw_only=True)
class EnvVarUpdate:
    name: str
    value: str = attrs.field(repr=False)


@attrs.frozen
class EnvVarDelete:
    name: str


@attrs.frozen(kw_only=True)
class ModifyToolEnvVarsRequest:
    inserts: list[EnvVarInsert] = attrs.field(factory=list)
    updates: list[EnvVarUpdate] = attrs.field(factory=list)
    deletes: list[EnvVarDelete] = attrs.field(factory=list)


# -- versions -------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ToolVersion:
    id: str
    org_id: str
    tool_id: str
    version: Version
    required_envvars: list[str]
    required_secret_envvars: list[str]
    input_schema: dict[str, Any]
    tool_commit_hash: str
    amigo_scaffold_commit_hash: str
    project_directory: str
    lambda_version: int
    creator: ToolVersionUserInfo
    updated_by: ToolVersionUserInfo
    deprecated: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen
class ToolVersionFilterValues:
    creators: list[ToolVersionUserInfo] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class ToolVersionList:
    """get-tool-versions response; `filter_values` only on the first page."""

    tool_versions: list[ToolVersion]
    has_more: bool
    continuation_token: Any = None
    filter_values: ToolVersionFilterValues | None = None


@attrs.frozen(kw_only=True)
class PublishToolVersionRequest:
    project_path: str
    bump_type: str  # one of BUMP_TYPES


@attrs.frozen
class PublishedToolVersion:
    new_version: str


# -- test and invoke ------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ToolInput:
    """One set of inputs for test-tool / invoke-tool-version (1-10 per request)."""

    input_parameters: dict[str, Any] = attrs.field(factory=dict)
    invocation_mode: Literal["regular", "conversation-simulation"] = "regular"
    nonsensitive_user_variables: dict[str, str] = attrs.field(factory=dict)
    sensitive_user_variables: dict[str, str] = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class TestToolRequest:
    __test__ = False  # not a pytest test class

    inputs: list[ToolInput]
    commit_branch: str
    project_path: str
    required_envvars: dict[str, str] = attrs.field(factory=dict)
    required_secret_envvars: dict[str, str] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class InvokeToolVersionRequest:
    inputs: list[ToolInput]


@attrs.frozen(kw_only=True)
class SucceededInvocationResult:
    output: str
    duration_ms: int
    succeeded: Literal[True] = True


@attrs.frozen(kw_only=True)
class FailedInvocationResult:
    exception_message: str
    exception_type: str
    exception_stack_trace: list[str]
    duration_ms: int
    succeeded: Literal[False] = False


@attrs.frozen
class UnknownInvocationResult:
    """A result whose `succeeded` tag this client does not know or cannot read; `raw` keeps it."""

    succeeded: Any
    raw: dict[str, Any] = attrs.field(repr=False)


InvocationResult: TypeAlias = (
    SucceededInvocationResult | FailedInvocationResult | UnknownInvocationResult
)


@attrs.frozen
class InvocationResults:
    """test-tool and invoke-tool-version response: one result per input, in order."""

    invocation_results: list[InvocationResult]


# -- invocations ----------------------------------------------------------------


@attrs.frozen
class SucceededInvocationStatus:
    output: str
    succeeded: Literal[True] = True


@attrs.frozen(kw_only=True)
class FailedInvocationStatus:
    exception_message: str
    exception_type: str
    exception_stack_trace: list[str]
    succeeded: Literal[False] = False


@attrs.frozen
class UnknownInvocationStatus:
    """A status whose `succeeded` tag this client does not know or cannot read; `raw` keeps it."""

    succeeded: Any
    raw: dict[str, Any] = attrs.field(repr=False)


InvocationStatus: TypeAlias = (
    SucceededInvocationStatus | FailedInvocationStatus | UnknownInvocationStatus
)


@attrs.frozen(kw_only=True)
class StateTransitionInvocationMetadata:
    current_state_machine_and_version: tuple[str, int]
    state_name: str
    state_transition_index: int
    tool_call_round_index: int
    type: Literal["state-transition"] = "state-transition"


@attrs.frozen(kw_only=True)
class EngageUserInvocationMetadata:
    current_state_machine_and_version: tuple[str, int]
    tool_call_round_index: int
    type: Literal["engage-user"] = "engage-user"


@attrs.frozen(kw_only=True)
class ToolCallStateInvocationMetadata:
    current_state_machine_and_version: tuple[str, int]
    state_name: str
    type: Literal["tool-call-state"] = "tool-call-state"


@attrs.frozen
class UnknownInvocationMetadata:
    """Metadata whose `type` this client does not know or cannot read; `raw` keeps it."""

    type: Any
    raw: dict[str, Any] = attrs.field(repr=False)


InvocationMetadata: TypeAlias = (
    StateTransitionInvocationMetadata
    | EngageUserInvocationMetadata
    | ToolCallStateInvocationMetadata
    | UnknownInvocationMetadata
)


@attrs.frozen(kw_only=True)
class RegularConversationInvocationSource:
    user_id: str
    conversation_id: str | None
    interaction_id: str | None
    invocation_metadata: InvocationMetadata
    type: Literal["regular-conversation"] = "regular-conversation"


@attrs.frozen(kw_only=True)
class SimulationConversationInvocationSource:
    simulation_unit_test_set_run_id: str | None
    unit_test_id: str | None
    run_index: int | None
    invocation_metadata: InvocationMetadata
    type: Literal["simulation-conversation"] = "simulation-conversation"


@attrs.frozen
class UnknownInvocationSource:
    """A source whose `type` this client does not know or cannot read; `raw` keeps it."""

    type: Any
    raw: dict[str, Any] = attrs.field(repr=False)


InvocationSource: TypeAlias = (
    RegularConversationInvocationSource
    | SimulationConversationInvocationSource
    | UnknownInvocationSource
)


@attrs.frozen(kw_only=True)
class ToolInvocation:
    id: str
    org_id: str
    invocation_status: InvocationStatus
    invocation_source: InvocationSource
    duration_ms: int
    tool_id: str
    tool_version: Version
    inputs: dict[str, Any]
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ToolInvocationList:
    """get-tool-invocations response."""

    tool_invocations: list[ToolInvocation]
    has_more: bool
    continuation_token: Any = None


@attrs.frozen
class ToolInvocationSearchResult:
    """search-tool-invocations response (not paginated)."""

    tool_invocations: list[ToolInvocation]


# -- tool repo ------------------------------------------------------------------


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


# -- conversion hooks -----------------------------------------------------------


def _register_hooks() -> None:
    unions: list[tuple[Any, str, tuple[type[Any], ...], type[Any]]] = [
        (
            InvocationStatus,
            "succeeded",
            (SucceededInvocationStatus, FailedInvocationStatus),
            UnknownInvocationStatus,
        ),
        (
            InvocationResult,
            "succeeded",
            (SucceededInvocationResult, FailedInvocationResult),
            UnknownInvocationResult,
        ),
        (
            InvocationSource,
            "type",
            (RegularConversationInvocationSource, SimulationConversationInvocationSource),
            UnknownInvocationSource,
        ),
        (
            InvocationMetadata,
            "type",
            (
                StateTransitionInvocationMetadata,
                EngageUserInvocationMetadata,
                ToolCallStateInvocationMetadata,
            ),
            UnknownInvocationMetadata,
        ),
    ]
    for union, tag, variants, unknown in unions:
        register_tagged_union(converter, union, tag, variants, unknown)
    # Request bodies: a field left at its default is not sent ("only updates if not-null").
    for request in (ModifyToolRequest, RepoFilesRequest):
        converter.register_unstructure_hook(
            request, make_dict_unstructure_fn(request, converter, _cattrs_omit_if_default=True)
        )


_register_hooks()
