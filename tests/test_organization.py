"""client.organization against the strict fake server, over real HTTP on 127.0.0.1.

One test per behaviour: every method reaches its documented operation, lists page
at the documented caps from the documented first token, request bodies carry only
what was set, and the documented error statuses become the matching errors.
"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import timedelta
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import send_raw
from images import ico, png

from amigo_async import OPERATIONS, AmigoClient, RateLimit, RetryPolicy, errors
from amigo_async.models import (
    ActionState,
    AgentIdentity,
    ExitCondition,
    NewAgentVersion,
    NewOrganization,
    NewStateMachineVersion,
    OrganizationUpdate,
    RelationshipToDeveloper,
    ToolCallSpec,
    UserDimension,
    VoiceConfig,
    unstructure,
)
from amigo_async.testing import FakeAmigoServer, Fault, RecordedRequest

LOGO = png(400, 160)
SQUARE = png(40, 40)
ICO = ico((16, 16), (48, 48))
HEADSHOT = png(292, 400)


def new_organization(**changes: Any) -> NewOrganization:
    organization = NewOrganization(
        org_name="Acme Two",
        title="Better days",
        main_description="Coaching.",
        sub_description="By people.",
        user_dimensions=[UserDimension(description="Plan", tags=["free"])],
        logo=LOGO,
        square_logo=SQUARE,
        favicon=ICO,
        signup_page_headshot=HEADSHOT,
        onboarding_instructions=["Welcome"],
        azure_devops_team_name="acme-two",
    )
    return attrs.evolve(organization, **changes)


def identity() -> AgentIdentity:
    return AgentIdentity(
        name="Amy",
        role="Coach",
        developed_by="Acme",
        default_spoken_language="eng",
        relationship_to_developer=RelationshipToDeveloper(
            ownership="Acme",
            type="assistant",
            conversation_visibility="visible",
            thought_visibility="hidden",
        ),
    )


def full_agent_version(**changes: Any) -> NewAgentVersion:
    version = NewAgentVersion(
        initials="AM",
        identity=identity(),
        background="Coaching for ten years.",
        behaviors=["Ask one question at a time."],
        communication_patterns=["Warm."],
    )
    return attrs.evolve(version, **changes)


def tool_call_spec(**changes: Any) -> ToolCallSpec:
    spec = ToolCallSpec(
        tool_id="a" * 24,
        version_constraint=">=1.0,<2",
        additional_instruction="Look the plan up.",
        audio_filler_triggered_after=2.0,
        result_persistence="ephemeral",
        audio_fillers=["One moment."],
    )
    return attrs.evolve(spec, **changes)


def action(name: str, *exits: str, **changes: Any) -> ActionState:
    state = ActionState(
        name=name,
        objective=f"Do {name}.",
        actions=[f"Act in {name}"],
        exit_conditions=[ExitCondition(description=f"Go to {e}.", next_state=e) for e in exits],
    )
    return attrs.evolve(state, **changes)


def state_machine_version(**changes: Any) -> NewStateMachineVersion:
    version = NewStateMachineVersion(
        description="A two-state flow.",
        states=[action("start", "end", action_tool_call_specs=[tool_call_spec()]), action("end")],
        new_user_initial_state="start",
        returning_user_initial_state="start",
        terminal_state="end",
    )
    return attrs.evolve(version, **changes)


def sent(fake: FakeAmigoServer, operation_id: str) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.operation_id == operation_id]


def query(request: RecordedRequest) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query:
        values.setdefault(key, []).append(value)
    return values


def body(request: RecordedRequest) -> Any:
    return json.loads(request.body)


async def first_agent_id(client: AmigoClient, **filters: Any) -> str:
    async for agent in client.organization.list_agents(**filters):
        return agent.id
    raise AssertionError("no agent")


# -- every operation ------------------------------------------------------------------


async def test_every_organization_operation_has_a_method(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    org = client.organization
    agent = await org.create_agent("coverage")
    await org.create_agent_version(agent.id, full_agent_version())
    await org.list_agent_versions(agent.id).to_list()
    await org.delete_agent(agent.id)
    await org.list_agents(max_items=1).to_list()
    machine = await org.create_state_machine("coverage")
    await org.create_state_machine_version(machine.id, state_machine_version())
    await org.list_state_machine_versions(machine.id).to_list()
    await org.delete_state_machine(machine.id)
    await org.list_state_machines(max_items=1).to_list()
    key = await org.create_api_key(timedelta(days=1))
    await org.list_api_keys()
    await org.delete_api_key(key.api_key_id)
    await org.get_user_dimensions()
    await org.update(OrganizationUpdate(title="Covered"))
    await org.get()
    await org.delete()
    await org.create(new_organization(), mongo_cluster="cluster-1")

    documented = {op.id for op in OPERATIONS.values() if op.area == "organization"}
    assert {r.operation_id for r in fake.requests} == documented
    assert all(r.status < 300 for r in fake.requests)
    for request in fake.requests:
        assert request.method == OPERATIONS[request.operation_id].method


# -- the organization -----------------------------------------------------------------


async def test_get_returns_the_organization(client: AmigoClient) -> None:
    organization = await client.organization.get()
    assert organization.org_id == "acme"
    assert organization.org_name == "Acme Health"
    assert organization.default_user_preferences is not None
    assert organization.default_user_preferences.preferred_language == "eng"


async def test_modify_sends_only_the_fields_that_are_set(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.organization.update(OrganizationUpdate(title="Sleep better"))
    assert body(sent(fake, "modify-organization")[0]) == {"title": "Sleep better"}
    organization = await client.organization.get()
    assert organization.title == "Sleep better"
    assert organization.main_description == "Personal coaching for sleep, food and movement."


async def test_modify_sends_images_base64_encoded(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.organization.update(OrganizationUpdate(logo=LOGO))
    assert body(sent(fake, "modify-organization")[0]) == {"logo": base64.b64encode(LOGO).decode()}


async def test_modify_replaces_the_user_dimensions(client: AmigoClient) -> None:
    dimensions = [UserDimension(description="Shift", tags=["day", "night"])]
    await client.organization.update(OrganizationUpdate(user_dimensions=dimensions))
    assert await client.organization.get_user_dimensions() == dimensions


async def test_user_dimensions_are_listed(client: AmigoClient) -> None:
    dimensions = await client.organization.get_user_dimensions()
    assert [d.description for d in dimensions] == ["Age group", "Plan", "Goal"]
    assert dimensions[1].tags == ["free", "premium"]


async def test_a_deleted_organization_is_not_found(client: AmigoClient) -> None:
    await client.organization.delete()
    with pytest.raises(errors.NotFoundError):
        await client.organization.get()
    with pytest.raises(errors.NotFoundError):
        await client.organization.list_agents().to_list()


async def test_create_makes_the_clients_organization(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.organization.delete()
    created = await client.organization.create(new_organization(), mongo_cluster="cluster-1")
    assert created.org_id == "acme"
    assert (await client.organization.get()).org_name == "Acme Two"
    sent_body = body(sent(fake, "create-organization")[0])
    assert "default_user_preferences" not in sent_body  # unset, so not sent
    assert sent_body["favicon"] == base64.b64encode(ICO).decode()


async def test_creating_an_existing_organization_is_a_conflict(client: AmigoClient) -> None:
    with pytest.raises(errors.ConflictError) as caught:
        await client.organization.create(new_organization(), mongo_cluster="cluster-1")
    assert caught.value.status == 409
    assert caught.value.operation_id == "create-organization"


# -- agents ---------------------------------------------------------------------------


async def test_list_agents_walks_every_agent_in_pages_of_the_cap(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    agents = await client.organization.list_agents().to_list()
    assert len(agents) == 35
    assert len({a.id for a in agents}) == 35
    requests = sent(fake, "get-agents")
    assert [query(r)["continuation_token"] for r in requests] == [["0"], ["20"]]
    assert all(query(r)["limit"] == ["20"] for r in requests)


async def test_list_agents_pages_at_the_given_limit(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    pages = [page async for page in client.organization.list_agents(limit=8).pages()]
    assert [len(p.items) for p in pages] == [8, 8, 8, 8, 3]
    assert pages[-1].is_last


async def test_max_items_stops_after_that_many_agents(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    agents = await client.organization.list_agents(max_items=3).to_list()
    assert len(agents) == 3
    assert [query(r)["limit"] for r in sent(fake, "get-agents")] == [["3"]]


async def test_list_agents_filters_deprecated(fake: FakeAmigoServer, client: AmigoClient) -> None:
    deprecated = await client.organization.list_agents(deprecated=True).to_list()
    assert deprecated
    assert all(a.deprecated for a in deprecated)
    assert query(sent(fake, "get-agents")[0])["deprecated"] == ["true"]


async def test_list_agents_filters_by_ids(fake: FakeAmigoServer, client: AmigoClient) -> None:
    all_agents = await client.organization.list_agents().to_list()
    wanted = [all_agents[4].id, all_agents[9].id]
    chosen = await client.organization.list_agents(ids=[*wanted, wanted[0]]).to_list()
    assert [a.id for a in chosen] == wanted
    assert query(sent(fake, "get-agents")[-1])["id"] == wanted  # repeats dropped


async def test_create_agent_adds_an_agent_without_versions(client: AmigoClient) -> None:
    created = await client.organization.create_agent("night_coach")
    [agent] = await client.organization.list_agents(ids=[created.id]).to_list()
    assert agent.name == "night_coach"
    assert agent.latest_version is None
    assert not agent.deprecated


async def test_a_duplicate_agent_name_is_a_conflict(client: AmigoClient) -> None:
    with pytest.raises(errors.ConflictError):
        await client.organization.create_agent("agent_01")


async def test_the_first_agent_version_needs_every_field(client: AmigoClient) -> None:
    created = await client.organization.create_agent("half_done")
    with pytest.raises(errors.BadRequestError):
        await client.organization.create_agent_version(created.id, NewAgentVersion(initials="HD"))


async def test_a_new_agent_version_sends_only_what_changes(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_agent("growing")
    first = await client.organization.create_agent_version(created.id, full_agent_version())
    second = await client.organization.create_agent_version(
        created.id, NewAgentVersion(background="Now twenty years."), version=2
    )
    assert (first.version, second.version) == (1, 2)
    assert second.created_at.tzinfo is not None
    request = sent(fake, "create-agent-version")[-1]
    assert body(request) == {"background": "Now twenty years."}
    assert query(request) == {"version": ["2"]}
    [latest] = await client.organization.list_agent_versions(created.id, version="latest").to_list()
    assert latest.background == "Now twenty years."
    assert latest.initials == "AM"  # kept from version 1


async def test_agent_version_voice_config_is_sent(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_agent("speaker")
    await client.organization.create_agent_version(
        created.id, full_agent_version(voice_config=VoiceConfig(voice_id="voice-1"))
    )
    assert body(sent(fake, "create-agent-version")[0])["voice_config"] == {"voice_id": "voice-1"}
    [version] = await client.organization.list_agent_versions(created.id).to_list()
    assert version.voice_config is not None
    assert version.voice_config.voice_id == "voice-1"


async def test_an_unexpected_agent_version_number_is_a_conflict(client: AmigoClient) -> None:
    created = await client.organization.create_agent("racing")
    with pytest.raises(errors.ConflictError):
        await client.organization.create_agent_version(created.id, full_agent_version(), version=2)


async def test_delete_agent_deprecates_it(client: AmigoClient) -> None:
    created = await client.organization.create_agent("short_lived")
    await client.organization.delete_agent(created.id)
    [agent] = await client.organization.list_agents(ids=[created.id]).to_list()
    assert agent.deprecated


async def test_deleting_a_deleted_agent_is_a_conflict(client: AmigoClient) -> None:
    agent_id = await first_agent_id(client, deprecated=True)
    with pytest.raises(errors.ConflictError):
        await client.organization.delete_agent(agent_id)


async def test_deleting_an_agent_in_use_is_a_bad_request(client: AmigoClient) -> None:
    agents = await client.organization.list_agents().to_list()
    with pytest.raises(errors.BadRequestError):
        await client.organization.delete_agent(agents[3].id)  # the fake's agent_03 is in use


async def test_an_unknown_agent_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.organization.delete_agent("0" * 24)
    with pytest.raises(errors.NotFoundError):
        await client.organization.list_agent_versions("0" * 24).to_list()


async def test_agent_versions_page_ten_at_a_time(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    agent_id = await first_agent_id(client)  # agent_00 has 23 versions
    versions = await client.organization.list_agent_versions(agent_id).to_list()
    assert [v.version for v in versions] == list(range(1, 24))
    requests = sent(fake, "get-agent-versions")
    assert [query(r)["continuation_token"] for r in requests] == [["0"], ["10"], ["20"]]
    assert all(query(r)["limit"] == ["10"] for r in requests)


async def test_agent_versions_by_range_newest_first(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    agent_id = await first_agent_id(client)
    versions = await client.organization.list_agent_versions(
        agent_id, version="2-5", sort_by=["-version"]
    ).to_list()
    assert [v.version for v in versions] == [5, 4, 3, 2]
    assert query(sent(fake, "get-agent-versions")[0])["sort_by"] == ["-version"]


async def test_agent_version_selector_accepts_a_number(client: AmigoClient) -> None:
    agent_id = await first_agent_id(client)
    [version] = await client.organization.list_agent_versions(agent_id, version=7).to_list()
    assert version.version == 7
    assert version.agent_id == agent_id
    assert version.org_id == "acme"


# -- service hierarchical state machines ----------------------------------------------


async def test_list_state_machines_walks_all_in_pages_of_fifty(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    machines = await client.organization.list_state_machines().to_list()
    assert len(machines) == 57
    requests = sent(fake, "get-service-hierarchical-state-machines")
    assert [query(r)["continuation_token"] for r in requests] == [["0"], ["50"]]
    assert all(query(r)["limit"] == ["50"] for r in requests)


async def test_list_state_machines_filters_deprecated(client: AmigoClient) -> None:
    live = await client.organization.list_state_machines(deprecated=False).to_list()
    assert live
    assert not any(m.deprecated for m in live)


async def test_create_state_machine_and_its_first_version(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_state_machine("triage")
    version = await client.organization.create_state_machine_version(
        created.id, state_machine_version(), version=1
    )
    assert version is not None
    assert version.version == 1
    [stored] = await client.organization.list_state_machine_versions(created.id).to_list()
    assert stored.service_hierarchical_state_machine_id == created.id
    assert [s.name for s in stored.states] == ["start", "end"]
    assert stored.states[0] == state_machine_version().states[0]


async def test_a_dry_run_validates_and_stores_nothing(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_state_machine("rehearsal")
    answer = await client.organization.create_state_machine_version(
        created.id, state_machine_version(), dry_run=True
    )
    assert answer is None
    request = sent(fake, "create-service-hierarchical-state-machine-version")[0]
    assert query(request) == {"dry_run": ["true"]}
    assert await client.organization.list_state_machine_versions(created.id).to_list() == []


async def test_a_fetched_version_can_be_sent_back(client: AmigoClient) -> None:
    machines = await client.organization.list_state_machines(max_items=1).to_list()
    [latest] = await client.organization.list_state_machine_versions(
        machines[0].id, version="latest"
    ).to_list()
    draft = NewStateMachineVersion(
        description=latest.description,
        states=latest.states,
        new_user_initial_state=latest.new_user_initial_state,
        returning_user_initial_state=latest.returning_user_initial_state,
        terminal_state=latest.terminal_state,
        references=latest.references,
        global_action_guidelines=latest.global_action_guidelines,
    )
    created = await client.organization.create_state_machine_version(machines[0].id, draft)
    assert created is not None
    assert created.version == latest.version + 1


async def test_a_state_machine_name_in_use_is_a_conflict(client: AmigoClient) -> None:
    with pytest.raises(errors.ConflictError):
        await client.organization.create_state_machine("state_machine_00")


async def test_an_unexpected_state_machine_version_is_a_conflict(client: AmigoClient) -> None:
    created = await client.organization.create_state_machine("racing")
    with pytest.raises(errors.ConflictError):
        await client.organization.create_state_machine_version(
            created.id, state_machine_version(), version=3
        )


async def test_a_reference_to_a_missing_state_machine_is_a_bad_request(client: AmigoClient) -> None:
    created = await client.organization.create_state_machine("referring")
    draft = state_machine_version(
        states=[action("start", "end"), action("end")],
        references={"billing": ("0" * 24, 1)},
    )
    with pytest.raises(errors.BadRequestError):
        await client.organization.create_state_machine_version(created.id, draft)


async def test_a_state_may_lead_into_a_referenced_machine(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    machines = await client.organization.list_state_machines(max_items=1).to_list()
    created = await client.organization.create_state_machine("composed")
    start = action("start", "end")
    start = attrs.evolve(
        start,
        exit_conditions=[
            *start.exit_conditions,
            ExitCondition(description="Billing.", next_state=("billing.start", "start")),
        ],
    )
    draft = state_machine_version(
        states=[start, action("end")], references={"billing": (machines[0].id, 1)}
    )
    assert await client.organization.create_state_machine_version(created.id, draft) is not None
    sent_body = body(sent(fake, "create-service-hierarchical-state-machine-version")[0])
    assert sent_body["references"] == {"billing": [machines[0].id, 1]}
    assert sent_body["states"][0]["exit_conditions"][1]["next_state"] == ["billing.start", "start"]


async def test_delete_state_machine_and_again_is_a_conflict(client: AmigoClient) -> None:
    created = await client.organization.create_state_machine("temporary")
    await client.organization.delete_state_machine(created.id)
    with pytest.raises(errors.ConflictError):
        await client.organization.delete_state_machine(created.id)


async def test_deleting_a_state_machine_in_use_is_a_bad_request(client: AmigoClient) -> None:
    machines = await client.organization.list_state_machines(max_items=4).to_list()
    with pytest.raises(errors.BadRequestError):
        await client.organization.delete_state_machine(machines[3].id)


async def test_state_machine_versions_page_ten_at_a_time(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    machines = await client.organization.list_state_machines(max_items=1).to_list()
    versions = await client.organization.list_state_machine_versions(machines[0].id).to_list()
    assert len(versions) == 23
    requests = sent(fake, "get-service-hierarchical-state-machine-versions")
    assert [query(r)["continuation_token"] for r in requests] == [["0"], ["10"], ["20"]]


async def test_an_unknown_state_machine_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.organization.create_state_machine_version("0" * 24, state_machine_version())


# -- API keys -------------------------------------------------------------------------


async def test_list_api_keys_gives_metadata(client: AmigoClient) -> None:
    keys = await client.organization.list_api_keys()
    assert [k.name for k in keys] == ["seeded key 0", "seeded key 1", "seeded key 2"]
    assert all(k.expires_at - k.created_at == timedelta(days=30) for k in keys)
    assert keys[0].org_id == "acme"


async def test_create_api_key_sends_an_iso_duration(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_api_key(timedelta(days=7), name="ci")
    assert body(sent(fake, "create-api-key")[0]) == {
        "duration": "P7D",
        "name": "ci",
        "role_name": "DefaultAdministratorRole",
    }
    [listed] = [
        k for k in await client.organization.list_api_keys() if k.key_id == created.api_key_id
    ]
    assert listed.expires_at == created.expires_at


async def test_a_created_api_key_signs_in(fake: FakeAmigoServer, client: AmigoClient) -> None:
    created = await client.organization.create_api_key("P1D")
    async with fake.client(
        api_key=created.api_key, api_key_id=created.api_key_id, user_id=fake.user_id
    ) as key_client:
        assert (await key_client.organization.get()).org_id == "acme"
    assert fake.sign_ins == 1


async def test_the_secret_of_a_new_key_is_not_in_its_repr(client: AmigoClient) -> None:
    created = await client.organization.create_api_key(timedelta(days=1))
    assert created.api_key
    assert created.api_key not in repr(created)
    assert created.api_key not in str(created)
    assert created.api_key_id in repr(created)


async def test_an_unknown_role_is_not_found(client: AmigoClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await client.organization.create_api_key(timedelta(days=1), role_name="Wizard")


async def test_too_many_api_keys_is_a_bad_request() -> None:
    fast = {"create-api-key": RateLimit(100, per_seconds=1)}
    async with FakeAmigoServer(rate_limits=fast) as fake, fake.client(rate_limits=fast) as client:
        for _ in range(17):  # 3 seeded + 17 = the fake's maximum of 20
            await client.organization.create_api_key(timedelta(days=1))
        with pytest.raises(errors.BadRequestError):
            await client.organization.create_api_key(timedelta(days=1))


async def test_delete_api_key_revokes_it(fake: FakeAmigoServer, client: AmigoClient) -> None:
    created = await client.organization.create_api_key(timedelta(days=1))
    deleted = await client.organization.delete_api_key(created.api_key_id)
    assert deleted.deleted_key_id == created.api_key_id
    assert created.api_key_id not in {k.key_id for k in await client.organization.list_api_keys()}
    with pytest.raises(errors.NotFoundError):
        await client.organization.delete_api_key(created.api_key_id)


# -- statuses the fake answers for bad bodies and outages -----------------------------


async def test_the_fake_ignores_an_unknown_body_field(fake: FakeAmigoServer) -> None:
    """One policy everywhere: the snapshot's schemas do not forbid extra fields."""
    status, text = await send_raw(
        fake, "POST", "/organization/agent", json={"agent_name": "x", "nickname": "y"}
    )
    assert status == 201
    assert "nickname" not in text


