"""Tool data of the fake server: tools, versions, env vars, invocations, the repo, the scaffold.

Seeded and deterministic. Records are kept as JSON-ready dicts in the shapes the
documents give (the organization id is added when a record is served). The
invocation list is generated on first use, `invocation_count` long, so a test
that never lists invocations pays nothing and a benchmark can ask for 10,000.
"""

from __future__ import annotations

import gzip
import io
import random
import re
import tarfile
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ._common import object_id

__all__ = ["RepoData", "ToolData", "VersionConstraint", "parse_version"]

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


def _clause_matches(operator: str, text: str, version: tuple[int, int, int]) -> bool:
    if text.endswith(".*"):
        prefix = tuple(int(p) for p in text[:-2].split("."))
        same = version[: len(prefix)] == prefix
        return same if operator == "==" else not same
    target = parse_version(text)
    assert target is not None
    if operator == "~=":
        given = len(text.split("."))
        prefix = target[: max(1, given - 1)]
        return version >= target and version[: len(prefix)] == prefix
    return {
        "==": version == target,
        "===": version == target,
        "!=": version != target,
        "<": version < target,
        "<=": version <= target,
        ">": version > target,
        ">=": version >= target,
    }[operator]


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
    _invocations: list[dict[str, Any]] | None = None
    _generated_for: int = -1

    @classmethod
    def seeded(cls, rng: random.Random) -> ToolData:
        user_id = object_id(rng)
        tools: list[dict[str, Any]] = []
        versions: dict[str, list[dict[str, Any]]] = {}
        envvars: dict[str, dict[str, tuple[str, bool]]] = {}
        for index, (name, description, tags, version_count, deprecated) in enumerate(_TOOLS):
            tool_id = object_id(rng)
            names = {"API_KEY": ("key-" + str(index), True), "REGION": ("us", False)}
            envvars[tool_id] = names if version_count else {}
            tools.append(
                {
                    "id": tool_id,
                    "created_at": _at(index * 1440),
                    "updated_at": _at(index * 1440 + 5),
                    "name": name,
                    "description": description,
                    "deprecated": deprecated,
                    "tags": [{"key": k, "value": v} for k, v in tags.items()],
                    "creator": {"org_id": "", "user_id": user_id},
                    "updated_by": {"org_id": "", "user_id": user_id},
                }
            )
            versions[tool_id] = [
                _version_record(rng, tool_id, (1, minor, 0), user_id, deprecated or minor == 0)
                for minor in range(version_count)
            ]
        data = cls(
            seed=rng.getrandbits(64),
            user_id=user_id,
            tools=tools,
            versions=versions,
            envvars=envvars,
            deleted_envvars={tool["id"]: set() for tool in tools},
            repo=RepoData.seeded(rng, user_id),
            scaffold=_scaffold_archive(rng),
        )
        for tool in tools:
            data.refresh_envvar_lists(tool["id"])
        return data

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
        """`invocation_count` invocations, oldest first (regenerated when the count changes)."""
        if self._invocations is None or self._generated_for != self.invocation_count:
            self._invocations = self._generate_invocations(self.invocation_count)
            self._generated_for = self.invocation_count
        return self._invocations

    def _generate_invocations(self, count: int) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}:invocations")
        published = [(tool_id, v) for tool_id, vs in self.versions.items() for v in vs]
        conversations = [object_id(rng) for _ in range(20)]
        runs = [object_id(rng) for _ in range(5)]
        machine = object_id(rng)
        return [
            _invocation(rng, index, published, conversations, runs, machine, self.user_id)
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
    conversations: list[str],
    runs: list[str],
    machine: str,
    user_id: str,
) -> dict[str, Any]:
    tool_id, version = published[index % len(published)]
    if rng.random() < 0.8:
        status: dict[str, Any] = {"succeeded": True, "output": f"result {index}: ok"}
    else:
        kind, message = rng.choice(_ERRORS)
        status = {
            "succeeded": False,
            "exception_message": message,
            "exception_type": kind,
            "exception_stack_trace": ["Traceback (most recent call last):", f"{kind}: {message}"],
        }
    source: dict[str, Any]
    if rng.random() < 0.7:
        source = {
            "type": "regular-conversation",
            "user_id": user_id,
            "conversation_id": rng.choice(conversations),
            "interaction_id": object_id(rng),
            "invocation_metadata": _metadata(rng, machine),
        }
    else:
        source = {
            "type": "simulation-conversation",
            "simulation_unit_test_set_run_id": rng.choice(runs),
            "unit_test_id": object_id(rng),
            "run_index": rng.randint(0, 4),
            "invocation_metadata": _metadata(rng, machine),
        }
    when = _at(20_000 + index)
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
