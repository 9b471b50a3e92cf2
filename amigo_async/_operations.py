"""Every operation the client knows, written once: method, path and documented limit.

Facts come from the Admin, Tool and Organization documents and the OpenAPI
snapshot (operationId, method, path, the limit in each 429 text). The tool repo
endpoints have no operationId in the snapshot; they are named here in the same
style. Everything else (limiters, resources, the fake server, tests) reads this
table instead of repeating a path or a number.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from ._limits import RateLimit

__all__ = ["DOCUMENTED_RATE_LIMITS", "OPERATIONS", "Operation", "TimeoutKind"]


class TimeoutKind(enum.Enum):
    """Which of the client's timeouts an operation gets."""

    DEFAULT = "default"
    LONG = "long"  # publish takes 1-5 minutes per the docs; building a tool for a test too
    STREAM = "stream"  # long bodies: bounded by silence on the socket, not by total time


@attrs.frozen
class Operation:
    id: str
    method: str
    path: str  # relative to /v1/{organization}; {name} placeholders
    limit: RateLimit | None  # documented; None when the documents give none
    area: str
    timeout: TimeoutKind = TimeoutKind.DEFAULT
    authenticated: bool = True

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: only reads are retried after they may have arrived."""
        return self.method in ("GET", "HEAD")

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))


def _op(
    id: str,
    method: str,
    path: str,
    per_minute: int | None,
    area: str,
    timeout: TimeoutKind = TimeoutKind.DEFAULT,
    authenticated: bool = True,
) -> Operation:
    limit = None if per_minute is None else RateLimit(per_minute, per_seconds=60.0)
    return Operation(id, method, path, limit, area, timeout, authenticated)


_LONG = TimeoutKind.LONG
_STREAM = TimeoutKind.STREAM

_TABLE = (
    # Admin
    _op("get-models", "GET", "/admin/get_models/", 20, "admin"),
    _op("submit-sql-query", "POST", "/admin/sql_query", 6, "admin", _LONG),
    _op("get-prompt-logs", "GET", "/admin/get_prompt_logs/", 20, "admin", _STREAM),
    # Tool
    _op("get-tools", "GET", "/tool/", 50, "tool"),
    _op("create-tool", "POST", "/tool/", 20, "tool"),
    _op("modify-tool", "POST", "/tool/{tool_id}", 20, "tool"),
    _op("deprecate-tool", "DELETE", "/tool/{tool_id}", 20, "tool"),
    _op("deprecate-tool-version", "DELETE", "/tool/{tool_id}/version/{versions}", 20, "tool"),
    _op("modify-tool-envvars", "POST", "/tool/{tool_id}/envvar", 20, "tool"),
    _op("get-tool-versions", "GET", "/tool/{tool_id}/version", 50, "tool"),
    _op("publish-tool-version", "POST", "/tool/{tool_id}/version", 10, "tool", _LONG),
    _op("test-tool", "POST", "/tool/test", 1, "tool", _LONG),
    _op(
        "invoke-tool-version", "POST", "/tool/{tool_id}/version/{version}/invoke", 10, "tool", _LONG
    ),
    _op("get-tool-invocations", "GET", "/tool/invocation", 50, "tool"),
    _op("search-tool-invocations", "GET", "/tool/invocation/search", 50, "tool"),
    _op(
        "get-tool-scaffold-release", "GET", "/tool/amigo_tool_scaffold.tar.gz", 50, "tool", _STREAM
    ),
    _op("access-git-interface", "GET", "/tool/git/{git_path}", None, "tool", _STREAM),
    _op("get-tool-repo-file-content", "GET", "/tool/repo/file/{file_path}", None, "tool", _STREAM),
    _op("get-tool-repo-directory", "GET", "/tool/repo/directory/{directory_path}", None, "tool"),
    _op("get-tool-repo-files", "GET", "/tool/repo/file", None, "tool"),
    _op("get-tool-repo-commits", "GET", "/tool/repo/commit", None, "tool"),
    _op("get-tool-repo-branch", "GET", "/tool/repo/branch/{branch_name}", None, "tool"),
    _op("get-tool-repo-branches", "GET", "/tool/repo/branch", None, "tool"),
    # Organization
    _op("get-organization", "GET", "/organization/", None, "organization"),
    _op("create-organization", "PUT", "/organization/", 5, "organization"),
    _op("modify-organization", "POST", "/organization/", 10, "organization"),
    _op("delete-organization", "DELETE", "/organization/", 5, "organization"),
    _op("get-agents", "GET", "/organization/agent", 20, "organization"),
    _op("create-agent", "POST", "/organization/agent", 10, "organization"),
    _op("create-agent-version", "POST", "/organization/agent/{agent_id}/", 10, "organization"),
    _op("delete-agent", "DELETE", "/organization/agent/{agent_id}/", 10, "organization"),
    _op("get-agent-versions", "GET", "/organization/agent/{agent_id}/version", 20, "organization"),
    _op(
        "get-service-hierarchical-state-machines",
        "GET",
        "/organization/service_hierarchical_state_machine",
        20,
        "organization",
    ),
    _op(
        "create-service-hierarchical-state-machine",
        "POST",
        "/organization/service_hierarchical_state_machine",
        10,
        "organization",
    ),
    _op(
        "create-service-hierarchical-state-machine-version",
        "POST",
        "/organization/service_hierarchical_state_machine/{service_hierarchical_state_machine_id}/",
        10,
        "organization",
    ),
    _op(
        "delete-service-hierarchical-state-machine",
        "DELETE",
        "/organization/service_hierarchical_state_machine/{state_machine_id}/",
        10,
        "organization",
    ),
    _op(
        "get-service-hierarchical-state-machine-versions",
        "GET",
        "/organization/service_hierarchical_state_machine/{service_hierarchical_state_machine_id}"
        "/version",
        20,
        "organization",
    ),
    _op("get-api-keys", "GET", "/organization/api_key/", 10, "organization"),
    _op("create-api-key", "POST", "/organization/api_key/", 5, "organization"),
    _op("delete-api-key", "DELETE", "/organization/api_key/{api_key_id}/", 10, "organization"),
    _op("get-user-dimensions", "GET", "/organization/user_dimensions/", 20, "organization"),
    # User: the client signs in with an API key through this one.
    _op(
        "sign-in-with-api-key", "POST", "/user/signin_with_api_key", 5, "user", authenticated=False
    ),
)

OPERATIONS: Mapping[str, Operation] = MappingProxyType({op.id: op for op in _TABLE})

DOCUMENTED_RATE_LIMITS: Mapping[str, RateLimit] = MappingProxyType(
    {op.id: op.limit for op in _TABLE if op.limit is not None}
)
"""operationId -> the limit documented in its 429 text (requests per 60 seconds)."""
