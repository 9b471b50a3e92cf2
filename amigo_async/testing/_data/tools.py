"""Tool data of the fake server: tools, versions, env vars, invocations, the repo, the scaffold.

Seeded and deterministic. Records are kept as JSON-ready dicts in the shapes the
documents give (the organization id is added when a record is served). The
invocation list is generated on first use, `invocation_count` long, so a test
that never lists invocations pays nothing and a benchmark can ask for 10,000.
`add_tools_with_invocations` adds published tools with an exact number of
invocations each (versions, failures, durations), for scans and their demo.
Invocations are built by hand around a few sources sampled from the models, not
each sampled whole: a benchmark makes hundreds of thousands of them.
"""

from __future__ import annotations

import gzip
import io
import math
import operator
import random
import re
import tarfile
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import attrs

from ...models.tool_repo import RepoChangedFile
from ...models.tools import (
    RegularConversationInvocationSource,
    SimulationConversationInvocationSource,
    ToolVersion,
)
from .._samples import sample
from ._common import object_id

__all__ = [
    "INLINE_FILE_LIMIT",
    "RepoData",
    "ToolData",
    "VersionConstraint",
    "failed_status",
]

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
INLINE_FILE_LIMIT = 64 * 1024  # get-tool-repo-files leaves `content` null above this size

_TOOLS: tuple[tuple[str, str, dict[str, str | None], int, bool], ...] = (
    # name, description, tags, number of versions, deprecated
    ("weather_lookup", "Looks up the weather.", {"team": "core", "stage": "ga"}, 3, False),
    ("calculator", "Evaluates arithmetic expressions.", {"team": "core"}, 3, False),
    ("crm_sync", "Syncs contacts with the CRM.", {"team": "sales", "pii": None}, 2, False),
    ("ticket_router", "Routes support tickets.", {"team": "support"}, 1, False),
    ("legacy_search", "The old search tool.", {"team": "core", "stage": "old"}, 2, True),
    ("draft_tool", "Not published yet.", {}, 0, False),
)
_ERRORS = (  # the seeded invocations fail with the first three, which suit any tool
    ("TimeoutError", "upstream timed out after 30s"),
    ("ValueError", "an input field must not be empty"),
    ("KeyError", "missing key 'id' in the upstream answer"),
    ("ConnectionError", "backend refused the connection"),
    ("PermissionError", "the API key lacks the orders:read scope"),
    ("HTTPError", "502 Bad Gateway from upstream"),
)
_BUSY_TOOL_STEMS = ("order_status", "refund_request", "address_check", "inventory_lookup")
_TIMEOUT_MS = 30_000
_MINUTE = timedelta(minutes=1)


def _at(minutes: float) -> str:
    return (_EPOCH + timedelta(minutes=minutes)).isoformat()


# -- versions and constraints -----------------------------------------------------

