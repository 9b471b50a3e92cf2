"""The operations table agrees with the documents: every operation, its method and its path.

The rows below are the documents' facts (OpenAPI snapshot operationIds, methods and
paths; the tool repo endpoints from the Tool document, which gives them no
operationId, under the names this project chose). The operations of the newer
areas are read straight from the snapshot below (skipped when it is absent). The per-area tests
(`test_tools.py`, `test_tool_repo.py`, `test_organization.py`, `test_admin_endpoints.py`)
prove each operation has a client method that sends exactly this method and path.
"""

from __future__ import annotations

import pytest
from _snapshot import snapshot_operations

from amigo_async import OPERATIONS

_DOCUMENTED = [
    ("get-organization", "GET", "/v1/{organization}/organization/"),
    ("create-organization", "PUT", "/v1/{organization}/organization/"),
    ("modify-organization", "POST", "/v1/{organization}/organization/"),
    ("delete-organization", "DELETE", "/v1/{organization}/organization/"),
    ("create-agent", "POST", "/v1/{organization}/organization/agent"),
    ("get-agents", "GET", "/v1/{organization}/organization/agent"),
    ("create-agent-version", "POST", "/v1/{organization}/organization/agent/{agent_id}/"),
    ("delete-agent", "DELETE", "/v1/{organization}/organization/agent/{agent_id}/"),
    (
        "create-service-hierarchical-state-machine",
        "POST",
        "/v1/{organization}/organization/service_hierarchical_state_machine",
    ),
    (
        "get-service-hierarchical-state-machines",
        "GET",
        "/v1/{organization}/organization/service_hierarchical_state_machine",
    ),
    (
        "create-service-hierarchical-state-machine-version",
        "POST",
        "/v1/{organization}/organization/service_hierarchical_state_machine/{service_hierarchical_state_machine_id}/",
    ),
    (
        "delete-service-hierarchical-state-machine",
        "DELETE",
        "/v1/{organization}/organization/service_hierarchical_state_machine/{state_machine_id}/",
    ),
    ("create-api-key", "POST", "/v1/{organization}/organization/api_key/"),
    ("get-api-keys", "GET", "/v1/{organization}/organization/api_key/"),
    ("delete-api-key", "DELETE", "/v1/{organization}/organization/api_key/{api_key_id}/"),
    ("get-agent-versions", "GET", "/v1/{organization}/organization/agent/{agent_id}/version"),
    (
        "get-service-hierarchical-state-machine-versions",
        "GET",
        "/v1/{organization}/organization/service_hierarchical_state_machine/{service_hierarchical_state_machine_id}/version",
    ),
    ("get-user-dimensions", "GET", "/v1/{organization}/organization/user_dimensions/"),
    ("sign-in-with-api-key", "POST", "/v1/{organization}/user/signin_with_api_key"),
    ("get-prompt-logs", "GET", "/v1/{organization}/admin/get_prompt_logs/"),
    ("submit-sql-query", "POST", "/v1/{organization}/admin/sql_query"),
    ("get-models", "GET", "/v1/{organization}/admin/get_models/"),
    ("access-git-interface", "POST", "/v1/{organization}/tool/git/{git_path}"),
    ("access-git-interface", "GET", "/v1/{organization}/tool/git/{git_path}"),
    ("get-tool-scaffold-release", "GET", "/v1/{organization}/tool/amigo_tool_scaffold.tar.gz"),
    ("create-tool", "POST", "/v1/{organization}/tool/"),
    ("get-tools", "GET", "/v1/{organization}/tool/"),
    ("deprecate-tool-version", "DELETE", "/v1/{organization}/tool/{tool_id}/version/{versions}"),
    ("deprecate-tool", "DELETE", "/v1/{organization}/tool/{tool_id}"),
    ("modify-tool", "POST", "/v1/{organization}/tool/{tool_id}"),
    ("test-tool", "POST", "/v1/{organization}/tool/test"),
    ("modify-tool-envvars", "POST", "/v1/{organization}/tool/{tool_id}/envvar"),
    ("publish-tool-version", "POST", "/v1/{organization}/tool/{tool_id}/version"),
    ("get-tool-versions", "GET", "/v1/{organization}/tool/{tool_id}/version"),
    ("get-tool-invocations", "GET", "/v1/{organization}/tool/invocation"),
    ("invoke-tool-version", "POST", "/v1/{organization}/tool/{tool_id}/version/{version}/invoke"),
    ("search-tool-invocations", "GET", "/v1/{organization}/tool/invocation/search"),
    # Tool repo endpoints (Tool document; no operationId there)
    ("get-tool-repo-file-content", "GET", "/v1/{organization}/tool/repo/file/{file_path}"),
    ("get-tool-repo-directory", "GET", "/v1/{organization}/tool/repo/directory/{directory_path}"),
    ("get-tool-repo-files", "GET", "/v1/{organization}/tool/repo/file"),
    ("get-tool-repo-commits", "GET", "/v1/{organization}/tool/repo/commit"),
    ("get-tool-repo-branch", "GET", "/v1/{organization}/tool/repo/branch/{branch_name}"),
    ("get-tool-repo-branches", "GET", "/v1/{organization}/tool/repo/branch"),
]


# The snapshot's auto-generated operationIds, under the names the client gives them.
_RENAMED = {
    "get_roles_v1__organization__role__get": "get-roles",
    "get_webhook_destinations": "get-webhook-destinations",
}


def test_every_documented_operation_is_in_the_table() -> None:
    assert {operation_id for operation_id, _, _ in _DOCUMENTED} <= set(OPERATIONS)


def test_every_snapshot_operation_and_the_tool_repo_make_the_table_and_nothing_else() -> None:
    snapshot = {
        _RENAMED.get(op["operationId"], op["operationId"]) for *_, op in snapshot_operations()
    }
    tool_repo = {operation_id for operation_id, _, path in _DOCUMENTED if "/tool/repo/" in path}
    assert snapshot | tool_repo == set(OPERATIONS)
    assert len(OPERATIONS) == 115 + len(tool_repo)  # 116 in the snapshot, one id on two methods


def test_method_and_path_match_the_snapshot_for_every_operation() -> None:
    for method, path, op in snapshot_operations():
        operation = OPERATIONS[_RENAMED.get(op["operationId"], op["operationId"])]
        assert "/v1/{organization}" + operation.path == path
        if op["operationId"] != "access-git-interface":
            assert operation.method == method, op["operationId"]


@pytest.mark.parametrize(
    ("operation_id", "method", "path"),
    [row for row in _DOCUMENTED if row[0] != "access-git-interface"],
)
def test_method_and_path_match_the_documents(operation_id: str, method: str, path: str) -> None:
    operation = OPERATIONS[operation_id]
    assert operation.method == method
    assert "/v1/{organization}" + operation.path == path


def test_git_interface_takes_get_and_post_on_one_path() -> None:
    rows = [row for row in _DOCUMENTED if row[0] == "access-git-interface"]
    assert {method for _, method, _ in rows} == {"GET", "POST"}
    assert {path for _, _, path in rows} == {
        "/v1/{organization}" + OPERATIONS["access-git-interface"].path
    }
