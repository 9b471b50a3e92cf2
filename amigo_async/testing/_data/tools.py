"""Tool data of the fake server: tools, versions, env vars, invocations, the repo, the scaffold.

Seeded and deterministic. Records are kept as JSON-ready dicts in the shapes the
documents give (the organization id is added when a record is served). The
invocation list is generated on first use, `invocation_count` long, so a test
that never lists invocations pays nothing and a benchmark can ask for 10,000.
`add_tools_with_invocations` adds published tools with an exact number of
invocations each (versions, failures, durations), for scans and their demo.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import operator
import random
import re
import tarfile
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ._common import object_id

__all__ = [
    "INLINE_FILE_LIMIT",
    "RepoData",
    "ToolData",
    "VersionConstraint",
    "failed_status",
    "parse_version",
]

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
INLINE_FILE_LIMIT = 64 * 1024  # get-tool-repo-files leaves `content` null above this size

_TOOLS: tuple[tuple[str, str, dict[str, str | None], int, bool], ...] = (
    # name, description, tags, number of versions, deprecated
    (
        "weather_lookup",
        "Looks up the weather for a city.",
        {"team": "core", "stage": "ga"},
        3,
        False,
    ),
    ("calculator", "Evaluates arithmetic expressions.", {"team": "core"}, 3, False),
    ("crm_sync", "Syncs contacts with the CRM.", {"team": "sales", "pii": None}, 2, False),
    ("ticket_router", "Routes support tickets.", {"team": "support"}, 1, False),
    ("legacy_search", "The old search tool.", {"team": "core", "stage": "old"}, 2, True),
    ("draft_tool", "Not published yet.", {}, 0, False),
)
_ERRORS = (
    ("TimeoutError", "upstream timed out after 30s"),
    ("ValueError", "city must not be empty"),
    ("KeyError", "missing key 'amount'"),
    ("ConnectionError", "CRM refused the connection"),
)
_BUSY_TOOL_STEMS = (
    "order_status",
    "refund_request",
    "address_check",
    "inventory_lookup",
    "appointment_booking",
    "payment_link",
    "shipping_quote",
    "loyalty_points",
)
_BUSY_ERRORS = (
    ("TimeoutError", "upstream timed out after 30s"),
    ("ValueError", "order id must be numeric"),
    ("KeyError", "missing key 'customer_id'"),
    ("ConnectionError", "backend refused the connection"),
    ("PermissionError", "the API key lacks the orders:read scope"),
    ("HTTPError", "502 Bad Gateway from upstream"),
)
_TIMEOUT_MS = 30_000


def _at(minutes: float) -> str:
    return (_EPOCH + timedelta(minutes=minutes)).isoformat()


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


# -- versions and constraints -----------------------------------------------------

_VERSION = re.compile(r"^\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$")
_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([0-9.*]+)\s*$")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """`1`, `1.2` or `1.2.3` as a padded triple; None if it is not a plain version."""
    match = _VERSION.match(text)
    if match is None:
        return None
    return tuple(int(part or 0) for part in match.groups())  # type: ignore[return-value]


@attrs.frozen
class VersionConstraint:
    """A small subset of the Python packaging specifiers, enough for the fake server:
    comma-separated clauses with ``== != < <= > >= ~= ===`` and ``==1.*`` wildcards."""

    clauses: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> VersionConstraint:
        clauses = []
        for part in text.split(","):
            match = _CLAUSE.match(part)
            if match is None:
                raise ValueError(f"invalid version specifier {text!r}")
            operator, version = match.groups()
            wildcard = version.endswith(".*")
            plain = version[:-2] if wildcard else version
            if parse_version(plain) is None or (wildcard and operator not in ("==", "!=")):
                raise ValueError(f"invalid version specifier {text!r}")
            clauses.append((operator, version))
        return cls(tuple(clauses))

    def matches(self, version: tuple[int, int, int]) -> bool:
        return all(_clause_matches(op, text, version) for op, text in self.clauses)


def _clause_matches(comparison: str, text: str, version: tuple[int, int, int]) -> bool:
    if text.endswith(".*"):
        prefix = tuple(int(p) for p in text[:-2].split("."))
        same = version[: len(prefix)] == prefix
        return same if comparison == "==" else not same
    target = parse_version(text)
    assert target is not None
    if comparison == "~=":
        prefix = target[: max(1, len(text.split(".")) - 1)]
        return version >= target and version[: len(prefix)] == prefix
    return bool(_COMPARISONS[comparison](version, target))


_COMPARISONS = {
    "==": operator.eq,
    "===": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


# -- the repo -----------------------------------------------------------------------


@attrs.define
class RepoData:
    """A small tool repository: files (the same at every ref), a linear history, branches."""

    files: dict[str, bytes]
    commits: list[dict[str, Any]]  # newest first; each with its changed files
    branches: dict[str, int]  # branch name -> index of its tip in `commits`

    @classmethod
    def seeded(cls, rng: random.Random, user_id: str) -> RepoData:
        files = {
            "README.md": b"# Tools\n\nEvery tool lives under tools/.\n",
            "tools/weather/pyproject.toml": b'[project]\nname = "weather_lookup"\n',
            "tools/weather/src/weather/__init__.py": b"def run(city):\n    return city\n",
            "tools/calculator/pyproject.toml": b'[project]\nname = "calculator"\n',
            "tools/calculator/calc.py": b"def run(expression):\n    return expression\n",
            "docs/notes with spaces.md": b"spaces in a name\n",
            "docs/what?.md": b"a question mark in a name\n",
            "docs/#1 hash.md": b"a hash in a name\n",
            "docs/50%.md": b"a percent sign in a name\n",
            "data/large.bin": rng.randbytes(INLINE_FILE_LIMIT * 3),
        }
        paths = sorted(files)
        commits = []
        for index in range(30):
            changed = sorted(rng.sample(paths, k=1 + index % 3))
            commits.append(
                {
                    "commit_sha": _sha(rng),
                    "commit_message": f"Change {30 - index}: update {changed[0]}",
                    "commit_timestamp": _at(60 * (30 - index)),
                    "committer": None if index % 7 == 6 else {"org_id": "", "user_id": user_id},
                    "changed_files": [
                        {
                            "path": path,
                            "change_type": "modified",
                            "additions": rng.randint(1, 40),
                            "deletions": rng.randint(0, 10),
                        }
                        for path in changed
                    ],
                }
            )
        branches = {"main": 0, "dev": 2, "feature/new-tool": 1, "release/1.0": 10, "hotfix": 5}
        return cls(files=files, commits=commits, branches=branches)

    def resolve(self, ref: str) -> int | None:
        """The index in `commits` a branch name or a commit SHA points at."""
        if ref in self.branches:
            return self.branches[ref]
        for index, commit in enumerate(self.commits):
            if commit["commit_sha"] == ref:
                return index
        return None

    def directories(self) -> set[str]:
        found = {""}
        for path in self.files:
            parts = path.split("/")[:-1]
            found.update("/".join(parts[: i + 1]) for i in range(len(parts)))
        return found


def _scaffold_archive(rng: random.Random) -> bytes:
    """A small, deterministic tar.gz spanning several stream chunks."""
    members = {
        "amigo_tool_scaffold/pyproject.toml": b'[project]\nname = "my_tool"\nversion = "0.0.0"\n',
        "amigo_tool_scaffold/README.md": b"# Amigo tool scaffold\n",
        "amigo_tool_scaffold/src/my_tool/__init__.py": b"def run(**inputs):\n    return inputs\n",
        "amigo_tool_scaffold/assets/noise.bin": rng.randbytes(48 * 1024),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(_EPOCH.timestamp())
            archive.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


# -- tools and invocations ----------------------------------------------------------


@attrs.define
class ToolData:
    seed: int
    user_id: str
    tools: list[dict[str, Any]]
    versions: dict[str, list[dict[str, Any]]]  # tool id -> its versions, oldest first
    envvars: dict[str, dict[str, tuple[str, bool]]]  # tool id -> name -> (value, is secret)
    deleted_envvars: dict[str, set[str]]
    repo: RepoData
    scaffold: bytes
    invocation_count: int = 250
    added_invocations: list[dict[str, Any]] = attrs.field(factory=list)  # oldest first
    # The command-line fake: generated invocations end at this time (a minute apart), so a
    # scan `--since 7d` finds them; tests keep the fixed 2024 dates.
    invocations_end: datetime | None = None
    _added_tools: set[str] = attrs.field(factory=set)
    _invocations: list[dict[str, Any]] | None = None
    _by_tool: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)
    _generated_for: tuple[int, int] = (-1, -1)
    _query_results: dict[Any, list[dict[str, Any]]] = attrs.field(factory=dict)
    _encoded: dict[str, bytes] = attrs.field(factory=dict)

    @classmethod
    def seeded(cls, rng: random.Random) -> ToolData:
        user_id = object_id(rng)
        versions: dict[str, list[dict[str, Any]]] = {}
        for _, _, _, count, deprecated in _TOOLS:
            tool_id = object_id(rng)
            versions[tool_id] = [
                _version_record(rng, tool_id, (1, minor, 0), user_id, deprecated or minor == 0)
                for minor in range(count)
            ]
        seed = rng.getrandbits(64)
        repo = RepoData.seeded(rng, user_id)
        data = cls(seed, user_id, [], {}, {}, {}, repo, _scaffold_archive(rng))
        for index, (name, description, tags, count, deprecated) in enumerate(_TOOLS):
            tool_id = list(versions)[index]
            names = {"API_KEY": ("key-" + str(index), True), "REGION": ("us", False)}
            data.add_tool(tool_id, name, description, tags, deprecated=deprecated)
            data.versions[tool_id] = versions[tool_id]
            data.envvars[tool_id] = names if count else {}
            data.refresh_envvar_lists(tool_id)
        return data

    def add_tool(
        self,
        tool_id: str,
        name: str,
        description: str,
        tags: dict[str, str | None],
        *,
        deprecated: bool = False,
        created: str | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """A new tool without versions or variables (seeded ones get dated by their index)."""
        index = len(self.tools)
        user = {"org_id": "", "user_id": self.user_id if user_id is None else user_id}
        record = {
            "id": tool_id,
            "created_at": created or _at(index * 1440),
            "updated_at": created or _at(index * 1440 + 5),
            "name": name,
            "description": description,
            "deprecated": deprecated,
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
            "creator": user,
            "updated_by": dict(user),
        }
        self.tools.append(record)
        self.versions[tool_id], self.envvars[tool_id] = [], {}
        self.deleted_envvars[tool_id] = set()
        self.refresh_envvar_lists(tool_id)
        return record

    def tool(self, tool_id: str) -> dict[str, Any] | None:
        return next((tool for tool in self.tools if tool["id"] == tool_id), None)

    def refresh_envvar_lists(self, tool_id: str) -> None:
        tool = self.tool(tool_id)
        assert tool is not None
        variables = self.envvars[tool_id]
        tool["envvars"] = sorted(n for n, (_, secret) in variables.items() if not secret)
        tool["secret_envvars"] = sorted(n for n, (_, secret) in variables.items() if secret)

    def new_tool_id(self) -> str:
        return object_id(random.Random(f"{self.seed}:tool:{len(self.tools)}"))

    def new_version(
        self, tool_id: str, version: tuple[int, int, int], project_directory: str, user_id: str
    ) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:version:{tool_id}:{version}")
        record = _version_record(rng, tool_id, version, user_id, False)
        record["project_directory"] = project_directory
        self.versions[tool_id].append(record)
        return record

    @property
    def invocations(self) -> list[dict[str, Any]]:
        """`invocation_count` generated invocations, oldest first, then the added ones
        (regenerated when either count changes)."""
        key = (self.invocation_count, len(self.added_invocations))
        if self._invocations is None or self._generated_for != key:
            self._invocations = (
                self._generate_invocations(self.invocation_count) + self.added_invocations
            )
            self._by_tool = {}
            for invocation in self._invocations:
                self._by_tool.setdefault(invocation["tool_id"], []).append(invocation)
            self._generated_for = key
            self._query_results = {}
        return self._invocations

    def query_results(self) -> dict[Any, list[dict[str, Any]]]:
        """Results of earlier invocation queries, kept until the invocations change.

        A scan asks for the same filtered, sorted list once per page; keeping it
        makes a page cost the fake a slice instead of a filter and a sort.
        """
        self.invocations  # noqa: B018  (regenerates, and forgets results, if counts changed)
        return self._query_results

    def encoded(self, invocation: dict[str, Any], organization: str) -> bytes:
        """An invocation as served (JSON), encoded once."""
        data = self._encoded.get(invocation["id"])
        if data is None:
            served = {**invocation, "org_id": organization}
            data = self._encoded[invocation["id"]] = json.dumps(
                served, separators=(",", ":")
            ).encode()
        return data

    def invocations_of(self, tool_ids: list[str]) -> list[dict[str, Any]]:
        """The invocations of these tools (all when none), in list order; one tool is an
        index lookup, so scanning one tool among many thousands stays cheap."""
        everything = self.invocations
        wanted = set(tool_ids)
        if not wanted:
            return everything
        if len(wanted) == 1:
            return self._by_tool.get(next(iter(wanted)), [])
        return [invocation for invocation in everything if invocation["tool_id"] in wanted]

    def add_tools_with_invocations(
        self,
        count: int,
        *,
        invocations_per_tool: int,
        end: datetime | None = None,
        span: timedelta = timedelta(days=30),
    ) -> list[str]:
        """Add `count` published tools with exactly `invocations_per_tool` invocations each.

        Each tool has 1-3 versions rolled out in turn over `span` up to `end`; every
        other tool's newest version is a regression (about a third fails), the rest
        fail 1-8% of the time with the tool's own exception types; timeouts last 30 s,
        other durations are log-normal around the tool's median. Returns the new ids.
        """
        rng = random.Random(f"{self.seed}:busy-tools:{len(self.tools)}")
        end = end if end is not None else _EPOCH + timedelta(days=90)
        shared = _Shared.drawn(rng, self.user_id)
        added: list[str] = []
        for number in range(count):
            index = len(self.tools)
            tool_id = object_id(rng)
            stem = _BUSY_TOOL_STEMS[index % len(_BUSY_TOOL_STEMS)]
            description = f"Demo tool {stem.replace('_', ' ')}."
            self.add_tool(tool_id, f"{stem}_{index}", description, {"team": "demo"})
            self.versions[tool_id] = [
                _version_record(rng, tool_id, version, self.user_id, False)
                for version in ((1, 0, 0), (1, 1, 0), (2, 0, 0))[: 1 + number % 3]
            ]
            self._added_tools.add(tool_id)
            self.added_invocations.extend(
                _busy_invocations(
                    rng, tool_id, self.versions[tool_id], number, invocations_per_tool,
                    end, span, shared,
                )
            )  # fmt: skip
            added.append(tool_id)
        self.added_invocations.sort(key=lambda invocation: invocation["created_at"])
        return added

    def _generate_invocations(self, count: int) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}:invocations")
        published = [
            (tool_id, v)
            for tool_id, vs in self.versions.items()
            if tool_id not in self._added_tools
            for v in vs
        ]
        shared = _Shared.drawn(rng, self.user_id)
        first = (
            _EPOCH + timedelta(minutes=20_000)
            if self.invocations_end is None
            else self.invocations_end - timedelta(minutes=count - 1)
        )  # a minute apart
        return [
            _invocation(rng, index, published, shared, first + timedelta(minutes=index))
            for index in range(count)
        ]


def _version_record(
    rng: random.Random,
    tool_id: str,
    version: tuple[int, int, int],
    user_id: str,
    deprecated: bool,
) -> dict[str, Any]:
    major, minor, patch = version
    return {
        "id": object_id(rng),
        "created_at": _at(10_000 + 100 * minor + patch),
        "updated_at": _at(10_000 + 100 * minor + patch),
        "tool_id": tool_id,
        "version": {"major": major, "minor": minor, "patch": patch},
        "required_envvars": ["REGION"],
        "required_secret_envvars": ["API_KEY"],
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
        "tool_commit_hash": _sha(rng),
        "amigo_scaffold_commit_hash": _sha(rng),
        "project_directory": "tools/weather",
        "lambda_version": 1 + minor,
        "creator": {"user_id": user_id, "user_org_id": ""},
        "updated_by": {"user_id": user_id, "user_org_id": ""},
        "deprecated": deprecated,
    }


def _metadata(rng: random.Random, machine: str) -> dict[str, Any]:
    kind = rng.choice(("state-transition", "engage-user", "tool-call-state"))
    metadata: dict[str, Any] = {
        "type": kind,
        "current_state_machine_and_version": [machine, rng.randint(1, 4)],
    }
    if kind != "engage-user":
        metadata["state_name"] = rng.choice(("greeting", "triage", "checkout"))
    if kind == "state-transition":
        metadata["state_transition_index"] = rng.randint(1, 9)
    if kind != "tool-call-state":
        metadata["tool_call_round_index"] = rng.randint(0, 3)
    return metadata


def _invocation(
    rng: random.Random,
    index: int,
    published: list[tuple[str, dict[str, Any]]],
    shared: _Shared,
    created: datetime,
) -> dict[str, Any]:
    tool_id, version = published[index % len(published)]
    if rng.random() < 0.8:
        status: dict[str, Any] = {"succeeded": True, "output": f"result {index}: ok"}
    else:
        status = failed_status(*rng.choice(_ERRORS))
    source = _source(rng, rng.random() < 0.7, shared)
    when = created.isoformat()
    return {
        "id": object_id(rng),
        "created_at": when,
        "updated_at": when,
        "invocation_status": status,
        "invocation_source": source,
        "duration_ms": rng.randint(5, 3000),
        "tool_id": tool_id,
        "tool_version": dict(version["version"]),
        "inputs": {"city": rng.choice(("Paris", "Lima", "Oslo")), "n": index},
    }


@attrs.frozen
class _Shared:
    """What the invocations of one generation share: conversations, runs, a state machine."""

    conversations: list[str]
    runs: list[str]
    machine: str
    user_id: str

    @classmethod
    def drawn(cls, rng: random.Random, user_id: str) -> _Shared:
        conversations = [object_id(rng) for _ in range(20)]
        runs = [object_id(rng) for _ in range(5)]
        return cls(conversations, runs, object_id(rng), user_id)


def failed_status(kind: str, message: str) -> dict[str, Any]:
    return {
        "succeeded": False,
        "exception_message": message,
        "exception_type": kind,
        "exception_stack_trace": ["Traceback (most recent call last):", f"{kind}: {message}"],
    }


def _source(rng: random.Random, regular: bool, shared: _Shared) -> dict[str, Any]:
    if regular:
        return {
            "type": "regular-conversation",
            "user_id": shared.user_id,
            "conversation_id": rng.choice(shared.conversations),
            "interaction_id": object_id(rng),
            "invocation_metadata": _metadata(rng, shared.machine),
        }
    return {
        "type": "simulation-conversation",
        "simulation_unit_test_set_run_id": rng.choice(shared.runs),
        "unit_test_id": object_id(rng),
        "run_index": rng.randint(0, 4),
        "invocation_metadata": _metadata(rng, shared.machine),
    }


def _busy_invocations(
    rng: random.Random,
    tool_id: str,
    versions: list[dict[str, Any]],
    number: int,
    count: int,
    end: datetime,
    span: timedelta,
    shared: _Shared,
) -> list[dict[str, Any]]:
    """One added tool's invocations, oldest first: see `ToolData.add_tools_with_invocations`."""
    base_rate = rng.uniform(0.01, 0.08)
    regression = len(versions) > 1 and number % 2 == 1
    median_ms = rng.choice((40, 120, 300, 800))
    errors = rng.sample(_BUSY_ERRORS, 3)
    invocations = []
    for position in range(count):
        version = versions[position * len(versions) // count]
        newest = version is versions[-1]
        if rng.random() < (0.35 if regression and newest else base_rate):
            kind, message = rng.choices(errors, weights=(6, 3, 1))[0]
            status = failed_status(kind, message)
            duration = (
                _TIMEOUT_MS + rng.randint(0, 50) if kind == "TimeoutError" else rng.randint(3, 60)
            )
        else:
            status = {"succeeded": True, "output": f"{tool_id[-4:]} result {position}: ok"}
            duration = max(1, int(rng.lognormvariate(math.log(median_ms), 0.6)))
        when = (end - span * (1 - (position + rng.random()) / count)).isoformat()
        invocations.append(
            {
                "id": object_id(rng),
                "created_at": when,
                "updated_at": when,
                "invocation_status": status,
                "invocation_source": _source(rng, rng.random() < 0.75, shared),
                "duration_ms": duration,
                "tool_id": tool_id,
                "tool_version": dict(version["version"]),
                "inputs": {"order_id": str(rng.randint(10_000, 99_999))},
            }
        )
    return invocations