async def test_the_fake_refuses_a_bad_state_name_with_422(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    created = await client.organization.create_state_machine("raw")
    raw = {**unstructure(state_machine_version()), "terminal_state": "no spaces allowed"}
    status, _ = await send_raw(
        fake,
        "POST",
        f"/organization/service_hierarchical_state_machine/{created.id}/",
        json=raw,
    )
    assert status == 422


async def test_a_503_on_a_write_is_raised_not_retried(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    fake.inject("create-agent", Fault.status_code(503))
    with pytest.raises(errors.ServiceUnavailableError):
        await client.organization.create_agent("unlucky")
    assert fake.count("create-agent") == 1


async def test_a_503_on_a_list_is_retried(fake: FakeAmigoServer) -> None:
    fake.inject("get-agents", Fault.status_code(503))
    async with fake.client(retry=RetryPolicy(backoff_base=0.01, backoff_max=0.02)) as client:
        agents = await client.organization.list_agents().to_list()
    assert len(agents) == 35
    assert [r.status for r in sent(fake, "get-agents")] == [503, 200, 200]


async def test_create_refuses_before_sending_without_the_mongo_cluster_header(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    before = len(fake.requests)
    with pytest.raises(ValueError, match="x-mongo-cluster-name"):
        await client.organization.create(new_organization())
    assert len(fake.requests) == before


async def test_create_sends_bearer_even_from_a_basic_client() -> None:
    seen: list[dict[str, str]] = []

    async def create(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"org_id": "acme", "org_name": "Acme Two", "title": "t"})

    app = web.Application()
    app.router.add_put("/v1/acme/organization/", create)
    async with TestServer(app, host="127.0.0.1") as server:
        base = str(server.make_url("")).rstrip("/")
        client = AmigoClient("acme", token="t0k", auth_scheme="basic", user_id="u1", base_url=base)
        async with client:
            with contextlib.suppress(errors.InvalidResponseError):
                await client.organization.create(new_organization(), mongo_cluster="cluster-1")
    assert seen[0]["Authorization"] == "Bearer t0k"
    assert seen[0]["x-mongo-cluster-name"] == "cluster-1"


async def test_api_keys_hold_roles_the_role_list_has(client: AmigoClient) -> None:
    roles = {role.name: role.id for role in await client.roles.list()}
    await client.organization.create_api_key(timedelta(days=1), role_name="Auditor")
    keys = await client.organization.list_api_keys()
    assert [key.role_id for key in keys] == [
        roles["DefaultAdministratorRole"],
        roles["DefaultUserRole"],
        roles["DefaultAdministratorRole"],
        roles["Auditor"],
    ]
