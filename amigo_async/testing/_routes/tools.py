"""Tool endpoints of the fake server: tools, versions, env vars, test/invoke, invocations,
the scaffold, the tool repo and the git interface.

Strict like the real server: ids must match `^[a-f0-9]{24}$`, limits their caps
(read from the client's one table of listings), bodies their schemas (422);
unknown tools and versions answer 404, a duplicate tool name 409, a `version`
list whose length differs from `tool_id` 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from .._app import Call, Refused, Reply, Unprocessable, handler, json_reply, paginate
from .._crud import listing, matching, sorted_by_query, tag_list, tagged, with_organization
from .._data.tools import INLINE_FILE_LIMIT, ToolData, VersionConstraint, failed_status
from ._filters import authored, by_bool, distinct, now, tag_keys

_MAX_NAME_LENGTH = 64  # the fake's choice; the documents only say "too long" is a 400
_MAX_ACTIVE_VERSIONS = 3


def _stripped(body: dict[str, Any], name: str) -> str:
    """A `StrippedNonemptyString` field as the server stores it (the schema checked it)."""
    return str(body[name]).strip()


def _known_tool(call: Call) -> dict[str, Any]:
    tool = call.state.tools.tool(call.path("tool_id"))
    if tool is None:
        raise Refused(404, "The specified tool does not exist.")
    return tool


def _constraint(
    text: str | None, location: tuple[str, ...], *, exact: bool = False
) -> VersionConstraint:
    """The constraint `text` states (every version when None; the pass refused a blank one),
    or 422."""
    try:
        return VersionConstraint.parse(text, exact=exact) if text else VersionConstraint(())
    except ValueError:
        raise Unprocessable(location, f"invalid version specifier {text!r}") from None


def _triple(record: dict[str, Any]) -> tuple[int, int, int]:
    """A version's or an invocation's version number."""
    version = record.get("version") or record["tool_version"]
    return (version["major"], version["minor"], version["patch"])


def _first_page(call: Call) -> bool:
    """Whether this is a list's first page: only it carries `filter_values`."""
    return call.query("continuation_token") in (None, "0")


# -- tools ------------------------------------------------------------------------


@handler("get-tools")
async def get_tools(call: Call) -> Reply:
    data = call.state.tools
    tools = by_bool(call, matching(call, tagged(call, data.tools, "tag"), "id"), "deprecated")
    served = [with_organization(tool, call.state.organization) for tool in tools]
    values = {"tags": sorted(tag_keys(data.tools))} if _first_page(call) else None
    return listing(call, "get-tools", served, {"filter_values": values})


@handler("create-tool")
async def create_tool(call: Call) -> Reply:
    body = call.json()
    name = _stripped(body, "name")
    if len(name) > _MAX_NAME_LENGTH:
        raise Refused(400, "The tool name is too long.")
    data = call.state.tools
    if any(tool["name"] == name and not tool["deprecated"] for tool in data.tools):
        raise Refused(409, "A tool with the same name already exists.")
    description = _stripped(body, "description")
    tool = data.add_tool(data.new_tool_id(), name, description, body["tags"], **authored(call))
    return json_reply({"id": tool["id"]}, 201)


