"""The rules the documents state only in prose, checked in the same pass as the schemas.

The snapshot's schemas say what a value is; some conventions live in its descriptions
instead: the fields `sort_by` accepts, ``key:value`` tag filters, ``org_id,user_id``
creators, version selectors (``3``, ``latest``, ``2-5``). They are written here by
hand, keyed by operation id, and `_validation.request_problems` runs them after the
schema checks. The tool repo operations, which the snapshot does not describe, have
their facts written by hand in `_undescribed`; their prose rules (no blank ref, no
NUL in a path) are here with the others.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from ._durations import format_iso_duration, parse_iso_duration
from ._images import IMAGE_RULES, image_problem
from ._problem import ABSENT, Problem, short
from ._spec import OPERATIONS

__all__ = [
    "API_KEY_DURATION",
    "VERSION_SELECTOR",
    "prose_problems",
]

API_KEY_DURATION = (timedelta(days=1), timedelta(days=90))
"""create-api-key: the documented bounds of a key's lifetime."""

_TAG = re.compile(r"^[^:]*[^:\s][^:]*:.*$")
_CREATOR = re.compile(r"^[^,\s]+,[^,\s]+$")
VERSION_SELECTOR = re.compile(r"^(?:[1-9][0-9]*|latest)(?:-(?:[1-9][0-9]*|latest))?$")
"""``3``, ``latest``, ``2-5``, ``3-latest``: a version or an inclusive range of them."""

_FILTERED_LISTS = frozenset(
    {
        "get-conversations",
        "get-dynamic-behavior-sets",
        "search-dynamic-behavior-sets",
        "get-metrics",
        "search-metrics",
        "get-simulation-personas",
        "search-simulation-personas",
        "get-simulation-scenarios",
        "search-simulation-scenarios",
        "get-simulation-unit-tests",
        "search-simulation-unit-tests",
        "get-simulation-unit-test-sets",
        "search-simulation-unit-test-sets",
        "get-simulation-unit-test-set-runs",
        "get-tools",
        "get-tool-versions",
    }
)
"""Lists whose ``tag`` filter is ``key:value`` and ``creator`` is ``org_id,user_id``."""

_VERSION_LISTS = frozenset(
    {
        "get-agent-versions",
        "get-service-hierarchical-state-machine-versions",
        "get-dynamic-behavior-set-versions",
        "get-simulation-persona-versions",
        "get-simulation-scenario-versions",
    }
)
"""Lists whose ``version`` query is a selector: ``3``, ``latest`` or a range."""


_NOT_BLANK: dict[str, tuple[tuple[str, str], ...]] = {
    "deprecate-tool-version": (("path", "versions"),),
    "invoke-tool-version": (("path", "version"),),
    "search-tool-invocations": (("query", "query"),),
    "test-tool": (("body", "commit_branch"),),
    "get-tool-versions": (("query", "versions"),),
    "create-conversation": (("body", "service_version_set_name"),),
    "generate-conversation-starter": (("body", "service_version_set_name"),),
    "get-tool-repo-file-content": (("path", "file_path"), ("query", "ref")),
    "get-tool-repo-directory": (("query", "ref"),),
    "get-tool-repo-files": (("body", "ref"), ("body", "file_paths")),
    "get-tool-repo-commits": (("query", "ref"), ("query", "path")),
    "get-tool-repo-branch": (("path", "branch_name"),),
}
"""Texts the documents describe as a version constraint, a branch, a file or a search:
never blank (a list's items each)."""

_NO_NUL: dict[str, tuple[tuple[str, str], ...]] = {
    "get-tool-repo-file-content": (("path", "file_path"), ("query", "ref")),
    "get-tool-repo-directory": (("path", "directory_path"), ("query", "ref")),
    "get-tool-repo-files": (("body", "ref"), ("body", "file_paths")),
    "get-tool-repo-commits": (("query", "ref"), ("query", "path")),
    "get-tool-repo-branch": (("path", "branch_name"),),
    "get-prompt-logs": (("query", "prompt_log_prefix"),),
}
"""Names of files, refs and prefixes: a NUL ends a name in git and S3, so none holds one."""


