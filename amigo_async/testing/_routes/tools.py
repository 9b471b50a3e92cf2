"""Tool endpoints of the fake server: tools, versions, env vars, test/invoke, invocations,
the scaffold, the tool repo and the git interface.

Strict like the real server: ids must match `^[a-f0-9]{24}$`, limits their caps
(read from the client's one table of listings), bodies their schemas (422);
unknown tools and versions answer 404, a duplicate tool name 409, a `version`
list whose length differs from `tool_id` 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from .._app import Call, Reply, Unprocessable, json_reply, paginate
from .._crud import Refused, endpoint, listing, sorted_by_query, tagged, with_organization
from .._data.tools import (
    INLINE_FILE_LIMIT,
    RepoData,
    ToolData,
    VersionConstraint,
    failed_status,
    parse_version,
)
from ._filters import tag_keys

_MAX_NAME_LENGTH = 64  # the fake's choice; the documents only say "too long" is a 400
_MAX_ACTIVE_VERSIONS = 3
_STREAM_CHUNK = 4096


# -- request parsing --------------------------------------------------------------


def _tools(call: Call) -> ToolData:
    return call.state.tools


def _stripped(body: dict[str, Any], name: str) -> str:
    """A `StrippedNonemptyString` field as the server stores it (the schema checked it)."""
    return str(body[name]).strip()


def _known_tool(call: Call) -> dict[str, Any]:
    tool = _tools(call).tool(call.path("tool_id"))
    if tool is None:
        raise Refused(404, "The specified tool does not exist.")
    return tool


def _constraint(text: str, location: tuple[str, ...]) -> VersionConstraint:
    try:
        return VersionConstraint.parse(text)
    except ValueError:
        raise Unprocessable(location, f"invalid version specifier {text!r}") from None


def _triple(record: dict[str, Any]) -> tuple[int, int, int]:
    version = record.get("version") or record["tool_version"]
    return (version["major"], version["minor"], version["patch"])


# -- tools ------------------------------------------------------------------------


def _first_page(call: Call) -> bool:
    """Whether this is a list's first page: only it carries `filter_values`."""
    return call.query("continuation_token") in (None, "0")


@endpoint("get-tools")
async def get_tools(call: Call) -> Reply:
    ids = call.query_all("id")
    deprecated = call.query_bool("deprecated")
    organization = call.state.organization
    tools = [
        with_organization(tool, organization)
        for tool in tagged(call, _tools(call).tools, "tag")
        if (not ids or tool["id"] in ids)
        and (deprecated is None or tool["deprecated"] == deprecated)
    ]
    values = {"tags": sorted(tag_keys(_tools(call).tools))} if _first_page(call) else None
    return listing(call, "get-tools", tools, {"filter_values": values})


@endpoint("create-tool")
async def create_tool(call: Call) -> Reply:
    body = call.json()
    name, description = _stripped(body, "name"), _stripped(body, "description")
    tags: dict[str, str | None] = body["tags"]
    if len(name) > _MAX_NAME_LENGTH:
        raise Refused(400, "The tool name is too long.")
    data = _tools(call)
    if any(tool["name"] == name and not tool["deprecated"] for tool in data.tools):
        raise Refused(409, "A tool with the same name already exists.")
    now, user = call.server.now_iso(), call.user_id or ""
    tool = data.add_tool(data.new_tool_id(), name, description, tags, created=now, user_id=user)
    return json_reply({"id": tool["id"]}, 201)


