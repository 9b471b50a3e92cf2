"""Organization data of the fake server: seeded, deterministic, changed by the endpoints.

Enough agents (35) and state machines (57) to page through at the documented caps,
one agent and one state machine with more versions than a versions page holds, a
few API keys and user dimensions. Version contents are samples of the response
models: only names, counts and flags matter to the tests and examples (and a state
machine's graph is one a client can send back). Payloads are stored as the server
would send them, less the organization id, which the routes add (the seed does not
know it).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from ...models.organization import ActionState, AgentVersion, StateMachineVersion
from .._samples import sample
from ._common import PREFERENCE_DEFAULTS, object_id

__all__ = ["MAX_API_KEYS", "OrganizationData", "Versioned"]

_AGENT_COUNT = 35
_STATE_MACHINE_COUNT = 57
_MANY_VERSIONS = 23  # the first agent and the first state machine: three versions pages
_BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
MAX_API_KEYS = 20  # the fake's "maximum API key limit" (the documents give no number)


@attrs.define
class Versioned:
    """An agent or a state machine: its summary fields and its versions, oldest first."""

    id: str
    name: str
    owner_field: str  # names `id` in each version: agent_id, service_..._state_machine_id
    deprecated: bool = False
    in_use: bool = False  # an active service uses it: deleting answers 400
    versions: list[dict[str, Any]] = attrs.field(factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "deprecated": self.deprecated,
            "latest_version": len(self.versions) or None,
        }


@attrs.define
class OrganizationData:
    rng: random.Random
    exists: bool
    profile: dict[str, Any]  # the get-organization answer less org_id
    user_dimensions: list[dict[str, Any]]
    agents: dict[str, Versioned]
    state_machines: dict[str, Versioned]
    api_keys: dict[str, dict[str, Any]]  # key_id -> the get-api-keys entry less org ids
    clock: datetime = _BASE_TIME

    @classmethod
    def seeded(cls, rng: random.Random, role_ids: list[str]) -> OrganizationData:
        """`role_ids`: the role area's administrator and user roles, which the seeded API
        keys hold (so a key's `role_id` is one get-roles lists)."""
        data = cls(
            rng=rng,
            exists=True,
            profile=_profile(),
            user_dimensions=[
                {"description": "Age group", "tags": ["18-30", "31-50", "51+"]},
                {"description": "Plan", "tags": ["free", "premium"]},
                {"description": "Goal", "tags": ["sleep", "fitness", "nutrition"]},
            ],
            agents={},
            state_machines={},
            api_keys={},
        )
        creator = object_id(rng)
        agent_fields = sample(AgentVersion, rng)  # every version of every seeded agent
        machine_body = _state_machine_body(rng)
        for index in range(_AGENT_COUNT):
            agent = data.add(data.agents, f"agent_{index:02d}", "agent_id")
            agent.deprecated, agent.in_use = index % 6 == 5, index % 10 == 3
            for _ in range(_MANY_VERSIONS if index == 0 else index % 4):
                data.add_version(agent, agent_fields, creator)
        for index in range(_STATE_MACHINE_COUNT):
            name = f"state_machine_{index:02d}"
            machine = data.add(data.state_machines, name, "service_hierarchical_state_machine_id")
            machine.deprecated, machine.in_use = index % 7 == 6, index % 10 == 3
            for _ in range(_MANY_VERSIONS if index == 0 else index % 3):
                data.add_version(machine, machine_body, creator)
        for index in range(3):
            role_id = role_ids[index % 2]
            data.add_api_key(f"seeded key {index}", timedelta(days=30), role_id, creator)
        return data

    # -- changes the endpoints make -------------------------------------------------

    def now(self) -> str:
        """A deterministic, always increasing timestamp for new records."""
        self.clock += timedelta(minutes=1 + self.rng.randrange(60))
        return self.clock.isoformat()

    def add(self, records: dict[str, Versioned], name: str, owner_field: str) -> Versioned:
        """A new agent or state machine, without versions, in `records`."""
        record = Versioned(object_id(self.rng), name, owner_field)
        records[record.id] = record
        return record

    def add_version(
        self, record: Versioned, fields: dict[str, Any], creator: str
    ) -> dict[str, Any]:
        """The next version of `record`, made of `fields`."""
        version = {
            **fields,
            "id": object_id(self.rng),
            record.owner_field: record.id,
            "version": len(record.versions) + 1,
            "created_at": self.now(),
            "creator": {"user_id": creator},
        }
        record.versions.append(version)
        return version

    def add_api_key(
        self, name: str | None, duration: timedelta, role_id: str, creator: str
    ) -> dict[str, Any]:
        created = self.now()
        key_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        entry = {
            "_id": object_id(self.rng),
            "name": name,
            "created_at": created,
            "updated_at": created,
            "key_id": key_id,
            "expires_at": (datetime.fromisoformat(created) + duration).isoformat(),
            "creator": {"user_id": creator},
            "role_id": role_id,
        }
        self.api_keys[key_id] = entry
        return entry


def _profile() -> dict[str, Any]:
    return {
        "org_name": "Acme Health",
        "title": "Coaching that fits your day",
        "main_description": "Personal coaching for sleep, food and movement.",
        "sub_description": "Backed by clinicians.",
        "onboarding_instructions": ["# Welcome", "Tell us about your goals."],
        "default_user_preferences": {
            **PREFERENCE_DEFAULTS,
            "preferred_language": "eng",
            "timezone": "UTC",
        },
        "tenant_id": "tenant-acme",
    }


def _state_machine_body(rng: random.Random) -> dict[str, Any]:
    """A sampled version whose graph holds: two action states, ``start`` leading to ``end``."""
    no_tools: dict[str, Any] = {"action_tool_call_specs": [], "exit_condition_tool_call_specs": []}
    end = sample(ActionState, rng, name="end", exit_conditions=[], **no_tools)
    exit_to_end = [{"description": "The goal is known.", "next_state": "end"}]
    start = sample(ActionState, rng, name="start", exit_conditions=exit_to_end, **no_tools)
    return sample(
        StateMachineVersion,
        rng,
        states=[start, end],
        new_user_initial_state="start",
        returning_user_initial_state="start",
        terminal_state="end",
        references={},
    )