def prose_problems(
    operation_id: str,
    path: Mapping[str, object],
    query: Mapping[str, object],
    body: object = ABSENT,
) -> list[Problem]:
    """What breaks a prose rule of the operation (the schema checks passed)."""
    problems: list[Problem] = []
    paging = OPERATIONS[operation_id].paging if operation_id in OPERATIONS else None
    if paging is not None and paging.sort_fields and query.get("sort_by") is not None:
        _each(problems, "sort_by", query["sort_by"], _sort_field(paging.sort_fields))
    if operation_id in _FILTERED_LISTS:
        if query.get("tag") is not None:
            _each(problems, "tag", query["tag"], _pattern(_TAG, "match the tag syntax 'key:value'"))
        if query.get("creator") is not None:
            _each(problems, "creator", query["creator"], _pattern(_CREATOR, "be 'org_id,user_id'"))
    places = {"path": path, "query": query, "body": body if isinstance(body, Mapping) else {}}
    for where, name in _NOT_BLANK.get(operation_id, ()):
        _texts(problems, (where, name), places[where].get(name), _blank)
    for where, name in _NO_NUL.get(operation_id, ()):
        _texts(problems, (where, name), places[where].get(name), _nul)
    if operation_id == "get-tool-invocations":
        problems += _paired_versions(query)
    if operation_id == "get-prompt-logs" and query.get("prompt_log_prefix") == "":
        message = "must not be empty: it would name every log (at most 1000 may match)"
        problems.append(Problem(("query", "prompt_log_prefix"), message, "value_error"))
    if operation_id == "interact-with-conversation" and isinstance(body, Mapping):
        problems += _blank_message(query, body)
    if operation_id in _STREAMS and query.get("current_agent_action_type") is not None:
        problems += _action_regex(query["current_agent_action_type"])
    if operation_id in _ORDERED_RANGES:
        problems += _ordered_range(query, *_ORDERED_RANGES[operation_id])
    body_rule = _BODY_RULES.get(operation_id)
    if body_rule is not None and isinstance(body, Mapping):
        problems += body_rule(body)
    if operation_id in _VERSION_LISTS and query.get("version") is not None:
        rule = _pattern(VERSION_SELECTOR, "be a version, 'latest' or a range such as '2-5'")
        _each(problems, "version", query["version"], rule)
    return problems


_STREAMS = frozenset({"create-conversation", "interact-with-conversation"})
"""Their ``current_agent_action_type`` is a regex over the agent's action types."""

_ORDERED_RANGES = {"get-webhook-deliveries": ("created_after", "created_before")}
"""Time-range filters whose start cannot come after their end."""


def _action_regex(value: object) -> list[Problem]:
    place = ("query", "current_agent_action_type")
    if not isinstance(value, str):
        return []  # the schema check said so already
    if not value.strip():
        return [Problem(place, "must not be empty", "value_error")]
    try:
        re.compile(value)
    except re.error as exc:
        return [Problem(place, f"is not a regex: {exc}", "value_error")]
    return []


def _ordered_range(query: Mapping[str, object], start: str, end: str) -> list[Problem]:
    after, before = query.get(start), query.get(end)
    if not (isinstance(after, str) and isinstance(before, str)):
        return []
    try:  # both are aware ISO 8601 date-times: the schema check passed
        later = datetime.fromisoformat(after) > datetime.fromisoformat(before)
    except (TypeError, ValueError):
        return []
    if later:
        return [Problem(("query", start), f"must not be later than {end}", "value_error")]
    return []


def _tag_change(body: Mapping[str, object]) -> list[Problem]:
    """modify-tags-of-conversation: a body with neither updates nor deletes changes nothing."""
    if body.get("updates") is None and body.get("deletes") is None:
        return [Problem(("body",), "must give updates= or deletes=", "value_error")]
    return []


def _some_envvar_change(body: Mapping[str, object]) -> list[Problem]:
    """modify-tool-envvars: no inserts, updates or deletes is nothing to modify."""
    if any(body.get(name) for name in ("inserts", "updates", "deletes")):
        return []
    message = "inserts, updates and deletes are all empty: nothing to modify"
    return [Problem(("body",), message, "value_error")]