@handler("modify-tool")
async def modify_tool(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    if body.get("description") is not None:
        tool["description"] = _stripped(body, "description")
    if body.get("tags") is not None:
        tool["tags"] = tag_list(body["tags"])
    tool["updated_at"] = now()
    return Reply(204)


@handler("deprecate-tool")
async def deprecate_tool(call: Call) -> Reply:
    tool = _known_tool(call)
    tool["deprecated"] = True
    for version in call.state.tools.versions[tool["id"]]:
        version["deprecated"] = True
    return Reply(204)


@handler("modify-tool-envvars")
async def modify_tool_envvars(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    inserts, updates, deletes = (body.get(name) or [] for name in ("inserts", "updates", "deletes"))
    data = call.state.tools
    variables, deleted = data.envvars[tool["id"]], data.deleted_envvars[tool["id"]]
    in_use = {
        name
        for version in data.versions[tool["id"]]
        if not version["deprecated"]
        for name in version["required_envvars"] + version["required_secret_envvars"]
    }
    for item in inserts:
        if item["name"] in variables or item["name"] in deleted:
            raise Refused(409, f"The environment variable {item['name']} exists.")
    for item in updates + deletes:
        if item["name"] not in variables:
            raise Refused(400, f"The environment variable {item['name']} does not exist.")
    for item in deletes:
        if item["name"] in in_use:
            raise Refused(400, f"{item['name']} is used by non-deprecated tool versions.")
    for item in inserts:
        variables[item["name"]] = (item["value"], bool(item["is_secret"]))
    for item in updates:
        variables[item["name"]] = (item["value"], variables[item["name"]][1])
    for item in deletes:
        del variables[item["name"]]
        deleted.add(item["name"])
    data.refresh_envvar_lists(tool["id"])
    return Reply(204)


# -- versions ---------------------------------------------------------------------


@handler("get-tool-versions")
async def get_tool_versions(call: Call) -> Reply:
    tool = _known_tool(call)
    constraint = _constraint(call.query("versions"), ("query", "versions"))
    creators = call.query_all("creator")
    organization = call.state.organization
    every = [with_organization(v, organization) for v in call.state.tools.versions[tool["id"]]]
    versions = [
        version
        for version in by_bool(call, every, "deprecated")
        if constraint.matches(_triple(version))
        and (not creators or "{user_org_id},{user_id}".format(**version["creator"]) in creators)
    ]
    values = {"creators": distinct(every, "creator")} if _first_page(call) else None
    return listing(call, "get-tool-versions", versions, {"filter_values": values})


@handler("deprecate-tool-version")
async def deprecate_tool_version(call: Call) -> Reply:
    tool = _known_tool(call)
    constraint = _constraint(call.path("versions"), ("path", "versions"))
    for version in call.state.tools.versions[tool["id"]]:
        if constraint.matches(_triple(version)):
            version["deprecated"] = True
    return Reply(204)


@handler("publish-tool-version")
async def publish_tool_version(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    project_path = _stripped(body, "project_path")
    data = call.state.tools
    if not _project_exists(data, project_path):
        raise Refused(404, "The specified project directory does not exist.")
    versions = data.versions[tool["id"]]
    if sum(1 for v in versions if not v["deprecated"]) >= _MAX_ACTIVE_VERSIONS:
        raise Refused(400, "More than 3 active versions of the tool exist.")
    major, minor, patch = max((_triple(v) for v in versions), default=(0, 0, 0))
    new = {
        "major": (major + 1, 0, 0),
        "minor": (major, minor + 1, 0),
        "patch": (major, minor, patch + 1),
    }[body["bump_type"]]
    user = call.user_id or ""
    data.add_version(None, tool["id"], new, user_id=user, project_directory=project_path)
    return json_reply({"new_version": ".".join(map(str, new))}, 201)


def _project_exists(data: ToolData, project_path: str) -> bool:
    return f"{project_path.strip('/')}/pyproject.toml" in data.repo.files


# -- test and invoke --------------------------------------------------------------


def _results(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fake tool echoes its parameters; ``{"raise": "message"}`` makes it fail."""
    results = []
    for item in inputs:
        parameters = item["input_parameters"]
        if "raise" in parameters:
            result = failed_status("RuntimeError", str(parameters["raise"]))
        else:
            output = ",".join(f"{k}={parameters[k]}" for k in sorted(parameters))
            result = {"succeeded": True, "output": output}
        results.append({**result, "duration_ms": 5 + len(parameters)})
    return results


@handler("test-tool")
async def test_tool(call: Call) -> Reply:
    body = call.json()
    data = call.state.tools
    branch_known = _stripped(body, "commit_branch") in data.repo.branches
    if not branch_known or not _project_exists(data, _stripped(body, "project_path")):
        raise Refused(404, "The specified tool commit does not exist.")
    if set(body["required_envvars"]) & set(body["required_secret_envvars"]):
        raise Refused(400, "An environment variable is both secret and non-secret.")
    return json_reply({"invocation_results": _results(body["inputs"])})


@handler("invoke-tool-version")
async def invoke_tool_version(call: Call) -> Reply:
    """The version is a plain version (exactly that one) or a constraint."""
    tool = _known_tool(call)
    constraint = _constraint(call.path("version"), ("path", "version"), exact=True)
    if not any(
        not version["deprecated"] and constraint.matches(_triple(version))
        for version in call.state.tools.versions[tool["id"]]
    ):
        raise Refused(404, "The specified tool version does not exist.")
    return json_reply({"invocation_results": _results(call.json()["inputs"])})


# -- invocations ------------------------------------------------------------------

_INVOCATION_FILTERS = (  # query parameter, the invocation's field it names
    ("tool_id", "tool_id"),
    ("invocation_source_type", "invocation_source.type"),
    ("conversation_id", "invocation_source.conversation_id"),
    ("simulation_unit_test_set_run_id", "invocation_source.simulation_unit_test_set_run_id"),
)


def _filtered(
    call: Call, invocations: list[dict[str, Any]], versions: dict[str, VersionConstraint]
) -> list[dict[str, Any]]:
    """The filters get-tool-invocations and search share; `versions` by tool id."""
    for query, field in _INVOCATION_FILTERS:
        invocations = matching(call, invocations, query, field)
    succeeded = call.query_bool("succeeded")
    return [
        item
        for item in invocations
        if (succeeded is None or item["invocation_status"]["succeeded"] == succeeded)
        and (item["tool_id"] not in versions or versions[item["tool_id"]].matches(_triple(item)))
    ]


@handler("get-tool-invocations")
async def get_tool_invocations(call: Call) -> Reply:
    tool_ids, versions = call.query_all("tool_id"), call.query_all("version")
    if versions and len(versions) != len(tool_ids):
        raise Refused(400, "The tool_id and version query parameters differ in length.")
    data = call.state.tools
    cache = data.query_results()  # a scan asks for each page of the same list
    query = call.request.query
    key = tuple(
        sorted((k, v) for k, v in query.items() if k not in ("limit", "continuation_token"))
    )
    if key not in cache:
        constraints = {
            tool_id: _constraint(text, ("query", "version"))
            for tool_id, text in zip(tool_ids, versions, strict=False)  # either none or one each
        }
        found = _filtered(call, data.invocations_of(tool_ids), constraints)
        # `version.*` sort fields read the invocation's `tool_version`
        cache[key] = sorted_by_query(call, found, {"version": "tool_version"})
    page, has_more, token = paginate(call, cache[key], "get-tool-invocations")
    served = [{**invocation, "org_id": call.state.organization} for invocation in page]
    answer = {"tool_invocations": served, "has_more": has_more, "continuation_token": token}
    return Reply(200, orjson.dumps(answer))


def _searchable(invocation: dict[str, Any], fields: list[str]) -> Iterator[str]:
    """The texts of the status fields searched, a stack trace's line by line."""
    status = invocation["invocation_status"]
    for field in fields:
        value = status.get(field.split(".", 1)[1])
        if isinstance(value, list):
            yield from (str(line) for line in value)
        elif value is not None:
            yield str(value)


@handler("search-tool-invocations")
async def search_tool_invocations(call: Call) -> Reply:
    needle, fields = (call.query("query") or "").lower(), call.query_all("query_against")
    found = [
        {**invocation, "org_id": call.state.organization}
        for invocation in _filtered(call, call.state.tools.invocations, {})
        if any(needle in text.lower() for text in _searchable(invocation, fields))
    ]
    return json_reply({"tool_invocations": found})


# -- scaffold -----------------------------------------------------------------------


@handler("get-tool-scaffold-release")
async def get_tool_scaffold_release(call: Call) -> Reply:
    """Streamed in the server's chunks, like every file download."""
    return Reply(body=call.state.tools.scaffold, streamed=True, content_type="application/gzip")


# -- the tool repo ------------------------------------------------------------------


def _ref(call: Call, ref: str | None) -> int:
    """The index of the commit `ref` names (the default branch when None; a blank ref is
    refused by the pass)."""
    index = call.state.tools.repo.resolve(ref or "main")
    if index is None:
        raise Refused(404, "The specified ref does not exist.")
    return index


def _summary(commit: dict[str, Any], organization: str) -> dict[str, Any]:
    """A commit as served without its files, the organization filled into its committer."""
    summary = {key: commit[key] for key in ("commit_sha", "commit_message", "commit_timestamp")}
    committer = commit["committer"]
    summary["committer"] = committer and {**committer, "org_id": organization}
    return summary


def _touches(commit: dict[str, Any], path: str) -> bool:
    return any(changed["path"].startswith(path) for changed in commit["changed_files"])


@handler("get-tool-repo-file-content")
async def get_tool_repo_file_content(call: Call) -> Reply:
    _ref(call, call.query("ref"))  # 404 for an unknown ref
    content = call.state.tools.repo.files.get(call.path("file_path"))
    if content is None:
        raise Refused(404, "The specified file does not exist.")
    return Reply(body=content, streamed=True, content_type="application/octet-stream")


@handler("get-tool-repo-directory")
async def get_tool_repo_directory(call: Call) -> Reply:
    ref = _ref(call, call.query("ref"))
    repo = call.state.tools.repo
    directory = call.path("directory_path").strip("/")
    prefix = f"{directory}/" if directory else ""
    entries: dict[str, dict[str, Any]] = {}
    for path, content in sorted(repo.files.items()):
        if path.startswith(prefix):
            name, slash, _ = path.removeprefix(prefix).partition("/")
            kind = {"type": "directory"} if slash else {"type": "file", "size": len(content)}
            entries.setdefault(name, {"name": name, "path": prefix + name, **kind})
    if not entries:  # a directory exists while it holds a file (as in git)
        raise Refused(404, "The specified directory does not exist.")
    if call.query_bool("include_last_commit_info"):
        for entry in entries.values():
            touched = next((c for c in repo.commits[ref:] if _touches(c, entry["path"])), None)
            entry["last_commit"] = touched and _summary(touched, call.state.organization)
    return json_reply({"entries": list(entries.values())})


@handler("get-tool-repo-files")
async def get_tool_repo_files(call: Call) -> Reply:
    body = call.json()  # checked by the pass, from the tool repo's hand-written facts
    _ref(call, body.get("ref"))
    files = []
    for path in body["file_paths"]:
        content = call.state.tools.repo.files.get(path)
        if content is None:
            raise Refused(404, f"The file {path!r} does not exist.")
        text = content.decode("utf-8", "replace") if len(content) <= INLINE_FILE_LIMIT else None
        files.append({"path": path, "size": len(content), "content": text})
    return json_reply({"files": files})


@handler("get-tool-repo-commits")
async def get_tool_repo_commits(call: Call) -> Reply:
    ref = _ref(call, call.query("ref"))
    path = call.query("path") or ""
    after = call.query_datetime("committed_on_or_after") or datetime.min.replace(tzinfo=UTC)
    before = call.query_datetime("committed_on_or_before") or datetime.max.replace(tzinfo=UTC)
    show_stats = call.query_bool("show_change_stats")
    show_files = show_stats or call.query_bool("show_changed_files")
    fields = ("path", "change_type") + (("additions", "deletions") if show_stats else ())
    served = []
    for commit in call.state.tools.repo.commits[ref:]:
        when = datetime.fromisoformat(commit["commit_timestamp"])
        if _touches(commit, path) and after <= when <= before:
            item = _summary(commit, call.state.organization)
            if show_files:
                changed = commit["changed_files"]
                item["changed_files"] = [{key: f[key] for key in fields} for f in changed]
            served.append(item)
    return listing(call, "get-tool-repo-commits", served)


@handler("get-tool-repo-branch")
async def get_tool_repo_branch(call: Call) -> Reply:
    repo = call.state.tools.repo
    index = repo.branches.get(call.path("branch_name"))
    if index is None:
        raise Refused(404, "The specified branch does not exist.")
    return json_reply(_summary(repo.commits[index], call.state.organization))


@handler("get-tool-repo-branches")
async def get_tool_repo_branches(call: Call) -> Reply:
    repo = call.state.tools.repo
    organization = call.state.organization
    branches = [
        {"name": name, **_summary(repo.commits[index], organization)}
        for name, index in sorted(repo.branches.items())
    ]
    return listing(call, "get-tool-repo-branches", branches)


# -- the git interface --------------------------------------------------------------


def _sections(*lines: str) -> bytes:
    """Git's pkt-line form: each line after its length, each ended by a flush (``0000``)."""
    encoded = [line.encode() for line in lines]
    return b"".join(f"{len(data) + 4:04x}".encode() + data + b"0000" for data in encoded)


@handler("access-git-interface")
async def access_git_interface(call: Call) -> Reply:
    """Just enough of the Git HTTP protocol for a client to find the repo.

    The snapshot documents only 200 and 422, so nothing here answers another status:
    ``info/refs`` advertises the one branch (smart with ``service=``, dumb without), and
    any other path gets an empty pkt-line answer (a flush) rather than an undocumented 404.
    """
    head = call.state.tools.repo.commits[0]["commit_sha"]
    service = call.query("service")
    if call.path("git_path") != "info/refs":
        return Reply(body=b"0000", content_type="application/x-git-upload-pack-result")
    if service not in ("git-upload-pack", "git-receive-pack"):
        return Reply(body=f"{head}\trefs/heads/main\n".encode(), content_type="text/plain")
    body = _sections(f"# service={service}\n", f"{head} refs/heads/main\x00agent=fake-amigo\n")
    return Reply(body=body, content_type=f"application/x-{service}-advertisement")
