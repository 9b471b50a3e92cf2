"""Bad input to client.organization fails before anything is sent (no rate-limit token spent).

Each case names the parameter its error message must start with; every case also proves the
fake server saw no request at all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import attrs
import pytest
from test_organization import (
    ICO,
    action,
    full_agent_version,
    identity,
    new_organization,
    state_machine_version,
    tool_call_spec,
)

from amigo_async import AmigoClient, errors
from amigo_async.models import (
    ExitCondition,
    NewAgentVersion,
    OrganizationUpdate,
    RecallState,
    ReflectionState,
    UserPreferences,
)
from amigo_async.resources.organization import OrganizationResource
from amigo_async.testing import FakeAmigoServer

ID = "0123456789abcdef01234567"

Case = Callable[[OrganizationResource], Any]


def machine(**changes: Any) -> Case:
    draft = state_machine_version(**changes)
    return lambda org: org.create_state_machine_version(ID, draft)


def start_state(**changes: Any) -> Case:
    return machine(states=[action("start", "end", **changes), action("end")])


def spec(**changes: Any) -> Case:
    return start_state(action_tool_call_specs=[tool_call_spec(**changes)])


def exit_to(next_state: Any) -> Case:
    exits = [ExitCondition(description="Go.", next_state=next_state)]
    return start_state(exit_conditions=exits)


def extra_state(state: Any) -> Case:
    return machine(states=[action("start", "end"), state, action("end")])


def reflection(**changes: Any) -> ReflectionState:
    state = ReflectionState(
        name="think",
        problem="Why?",
        word_limit=50,
        next_state="end",
        audio_filler_triggered_after=1.0,
    )
    return attrs.evolve(state, **changes)


VALUE_ERRORS: dict[str, tuple[Case, str]] = {
    # lists
    "agents limit over the cap of 20": (lambda org: org.list_agents(limit=21), "limit"),
    "agents limit of zero": (lambda org: org.list_agents(limit=0), "limit"),
    "malformed agent id filter": (lambda org: org.list_agents(ids=[ID, "xyz"]), r"id\[1\]"),
    "state machines limit over the cap of 50": (
        lambda org: org.list_state_machines(limit=51),
        "limit",
    ),
    "negative max_items": (lambda org: org.list_agents(max_items=-1), "max_items"),
    "agent versions limit over the cap of 10": (
        lambda org: org.list_agent_versions(ID, limit=11),
        "limit",
    ),
    "malformed agent id": (lambda org: org.list_agent_versions("A" * 24), "agent_id"),
    "version selector word": (lambda org: org.list_agent_versions(ID, version="newest"), "version"),
    "version selector zero": (lambda org: org.list_agent_versions(ID, version=0), "version"),
    "unsupported sort field": (
        lambda org: org.list_agent_versions(ID, sort_by=["-created_at"]),
        r"sort_by\[0\]",
    ),
    "malformed state machine id in versions": (
        lambda org: org.list_state_machine_versions("12345"),
        "service_hierarchical_state_machine_id",
    ),
    # agents
    "empty agent name": (lambda org: org.create_agent("  "), "agent_name"),
    "agent name over 256 characters": (lambda org: org.create_agent("x" * 257), "agent_name"),
    "agent version for a malformed id": (
        lambda org: org.create_agent_version("nope", full_agent_version()),
        "agent_id",
    ),
    "four initials": (
        lambda org: org.create_agent_version(ID, NewAgentVersion(initials="ABCD")),
        "initials",
    ),
    "expected version zero": (
        lambda org: org.create_agent_version(ID, full_agent_version(), version=0),
        "version",
    ),
    "spoken language not ISO 639-3": (
        lambda org: org.create_agent_version(
            ID, NewAgentVersion(identity=attrs.evolve(identity(), default_spoken_language="en"))
        ),
        "identity.default_spoken_language",
    ),
    "empty behavior": (
        lambda org: org.create_agent_version(ID, NewAgentVersion(behaviors=["ok", " "])),
        r"behaviors\[1\]",
    ),
    "delete a malformed agent id": (lambda org: org.delete_agent("ABCDEF" * 4), "agent_id"),
    # state machines
    "state machine version for a malformed id": (
        lambda org: org.create_state_machine_version("x", state_machine_version()),
        "service_hierarchical_state_machine_id",
    ),
    "state name with a space": (
        machine(states=[action("start here", "end"), action("end")]),
        r"states\[0\]\.name",
    ),
    "state name used twice": (
        machine(states=[action("start", "end"), action("end"), action("end")]),
        r"states\[2\]\.name",
    ),
    "no states": (machine(states=[]), "states"),
    "terminal state not an action state": (
        machine(
            terminal_state="think", states=[action("start", "end"), action("end"), reflection()]
        ),
        "terminal_state",
    ),
    "initial state with a bad name": (
        machine(new_user_initial_state="start!"),
        "new_user_initial_state",
    ),
    "next state with a bad name": (
        exit_to("the end"),
        r"states\[0\]\.exit_conditions\[0\]\.next_state",
    ),
    "external next state without a dot": (
        exit_to(("billing", "start")),
        r"states\[0\]\.exit_conditions\[0\]\.next_state\[0\]",
    ),
    "action state without actions": (start_state(actions=[]), r"states\[0\]\.actions"),
    "malformed tool id": (
        spec(tool_id="tool"),
        r"states\[0\]\.action_tool_call_specs\[0\]\.tool_id",
    ),
    "six audio fillers": (
        spec(audio_fillers=["a"] * 6),
        r"states\[0\]\.action_tool_call_specs\[0\]\.audio_fillers",
    ),
    "filler delay of zero": (
        spec(audio_filler_triggered_after=0),
        r"states\[0\]\.action_tool_call_specs\[0\]\.audio_filler_triggered_after",
    ),
    "filler delay over ten seconds": (
        spec(audio_filler_triggered_after=10.5),
        r"states\[0\]\.action_tool_call_specs\[0\]\.audio_filler_triggered_after",
    ),
    "unknown result persistence": (
        spec(result_persistence="forever"),
        r"states\[0\]\.action_tool_call_specs\[0\]\.result_persistence",
    ),
    "recall with queries and requested information": (
        extra_state(
            RecallState(name="recall", next_state="end", queries=["q"], requested_information="i")
        ),
        r"states\[1\]",
    ),
    "recall with neither": (
        extra_state(RecallState(name="recall", next_state="end")),
        r"states\[1\]",
    ),
    "reflection word limit of zero": (
        extra_state(reflection(word_limit=0)),
        r"states\[1\]\.word_limit",
    ),
    "reference to a malformed id": (machine(references={"billing": ("bill", 1)}), "references"),
    "reference with a bad name": (machine(references={"bill ing": (ID, 1)}), "references"),
    "delete a malformed state machine id": (
        lambda org: org.delete_state_machine(""),
        "state_machine_id",
    ),
    # API keys
    "key for 23 hours": (lambda org: org.create_api_key(timedelta(hours=23)), "duration"),
    "key for 91 days": (lambda org: org.create_api_key(timedelta(days=91)), "duration"),
    "key for P91D": (lambda org: org.create_api_key("P91D"), "duration"),
    "key for a negative time": (lambda org: org.create_api_key(timedelta(days=-5)), "duration"),
    "key duration in words": (lambda org: org.create_api_key("30 days"), "duration"),
    "key with an empty name": (lambda org: org.create_api_key("P1D", name=""), "name"),
    "key with an empty role": (lambda org: org.create_api_key("P1D", role_name=" "), "role_name"),
    "delete an empty key id": (lambda org: org.delete_api_key(""), "api_key_id"),
    # the organization
    "update that changes nothing": (
        lambda org: org.update(OrganizationUpdate()),
        "body must set at least one field",
    ),
    "update with a blank title": (lambda org: org.update(OrganizationUpdate(title=" ")), "title"),
    "update with no user dimensions": (
        lambda org: org.update(OrganizationUpdate(user_dimensions=[])),
        "user_dimensions",
    ),
    "update with a bad preferred language": (
        lambda org: org.update(
            OrganizationUpdate(default_user_preferences=UserPreferences(preferred_language="en"))
        ),
        "default_user_preferences.preferred_language",
    ),
    "team name with capitals": (
        lambda org: org.create(new_organization(azure_devops_team_name="Acme")),
        "azure_devops_team_name",
    ),
    "team name over 20 characters": (
        lambda org: org.create(new_organization(azure_devops_team_name="a" * 21)),
        "azure_devops_team_name",
    ),
    "empty logo": (lambda org: org.create(new_organization(logo=b"")), "logo"),
    "blank onboarding page": (
        lambda org: org.create(new_organization(onboarding_instructions=[""])),
        r"onboarding_instructions\[0\]",
    ),
}

TYPE_ERRORS: dict[str, tuple[Case, str]] = {
    "ids as one string": (lambda org: org.list_agents(ids=ID), r"^id must be a list"),
    "deprecated as text": (lambda org: org.list_agents(deprecated="yes"), "deprecated"),
    "agent version as a dict": (
        lambda org: org.create_agent_version(ID, {"initials": "A"}),
        "agent_version",
    ),
    "dry_run as text": (
        lambda org: org.create_state_machine_version(ID, state_machine_version(), dry_run="yes"),
        "dry_run",
    ),
    "key duration in days as a number": (lambda org: org.create_api_key(30), "duration"),
    "logo as text": (lambda org: org.update(OrganizationUpdate(logo="iVBOR")), "logo"),  # type: ignore[arg-type]
    "update as a dict": (lambda org: org.update({"title": "x"}), "update"),
    "favicon as text": (
        lambda org: org.create(new_organization(favicon=ICO.decode("latin-1"))),
        "favicon",
    ),
}


async def _attempt(case: Case, org: OrganizationResource) -> None:
    result = case(org)
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize("name", sorted(VALUE_ERRORS))
async def test_bad_value_is_refused_before_sending(
    name: str, fake: FakeAmigoServer, client: AmigoClient
) -> None:
    case, parameter = VALUE_ERRORS[name]
    async with fake.client(mongo_cluster="cluster0") as client:
        with pytest.raises(ValueError, match=r"^(body\.)?" + parameter):
            await _attempt(case, client.organization)
    assert fake.requests == []


@pytest.mark.parametrize("name", sorted(TYPE_ERRORS))
async def test_wrong_type_is_refused_before_sending(
    name: str, fake: FakeAmigoServer, client: AmigoClient
) -> None:
    case, parameter = TYPE_ERRORS[name]
    async with fake.client(mongo_cluster="cluster0") as client:
        with pytest.raises(TypeError, match=r"^(body\.)?" + parameter):
            await _attempt(case, client.organization)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("duration", "sent"),
    [
        (timedelta(days=1), "P1D"),
        (timedelta(days=90), "P90D"),
        ("PT36H", "P1DT12H"),
        ("P2W", "P14D"),
    ],
)
async def test_api_key_durations_at_and_inside_the_bounds_are_sent(
    duration: timedelta | str, sent: str, fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.organization.create_api_key(duration)
    assert f'"duration":"{sent}"'.encode() in fake.requests[0].body


async def test_a_key_id_cannot_change_the_url(fake: FakeAmigoServer, client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.organization.delete_api_key("../../agent")
    [request] = fake.requests
    assert request.operation_id == "delete-api-key"
    assert request.raw_path.endswith("/organization/api_key/..%2F..%2Fagent/")