def _paired_versions(query: Mapping[str, object]) -> list[Problem]:
    """get-tool-invocations: `version[i]` is the semver constraint for `tool_id[i]`."""
    versions, ids = query.get("version"), query.get("tool_id")
    if not isinstance(versions, list) or not versions:
        return []
    ids = ids if isinstance(ids, list) else []
    if len(versions) != len(ids):
        message = (
            f"must have exactly one constraint per tool_id: "
            f"{len(versions)} version(s) for {len(ids)} tool_id(s)"
        )
        return [Problem(("query", "version"), message, "value_error")]
    return [  # a repeated tool_id is the schema's uniqueItems
        Problem(("query", "version", index), "must not be empty", "value_error")
        for index, item in enumerate(versions)
        if isinstance(item, str) and not item.strip()
    ]


def _some_change(body: Mapping[str, object]) -> list[Problem]:
    """modify-organization: a body that sets nothing changes nothing (None leaves a field)."""
    if body:
        return []
    return [
        Problem(("body",), "must set at least one field (None leaves it unchanged)", "value_error")
    ]


_ENTRY_STATES = ("new_user_initial_state", "returning_user_initial_state", "terminal_state")


def _state_machine(body: Mapping[str, object]) -> list[Problem]:
    """A state machine version: unique state names, entry and terminal states that name
    one of its action states, a recall state with exactly one of its two sources."""
    states = body.get("states")
    if not isinstance(states, list):
        return []
    if not states:
        return [Problem(("body", "states"), "must hold at least 1 state; got 0", "value_error")]
    problems: list[Problem] = []
    names: set[object] = set()
    actions: set[object] = set()
    for index, state in enumerate(states):
        if not isinstance(state, Mapping):
            continue
        name = state.get("name")
        if name in names:
            problems.append(
                Problem(
                    ("body", "states", index, "name"), f"{short(name)} is used twice", "value_error"
                )
            )
        names.add(name)
        if state.get("type") == "action":
            actions.add(name)
        sources = (state.get("queries"), state.get("requested_information"))
        if state.get("type") == "recall" and (sources[0] is None) == (sources[1] is None):
            message = "must give exactly one of queries and requested_information"
            problems.append(Problem(("body", "states", index), message, "value_error"))
    for field in _ENTRY_STATES:
        value = body.get(field)
        if value not in actions:
            message = f"must name one of this machine's action states; got {short(value)}"
            problems.append(Problem(("body", field), message, "value_error"))
    return problems


def _message_needs_text(body: Mapping[str, object]) -> list[Problem]:
    """create-conversation: the type describes the initial message, so it needs one."""
    if body.get("initial_message_type") is not None and body.get("initial_message") is None:
        return [Problem(("body", "initial_message_type"), "needs initial_message", "value_error")]
    return []


def _count_range(body: Mapping[str, object]) -> list[Problem]:
    """generate-conversation-starter: between min_count and max_count prompts, so a
    range that ends before it starts asks for nothing."""
    low, high = body.get("min_count"), body.get("max_count")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        message = f"must be at least min_count ({low}); got {high}"
        return [Problem(("body", "max_count"), message, "value_error")]
    return []


def _api_key(body: Mapping[str, object]) -> list[Problem]:
    """create-api-key: the key authenticates as a role, so its name cannot be blank; it
    lives 1 to 90 days."""
    problems: list[Problem] = []
    role = body.get("role_name")
    if isinstance(role, str) and not role.strip():
        problems.append(Problem(("body", "role_name"), "must not be empty", "value_error"))
    duration = body.get("duration")
    if isinstance(duration, str):
        problems += _key_duration(duration)
    return problems


def _key_duration(text: str) -> list[Problem]:
    low, high = API_KEY_DURATION
    try:
        duration = parse_iso_duration(text)
    except ValueError:
        return []  # the schema's `format: duration` said so already (a negative one too)
    if low <= duration <= high:
        return []
    message = (
        f"must be between {format_iso_duration(low)} and {format_iso_duration(high)}; "
        f"got {format_iso_duration(duration)}"
    )
    return [Problem(("body", "duration"), message, "value_error")]


