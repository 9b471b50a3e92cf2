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
from ._common import object_id

__all__ = [
    "AGENT_COUNT",
    "MAX_API_KEYS",
    "ROLES",
    "STATE_MACHINE_COUNT",
    "OrganizationData",
    "Versioned",
]

AGENT_COUNT = 35
STATE_MACHINE_COUNT = 57
_MANY_VERSIONS = 23  # the first agent and the first state machine: three versions pages
_BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
ROLES = ("DefaultAdministratorRole", "DefaultUserRole")
MAX_API_KEYS = 20  # the fake's "maximum API key limit" (the documents give no number)


@attrs.define
class Versioned:
    """An agent or a state machine: its summary fields and its versions, oldest first."""

    id: str
    name: str
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
    roles: dict[str, str]  # role name -> role id
    clock: datetime = _BASE_TIME

    @classmethod
    def seeded(cls, rng: random.Random) -> OrganizationData:
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
            roles={name: object_id(rng) for name in ROLES},
        )
        creator = object_id(rng)
        agent_fields = sample(AgentVersion, rng)  # every version of every seeded agent
        machine_body = _state_machine_body(rng)
        for index in range(AGENT_COUNT):
            agent = Versioned(
                object_id(rng),
                f"agent_{index:02d}",
                deprecated=index % 6 == 5,
                in_use=index % 10 == 3,
            )
            count = _MANY_VERSIONS if index == 0 else index % 4
            for number in range(1, count + 1):
                agent.versions.append(data.agent_version(agent.id, number, agent_fields, creator))
            data.agents[agent.id] = agent
        for index in range(STATE_MACHINE_COUNT):
            machine = Versioned(
                object_id(rng),
                f"state_machine_{index:02d}",
                deprecated=index % 7 == 6,
                in_use=index % 10 == 3,
            )
            count = _MANY_VERSIONS if index == 0 else index % 3
            for number in range(1, count + 1):
                machine.versions.append(
                    data.state_machine_version(machine.id, number, machine_body, creator)
                )
            data.state_machines[machine.id] = machine
        for index in range(3):
            data.add_api_key(f"seeded key {index}", timedelta(days=30), ROLES[index % 2], creator)
        return data

    # -- changes the endpoints make -------------------------------------------------

    def now(self) -> str:
        """A deterministic, always increasing timestamp for new records."""
        self.clock += timedelta(minutes=1 + self.rng.randrange(60))
        return self.clock.isoformat()

    def new_id(self) -> str:
        return object_id(self.rng)

    def agent_version(
        self, agent_id: str, number: int, fields: dict[str, Any], creator: str
    ) -> dict[str, Any]:
        return {
            "voice_config": None,
            **fields,
            "id": self.new_id(),
            "agent_id": agent_id,
            "version": number,
            "created_at": self.now(),
            "creator": {"user_id": creator},
        }

    def state_machine_version(
        self, machine_id: str, number: int, body: dict[str, Any], creator: str
    ) -> dict[str, Any]:
        return {
            **body,
            "id": self.new_id(),
            "service_hierarchical_state_machine_id": machine_id,
            "version": number,
            "created_at": self.now(),
            "creator": {"user_id": creator},
        }

    def add_api_key(
        self, name: str | None, duration: timedelta, role: str, creator: str
    ) -> dict[str, Any]:
        created = self.now()
        key_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        entry = {
            "_id": self.new_id(),
            "name": name,
            "created_at": created,
            "updated_at": created,
            "key_id": key_id,
            "expires_at": (datetime.fromisoformat(created) + duration).isoformat(),
            "creator": {"user_id": creator},
            "role_id": self.roles[role],
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
            "enable_response_recommendation": False,
            "preferred_language": "eng",
            "conversations_visible_to_admins": True,
            "user_model_visible_to_admins": True,
            "timezone": "UTC",
            "audio_keyterms": [],
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