@endpoint("modify-tool")
async def modify_tool(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    if body.get("description") is not None:
        tool["description"] = _stripped(body, "description")
    if body.get("tags") is not None:
        tool["tags"] = [{"key": k, "value": v} for k, v in body["tags"].items()]
    tool["updated_at"] = call.server.now_iso()
    return Reply(204)


@endpoint("deprecate-tool")
async def deprecate_tool(call: Call) -> Reply:
    tool = _known_tool(call)
    tool["deprecated"] = True
    for version in _tools(call).versions[tool["id"]]:
        version["deprecated"] = True
    return Reply(204)


@endpoint("deprecate-tool-version")
async def deprecate_tool_version(call: Call) -> Reply:
    tool = _known_tool(call)
    constraint = _constraint(call.path("versions"), ("path", "versions"))
    for version in _tools(call).versions[tool["id"]]:
        if constraint.matches(_triple(version)):
            version["deprecated"] = True
    return Reply(204)


@endpoint("modify-tool-envvars")
async def modify_tool_envvars(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    inserts, updates, deletes = (body.get(name, []) for name in ("inserts", "updates", "deletes"))
    data = _tools(call)
    variables = data.envvars[tool["id"]]
    deleted = data.deleted_envvars[tool["id"]]
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


@endpoint("get-tool-versions")
async def get_tool_versions(call: Call) -> Reply:
    tool = _known_tool(call)
    deprecated = call.query_bool("deprecated")
    text = call.query("versions")
    constraint = None if text is None else _constraint(text, ("query", "versions"))
    creators = call.query_all("creator")
    organization = call.state.organization
    all_versions = [with_organization(v, organization) for v in _tools(call).versions[tool["id"]]]
    versions = [
        version
        for version in all_versions
        if (deprecated is None or version["deprecated"] == deprecated)
        and (constraint is None or constraint.matches(_triple(version)))
        and (
            not creators
            or f"{version['creator']['user_org_id']},{version['creator']['user_id']}" in creators
        )
    ]
    creator_values = list({repr(v["creator"]): v["creator"] for v in all_versions}.values())
    values = {"creators": creator_values} if _first_page(call) else None
    return listing(call, "get-tool-versions", versions, {"filter_values": values})


def _project_exists(repo: RepoData, project_path: str) -> bool:
    return f"{project_path.strip('/')}/pyproject.toml" in repo.files


@endpoint("publish-tool-version")
async def publish_tool_version(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    project_path, bump_type = _stripped(body, "project_path"), body["bump_type"]
    data = _tools(call)
    if not _project_exists(data.repo, project_path):
        raise Refused(404, "The specified project directory does not exist.")
    versions = data.versions[tool["id"]]
    if sum(1 for v in versions if not v["deprecated"]) >= _MAX_ACTIVE_VERSIONS:
        raise Refused(400, "More than 3 active versions of the tool exist.")
    major, minor, patch = max((_triple(v) for v in versions), default=(0, 0, 0))
    new = {
        "major": (major + 1, 0, 0),
        "minor": (major, minor + 1, 0),
        "patch": (major, minor, patch + 1),
    }[bump_type]
    data.new_version(tool["id"], new, project_path, call.user_id or "")
    return json_reply({"new_version": ".".join(map(str, new))}, 201)


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


@endpoint("test-tool")
async def test_tool(call: Call) -> Reply:
    body = call.json()
    inputs = body["inputs"]
    branch, project_path = _stripped(body, "commit_branch"), _stripped(body, "project_path")
    plain, secret = body["required_envvars"], body["required_secret_envvars"]
    repo = _tools(call).repo
    if branch not in repo.branches or not _project_exists(repo, project_path):
        raise Refused(404, "The specified tool commit does not exist.")
    if set(plain) & set(secret):
        raise Refused(400, "An environment variable is both secret and non-secret.")
    return json_reply({"invocation_results": _results(inputs)})


@endpoint("invoke-tool-version")
async def invoke_tool_version(call: Call) -> Reply:
    tool = _known_tool(call)
    body = call.json()
    inputs = body["inputs"]
    text = call.path("version")
    exact = parse_version(text)
    constraint = (
        VersionConstraint((("==", text.strip()),))
        if exact is not None
        else _constraint(text, ("path", "version"))
    )
    candidates = [
        version
        for version in _tools(call).versions[tool["id"]]
        if not version["deprecated"] and constraint.matches(_triple(version))
    ]
    if not candidates:
        raise Refused(404, "The specified tool version does not exist.")
    return json_reply({"invocation_results": _results(inputs)})


# -- invocations ------------------------------------------------------------------


def _invocation_filter(call: Call) -> Callable[[dict[str, Any]], bool] | None:
    """The filters shared by get-tool-invocations and search; None when there are none."""
    tool_ids = call.query_all("tool_id")
    source_types = call.query_all("invocation_source_type")
    conversations = set(call.query_all("conversation_id"))
    runs = set(call.query_all("simulation_unit_test_set_run_id"))
    succeeded = call.query_bool("succeeded")
    versions = call.query_all("version")
    constraints: dict[str, VersionConstraint] = {}
    if versions:
        constraints = {
            tool_id: _constraint(text, ("query", "version"))
            for tool_id, text in zip(tool_ids, versions, strict=True)
        }
    if not (tool_ids or source_types or conversations or runs) and succeeded is None:
        return None
    wanted_tools = set(tool_ids)

    def matches(invocation: dict[str, Any]) -> bool:
        source = invocation["invocation_source"]
        if wanted_tools and invocation["tool_id"] not in wanted_tools:
            return False
        constraint = constraints.get(invocation["tool_id"])
        if constraint is not None and not constraint.matches(_triple(invocation)):
            return False
        if source_types and source["type"] not in source_types:
            return False
        if conversations and source.get("conversation_id") not in conversations:
            return False
        if runs and source.get("simulation_unit_test_set_run_id") not in runs:
            return False
        status = invocation["invocation_status"]
        return succeeded is None or status["succeeded"] == succeeded

    return matches


@endpoint("get-tool-invocations")
async def get_tool_invocations(call: Call) -> Reply:
    versions = call.query_all("version")
    if versions and len(versions) != len(call.query_all("tool_id")):
        raise Refused(400, "The tool_id and version query parameters differ in length.")
    data = _tools(call)
    cache = data.query_results()
    query = tuple(
        sorted(
            (k, v)
            for k, v in call.request.query.items()
            if k not in ("limit", "continuation_token")
        )
    )
    invocations = cache.get(query)
    if invocations is None:
        matches = _invocation_filter(call)
        invocations = data.invocations_of(call.query_all("tool_id"))
        if matches is not None:
            invocations = [invocation for invocation in invocations if matches(invocation)]
        # `version.*` sort fields read the invocation's `tool_version`
        invocations = cache[query] = sorted_by_query(call, invocations, {"version": "tool_version"})
    page, has_more, token = paginate(call, invocations, "get-tool-invocations")
    organization = call.state.organization
    items = b",".join(data.encoded(invocation, organization) for invocation in page)
    tail = json.dumps({"has_more": has_more, "continuation_token": token}, separators=(",", ":"))
    return Reply(200, b'{"tool_invocations":[' + items + b"]," + tail[1:].encode())


def _searchable(invocation: dict[str, Any], fields: list[str]) -> Iterator[str]:
    status = invocation["invocation_status"]
    for field in fields:
        value = status.get(field.split(".", 1)[1])
        if isinstance(value, list):
            yield from (str(line) for line in value)
        elif value is not None:
            yield str(value)


@endpoint("search-tool-invocations")
async def search_tool_invocations(call: Call) -> Reply:
    query, fields = call.query("query") or "", call.query_all("query_against")
    matches = _invocation_filter(call)
    needle = query.lower()
    organization = call.state.organization
    found = [
        {**invocation, "org_id": organization}
        for invocation in _tools(call).invocations
        if (matches is None or matches(invocation))
        and any(needle in text.lower() for text in _searchable(invocation, fields))
    ]
    return json_reply({"tool_invocations": found})


# -- scaffold -----------------------------------------------------------------------


def _chunks(data: bytes, size: int = _STREAM_CHUNK) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@endpoint("get-tool-scaffold-release")
async def get_tool_scaffold_release(call: Call) -> Reply:
    return Reply(
        body=_chunks(_tools(call).scaffold), streamed=True, content_type="application/gzip"
    )


# -- the tool repo ------------------------------------------------------------------


def _ref(call: Call) -> int:
    index = _tools(call).repo.resolve(call.query("ref") or "main")  # a blank ref is refused (422)
    if index is None:
        raise Refused(404, "The specified ref does not exist.")
    return index


def _summary(commit: dict[str, Any], organization: str) -> dict[str, Any]:
    """A commit as served without its files, the organization filled into its committer."""
    summary = {key: commit[key] for key in ("commit_sha", "commit_message", "commit_timestamp")}
    committer = commit["committer"]
    summary["committer"] = committer and {**committer, "org_id": organization}
    return summary


@endpoint("get-tool-repo-file-content")
async def get_tool_repo_file_content(call: Call) -> Reply:
    _ref(call)  # 404 for an unknown ref
    content = _tools(call).repo.files.get(call.path("file_path"))
    if content is None:
        raise Refused(404, "The specified file does not exist.")
    return Reply(body=_chunks(content), streamed=True, content_type="application/octet-stream")


@endpoint("get-tool-repo-directory")
async def get_tool_repo_directory(call: Call) -> Reply:
    ref = _ref(call)
    with_commit = call.query_bool("include_last_commit_info") or False
    repo = _tools(call).repo
    directory = call.path("directory_path").strip("/")
    if directory not in repo.directories():
        raise Refused(404, "The specified directory does not exist.")
    prefix = f"{directory}/" if directory else ""
    entries: dict[str, dict[str, Any]] = {}
    for path, content in sorted(repo.files.items()):
        if not path.startswith(prefix):
            continue
        name, slash, _ = path[len(prefix) :].partition("/")
        entry: dict[str, Any] = {
            "name": name,
            "path": prefix + name,
            "type": "directory" if slash else "file",
        }
        if not slash:
            entry["size"] = len(content)
        entries.setdefault(name, entry)
    organization = call.state.organization
    for entry in entries.values():
        if with_commit:
            touched = next(
                (
                    c
                    for c in repo.commits[ref:]
                    if any(f["path"].startswith(entry["path"]) for f in c["changed_files"])
                ),
                None,
            )
            entry["last_commit"] = touched and _summary(touched, organization)
    return json_reply({"entries": list(entries.values())})


@endpoint("get-tool-repo-files")
async def get_tool_repo_files(call: Call) -> Reply:
    body = call.json()  # checked by the pass, from the tool repo's hand-written facts
    repo = _tools(call).repo
    if repo.resolve(body.get("ref", "main")) is None:
        raise Refused(404, "The specified ref does not exist.")
    files = []
    for path in body["file_paths"]:
        content = repo.files.get(path)
        if content is None:
            raise Refused(404, f"The file {path!r} does not exist.")
        inline = len(content) <= INLINE_FILE_LIMIT
        files.append(
            {
                "path": path,
                "size": len(content),
                "content": content.decode("utf-8", "replace") if inline else None,
            }
        )
    return json_reply({"files": files})


@endpoint("get-tool-repo-commits")
async def get_tool_repo_commits(call: Call) -> Reply:
    ref = _ref(call)
    path = call.query("path")
    after = call.query_datetime("committed_on_or_after")
    before = call.query_datetime("committed_on_or_before")
    show_files = call.query_bool("show_changed_files") or False
    show_stats = call.query_bool("show_change_stats") or False
    commits = [
        commit
        for commit in _tools(call).repo.commits[ref:]
        if (path is None or any(f["path"].startswith(path) for f in commit["changed_files"]))
        and (after is None or datetime.fromisoformat(commit["commit_timestamp"]) >= after)
        and (before is None or datetime.fromisoformat(commit["commit_timestamp"]) <= before)
    ]
    organization = call.state.organization
    served = []
    for commit in commits:
        item = _summary(commit, organization)
        if show_files or show_stats:
            item["changed_files"] = [
                {
                    "path": f["path"],
                    "change_type": f["change_type"],
                    **(
                        {"additions": f["additions"], "deletions": f["deletions"]}
                        if show_stats
                        else {}
                    ),
                }
                for f in commit["changed_files"]
            ]
        served.append(item)
    return listing(call, "get-tool-repo-commits", served)


@endpoint("get-tool-repo-branch")
async def get_tool_repo_branch(call: Call) -> Reply:
    repo = _tools(call).repo
    index = repo.branches.get(call.path("branch_name"))
    if index is None:
        raise Refused(404, "The specified branch does not exist.")
    return json_reply(_summary(repo.commits[index], call.state.organization))


@endpoint("get-tool-repo-branches")
async def get_tool_repo_branches(call: Call) -> Reply:
    repo = _tools(call).repo
    organization = call.state.organization
    branches = [
        {"name": name, **_summary(repo.commits[index], organization)}
        for name, index in sorted(repo.branches.items())
    ]
    return listing(call, "get-tool-repo-branches", branches)


# -- the git interface --------------------------------------------------------------


def _pkt_line(text: str) -> bytes:
    data = text.encode()
    return f"{len(data) + 4:04x}".encode() + data


@endpoint("access-git-interface")
async def access_git_interface(call: Call) -> Reply:
    """Just enough of the Git HTTP protocol for a client to find the repo.

    The snapshot documents only 200 and 422, so nothing here answers another status:
    ``info/refs`` advertises the one branch (smart with ``service=``, dumb without), and
    any other path gets an empty pkt-line answer (a flush) rather than an undocumented 404.
    """
    head = _tools(call).repo.commits[0]["commit_sha"]
    service = call.query("service")
    if call.path("git_path") != "info/refs":
        return Reply(body=b"0000", content_type="application/x-git-upload-pack-result")
    if service not in ("git-upload-pack", "git-receive-pack"):
        return Reply(body=f"{head}\trefs/heads/main\n".encode(), content_type="text/plain")
    body = (
        _pkt_line(f"# service={service}\n")
        + b"0000"
        + _pkt_line(f"{head} refs/heads/main\x00agent=fake-amigo\n")
        + b"0000"
    )
    return Reply(body=body, content_type=f"application/x-{service}-advertisement")