def _images(body: Mapping[str, object]) -> list[Problem]:
    """create-organization, modify-organization: each image base64 text of the documented
    kind and size (the schema says only "a string")."""
    problems: list[Problem] = []
    for field in IMAGE_RULES:
        text = body.get(field)
        if not isinstance(text, str):
            continue
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            problems.append(Problem(("body", field), "must be base64 text", "value_error"))
            continue
        message = image_problem(field, data)
        if message is not None:
            problems.append(Problem(("body", field), message, "value_error"))
    return problems


def _organization_change(body: Mapping[str, object]) -> list[Problem]:
    return _some_change(body) + _images(body)


def _envvar_names(body: Mapping[str, object]) -> list[Problem]:
    """test-tool: the environment a build needs, by variable name: a blank name is none."""
    problems: list[Problem] = []
    for field in ("required_envvars", "required_secret_envvars"):
        values = body.get(field)
        if isinstance(values, Mapping):
            problems += [
                Problem(("body", field, _cut(key)), "is a blank name", "value_error")
                for key in values
                if isinstance(key, str) and not key.strip()
            ]
    return problems


def _external_events(body: Mapping[str, object]) -> list[Problem]:
    """interact-with-conversation: the i-th content goes with the i-th timestamp."""
    contents = body.get("external_event_message_content")
    stamps = body.get("external_event_message_timestamp")
    contents = contents if isinstance(contents, list) else []
    stamps = stamps if isinstance(stamps, list) else []
    if len(contents) == len(stamps):
        return []
    message = (
        f"must give one timestamp per content: {len(stamps)} timestamp(s) "
        f"for {len(contents)} content(s)"
    )
    return [Problem(("body", "external_event_message_timestamp"), message, "value_error")]


def _blank_message(query: Mapping[str, object], body: Mapping[str, object]) -> list[Problem]:
    """interact: a text message of only whitespace is empty to the server (400); only a
    skip sends an empty one."""
    text = body.get("recorded_message")
    if query.get("request_format") != "text" or body.get("initial_message_type") == "skip":
        return []
    if isinstance(text, str) and text and not text.strip():
        return [Problem(("body", "recorded_message"), "must not be blank", "value_error")]
    return []


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


_BODY_RULES: dict[str, Callable[[Mapping[str, object]], list[Problem]]] = {
    "create-api-key": _api_key,
    "create-organization": _images,
    "interact-with-conversation": _external_events,
    "test-tool": _envvar_names,
    "generate-conversation-starter": _count_range,
    "create-conversation": _message_needs_text,
    "modify-tags-of-conversation": _tag_change,
    "modify-tool-envvars": _some_envvar_change,
    "modify-organization": _organization_change,
    "create-service-hierarchical-state-machine-version": _state_machine,
}


def _blank(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


def _nul(text: str) -> str | None:
    return "must not contain NUL" if "\x00" in text else None


def _texts(
    problems: list[Problem],
    loc: tuple[str | int, ...],
    value: object,
    rule: Callable[[str], str | None],
) -> None:
    """`rule` on a text, or on each text of a list (a wrong kind is the schema's to name)."""
    items = enumerate(value) if isinstance(value, list) else [(None, value)]
    for index, item in items:
        message = rule(item) if isinstance(item, str) else None
        if message is not None:
            where = loc if index is None else (*loc, index)
            problems.append(Problem(where, message, "value_error"))


def _each(
    problems: list[Problem], name: str, value: object, rule: Callable[[object], str | None]
) -> None:
    if isinstance(value, Sequence) and not isinstance(value, str):
        for index, item in enumerate(value):
            message = rule(item)
            if message is not None:
                problems.append(Problem(("query", name, index), message, "value_error"))
        return
    message = rule(value)
    if message is not None:
        problems.append(Problem(("query", name), message, "value_error"))


def _sort_field(fields: tuple[str, ...]) -> Callable[[object], str | None]:
    def rule(item: object) -> str | None:
        text = str(item)
        field = text[1:] if text[:1] in ("+", "-") else text
        if field in fields:
            return None
        choices = ", ".join(repr(f) for f in sorted(fields))
        return f"must be one of {choices} (optionally after + or -); got {short(item)}"

    return rule


def _pattern(pattern: re.Pattern[str], what: str) -> Callable[[object], str | None]:
    def rule(item: object) -> str | None:
        if isinstance(item, str) and pattern.fullmatch(item):
            return None
        return f"must {what}; got {short(item)}"

    return rule