_CLAUSE = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)?\s*(\d+(?:\.\d+){0,2})(\.\*)?\s*$")
_COMPARISONS = {
    "==": operator.eq,
    "===": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

Triple = tuple[int, int, int]


@attrs.frozen
class VersionConstraint:
    """A small subset of the Python packaging specifiers, enough for the fake server:
    comma-separated clauses with ``== != < <= > >= ~= ===`` and ``==1.*`` wildcards."""

    # (operator, the version padded, how many of its parts were written, a wildcard)
    clauses: tuple[tuple[str, Triple, int, bool], ...]

    @classmethod
    def parse(cls, text: str, *, exact: bool = False) -> VersionConstraint:
        """The constraint `text` states; with `exact`, a bare ``1.2`` stands for ``==1.2``."""
        clauses = []
        for part in text.split(","):
            match = _CLAUSE.match(part)
            comparison = match and (match[1] or ("==" if exact else None))
            if not match or not comparison or (match[3] and comparison not in ("==", "!=")):
                raise ValueError(f"invalid version specifier {text!r}")
            parts = [int(number) for number in match[2].split(".")]
            major, minor, patch = (*parts, 0, 0)[:3]
            clauses.append((comparison, (major, minor, patch), len(parts), bool(match[3])))
        return cls(tuple(clauses))

    def matches(self, version: Triple) -> bool:
        return all(_holds(clause, version) for clause in self.clauses)


def _holds(clause: tuple[str, Triple, int, bool], version: Triple) -> bool:
    comparison, target, parts, wildcard = clause
    if wildcard:
        return (version[:parts] == target[:parts]) == (comparison == "==")
    if comparison == "~=":  # compatible: at least the target, the same but for the last part
        kept = max(1, parts - 1)
        return version >= target and version[:kept] == target[:kept]
    return bool(_COMPARISONS[comparison](version, target))


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
        commits = []
        for index in range(30):
            changed = sorted(rng.sample(sorted(files), k=1 + index % 3))
            commits.append(
                {
                    "commit_sha": f"{rng.getrandbits(160):040x}",
                    "commit_message": f"Change {30 - index}: update {changed[0]}",
                    "commit_timestamp": _at(60 * (30 - index)),
                    "committer": None if index % 7 == 6 else {"org_id": "", "user_id": user_id},
                    "changed_files": [
                        sample(RepoChangedFile, rng, path=path, change_type="modified")
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
        shas = [commit["commit_sha"] for commit in self.commits]
        return shas.index(ref) if ref in shas else None


def _scaffold_archive(rng: random.Random) -> bytes:
    """A small, deterministic tar.gz that a client reads in several chunks."""
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
    repo: RepoData
    scaffold: bytes
    tools: list[dict[str, Any]] = attrs.field(factory=list)
    versions: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)  # oldest first
    envvars: dict[str, dict[str, tuple[str, bool]]] = attrs.field(factory=dict)  # (value, secret)
    deleted_envvars: dict[str, set[str]] = attrs.field(factory=dict)  # names not to reuse
    invocation_count: int = 250
    added_invocations: list[dict[str, Any]] = attrs.field(factory=list)  # oldest first
    # The command-line fake: generated invocations end at this time (a minute apart), so a
    # scan `--since 7d` finds them; tests keep the fixed 2024 dates.
    invocations_end: datetime | None = None
    _invocations: list[dict[str, Any]] = attrs.field(factory=list)
    _generated_for: tuple[int, int] = (-1, -1)
    _query_results: dict[Any, list[dict[str, Any]]] = attrs.field(factory=dict)

    @classmethod
    def seeded(cls, rng: random.Random) -> ToolData:
        user_id = object_id(rng)
        tool_ids = [object_id(rng) for _ in _TOOLS]  # the first is the docs' weather_lookup
        data = cls(
            rng.getrandbits(64), user_id, RepoData.seeded(rng, user_id), _scaffold_archive(rng)
        )
        for index, (name, description, tags, count, deprecated) in enumerate(_TOOLS):
            tool_id = tool_ids[index]
            data.add_tool(tool_id, name, description, tags, deprecated=deprecated)
            for minor in range(count):
                data.add_version(rng, tool_id, (1, minor, 0), deprecated=deprecated or minor == 0)
            if count:
                data.envvars[tool_id] = {"API_KEY": (f"key-{index}", True), "REGION": ("us", False)}
                data.refresh_envvar_lists(tool_id)
        return data

    def add_tool(
        self, tool_id: str, name: str, description: str, tags: dict[str, str | None], **fields: Any
    ) -> dict[str, Any]:
        """A new tool without versions or variables, dated by its index unless `fields` say
        when it was made and by whom."""
        index, user = len(self.tools), {"org_id": "", "user_id": self.user_id}
        record = {
            "id": tool_id,
            "created_at": _at(index * 1440),
            "updated_at": _at(index * 1440 + 5),
            "name": name,
            "description": description,
            "deprecated": False,
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
            "creator": user,
            "updated_by": user,
            "envvars": [],
            "secret_envvars": [],
            **fields,
        }
        self.tools.append(record)
        self.versions[tool_id], self.envvars[tool_id] = [], {}
        self.deleted_envvars[tool_id] = set()
        return record

    def tool(self, tool_id: str) -> dict[str, Any] | None:
        return next((tool for tool in self.tools if tool["id"] == tool_id), None)

    def refresh_envvar_lists(self, tool_id: str) -> None:
        """The tool record's lists of variable names, after its variables changed."""
        tool = self.tool(tool_id)
        assert tool is not None
        variables = self.envvars[tool_id]
        tool["envvars"] = sorted(n for n, (_, secret) in variables.items() if not secret)
        tool["secret_envvars"] = sorted(n for n, (_, secret) in variables.items() if secret)

    def new_tool_id(self) -> str:
        return object_id(random.Random(f"{self.seed}:tool:{len(self.tools)}"))

    def add_version(
        self,
        rng: random.Random | None,
        tool_id: str,
        version: Triple,
        *,
        deprecated: bool = False,
        user_id: str | None = None,
        project_directory: str = "tools/weather",
    ) -> dict[str, Any]:
        """A new version, its hashes and other details sampled: without `rng` (published
        through the API) from a generator of its own, so the order of requests never
        changes the data. It requires the two variables the seeded tools have."""
        rng = rng or random.Random(f"{self.seed}:version:{tool_id}:{version}")
        major, minor, patch = version
        when = _at(10_000 + 100 * minor + patch)
        user = {"user_id": self.user_id if user_id is None else user_id, "user_org_id": ""}
        record = sample(
            ToolVersion,
            rng,
            created_at=when,
            updated_at=when,
            tool_id=tool_id,
            version={"major": major, "minor": minor, "patch": patch},
            required_envvars=["REGION"],
            required_secret_envvars=["API_KEY"],
            input_schema={"type": "object", "properties": {"city": {"type": "string"}}},
            project_directory=project_directory,
            creator=user,
            updated_by=user,
            deprecated=deprecated,
            tool_commit_hash=f"{rng.getrandbits(160):040x}",  # a user sees them as git's
            amigo_scaffold_commit_hash=f"{rng.getrandbits(160):040x}",
        )
        self.versions[tool_id].append(record)
        return record

    @property
    def invocations(self) -> list[dict[str, Any]]:
        """`invocation_count` generated invocations, oldest first, then the added ones
        (regenerated when either count changes)."""
        key = (self.invocation_count, len(self.added_invocations))
        if self._generated_for != key:
            self._invocations = self._generated(self.invocation_count) + self.added_invocations
            self._generated_for, self._query_results = key, {}
        return self._invocations

    def query_results(self) -> dict[Any, list[dict[str, Any]]]:
        """Results of earlier invocation queries, kept until the invocations change.

        A scan asks for the same filtered, sorted list once per page; keeping it
        makes a page cost the fake a slice instead of a filter and a sort.
        """
        self.invocations  # noqa: B018  (regenerates, and forgets results, if counts changed)
        return self._query_results

    def invocations_of(self, tool_ids: list[str]) -> list[dict[str, Any]]:
        """The invocations of these tools (all when none), in list order."""
        wanted = set(tool_ids)
        return [item for item in self.invocations if not wanted or item["tool_id"] in wanted]

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
        sources = _sources(rng, self.user_id)
        added: list[str] = []
        for number in range(count):
            tool_id = object_id(rng)
            stem = _BUSY_TOOL_STEMS[len(self.tools) % len(_BUSY_TOOL_STEMS)]
            description = f"Demo tool {stem.replace('_', ' ')}."
            self.add_tool(tool_id, f"{stem}_{len(self.tools)}", description, {"team": "demo"})
            for triple in ((1, 0, 0), (1, 1, 0), (2, 0, 0))[: 1 + number % 3]:
                self.add_version(rng, tool_id, triple)
            versions = self.versions[tool_id]
            errors, median = tuple(rng.sample(_ERRORS, 3)), rng.choice((40, 120, 300, 800))
            usual = _Profile(rng.uniform(0.01, 0.08), errors, median)
            regressed = len(versions) > 1 and number % 2 == 1
            newest = usual._replace(failure_rate=0.35) if regressed else usual
            for position in range(invocations_per_tool):
                when = end - span * (1 - (position + rng.random()) / invocations_per_tool)
                version = versions[position * len(versions) // invocations_per_tool]
                profile = newest if version is versions[-1] else usual
                self.added_invocations.append(
                    _invocation(rng, tool_id, version, when, profile, sources)
                )
            added.append(tool_id)
        self.added_invocations.sort(key=lambda invocation: invocation["created_at"])
        return added

    def _generated(self, count: int) -> list[dict[str, Any]]:
        """The seeded tools' invocations, a minute apart, their published versions in turn."""
        rng = random.Random(f"{self.seed}:invocations")
        seeded = [tool["id"] for tool in self.tools[: len(_TOOLS)]]
        published = [(tool_id, version) for tool_id in seeded for version in self.versions[tool_id]]
        sources = _sources(rng, self.user_id)
        end = self.invocations_end or _EPOCH + timedelta(minutes=20_000 + count - 1)
        start, profile = end - (count - 1) * _MINUTE, _Profile(0.2, _ERRORS[:3], 300)
        return [
            _invocation(rng, *published[i % len(published)], start + i * _MINUTE, profile, sources)
            for i in range(count)
        ]


class _Profile(NamedTuple):
    """How a tool's invocations fail and how long they last."""

    failure_rate: float
    errors: tuple[tuple[str, str], ...]  # three (type, message), the first the most common
    median_ms: int


def _sources(rng: random.Random, user_id: str) -> list[dict[str, Any]]:
    """Where one generation's invocations come from, three in four from the user's
    conversations, the rest from simulation runs: a few sampled sources the invocations
    share, as the tool calls of one conversation turn do (sampling each would be slow)."""
    regular = [sample(RegularConversationInvocationSource, rng, user_id=user_id) for _ in range(15)]
    return regular + [sample(SimulationConversationInvocationSource, rng) for _ in range(5)]


def failed_status(kind: str, message: str) -> dict[str, Any]:
    return {
        "succeeded": False,
        "exception_message": message,
        "exception_type": kind,
        "exception_stack_trace": ["Traceback (most recent call last):", f"{kind}: {message}"],
    }


def _invocation(
    rng: random.Random,
    tool_id: str,
    version: dict[str, Any],
    created: datetime,
    profile: _Profile,
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    """One invocation of `version`: timeouts last 30 s, other failures are quick."""
    if rng.random() < profile.failure_rate:
        kind, message = rng.choices(profile.errors, weights=(6, 3, 1))[0]
        status = failed_status(kind, message)
        timeout = kind == "TimeoutError"
        duration = _TIMEOUT_MS + rng.randint(0, 50) if timeout else rng.randint(3, 60)
    else:
        status = {"succeeded": True, "output": f"{tool_id[-4:]} result: ok"}
        duration = max(1, int(rng.lognormvariate(math.log(profile.median_ms), 0.6)))
    when = created.isoformat()
    return {
        "id": object_id(rng),
        "created_at": when,
        "updated_at": when,
        "invocation_status": status,
        "invocation_source": rng.choice(sources),
        "duration_ms": duration,
        "tool_id": tool_id,
        "tool_version": dict(version["version"]),
        "inputs": {"order_id": str(rng.randint(10_000, 99_999))},
    }
