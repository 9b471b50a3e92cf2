"""client.simulations against the fake server, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from _areas import (
    capture_replies,
    query,
    recorded,
    schema_problems,
    sent_body,
    sync_client,
)
from conftest import send_raw

from amigo_async import AmigoClient, errors
from amigo_async.models.simulation import (
    BooleanMetricSuccessCriterion,
    CreateSimulationPersonaRequest,
    CreateSimulationPersonaRequestInitialVersion,
    CreateSimulationPersonaVersionRequest,
    CreateSimulationScenarioRequest,
    CreateSimulationScenarioRequestInitialVersion,
    CreateSimulationScenarioVersionRequest,
    CreateSimulationUnitTestRequest,
    CreateSimulationUnitTestRequestSuccessCriterion,
    CreateSimulationUnitTestSetRequest,
    UnitTestRunDescriptorInput,
    UpdateSimulationPersonaRequest,
    UpdateSimulationScenarioRequest,
    UpdateSimulationUnitTestRequest,
    UpdateSimulationUnitTestSetRequest,
)
from amigo_async.testing import FakeAmigoServer

PREFIX = "/v1/acme/simulation"


def persona_version() -> CreateSimulationPersonaVersionRequest:
    return CreateSimulationPersonaVersionRequest(
        background="Retired teacher.",
        user_models=["Prefers short answers."],
        nonsensitive_user_variables={},
        sensitive_user_variables={},
    )


def scenario_version() -> CreateSimulationScenarioVersionRequest:
    return CreateSimulationScenarioVersionRequest(
        objective="Get a refund.",
        instructions="Be persistent.",
        initial_message_type="user-message",
        conversation_starts_at=None,
    )


def new_persona(name: str = "ann") -> CreateSimulationPersonaRequest:
    first = CreateSimulationPersonaRequestInitialVersion(**_fields(persona_version()))
    return CreateSimulationPersonaRequest(
        name=name, role="customer", tags={}, initial_version=first
    )


def new_scenario(name: str = "refund") -> CreateSimulationScenarioRequest:
    first = CreateSimulationScenarioRequestInitialVersion(**_fields(scenario_version()))
    return CreateSimulationScenarioRequest(name=name, tags={}, initial_version=first)


def _fields(value: object) -> dict[str, object]:
    return attrs.asdict(value, recurse=False)  # type: ignore[arg-type]


def boolean_metric(fake: FakeAmigoServer) -> str:
    return next(
        m["id"]
        for m in fake.state.metrics.metrics.values()
        if m["metric_value"]["type"] == "boolean"
    )


async def test_personas_and_scenarios(
    client: AmigoClient, fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = capture_replies(monkeypatch, "simulation")
    sims = client.simulations
    persona = (await sims.create_persona(new_persona())).simulation_persona_id
    assert recorded(fake, "create-simulation-persona").raw_path == f"{PREFIX}/persona/"
    assert sent_body(recorded(fake, "create-simulation-persona"))["role"] == "customer"
    listed = await sims.list_personas(ids=[persona], role=["customer"], is_deleted=False).to_list()
    assert [p.id for p in listed] == [persona]
    assert query(recorded(fake, "get-simulation-personas")) == {
        "id": [persona],
        "is_deleted": ["false"],
        "role": ["customer"],
        "limit": ["50"],
        "continuation_token": ["0"],
    }
    assert [p.id for p in await sims.search_personas("ann", role=["customer"])] == [persona]
    assert query(recorded(fake, "search-simulation-personas")) == {
        "query": ["ann"],
        "role": ["customer"],
    }
    await sims.update_persona(persona, UpdateSimulationPersonaRequest(tags={"tier": None}))
    request = recorded(fake, "update-simulation-persona")
    assert (request.raw_path, sent_body(request)) == (
        f"{PREFIX}/persona/{persona}/",
        {"tags": {"tier": None}},
    )
    assert (await sims.create_persona_version(persona, persona_version(), version=2)).version == 2
    assert query(recorded(fake, "create-simulation-persona-version")) == {"version": ["2"]}
    versions = await sims.list_persona_versions(persona, version="latest").to_list()
    assert [v.version for v in versions] == [2]
    assert (
        recorded(fake, "get-simulation-persona-versions").raw_path
        == f"{PREFIX}/persona/{persona}/version/"
    )

    scenario = (await sims.create_scenario(new_scenario())).simulation_scenario_id
    assert [s.id for s in await sims.list_scenarios(ids=[scenario]).to_list()] == [scenario]
    assert [s.id for s in await sims.search_scenarios("refund")] == [scenario]
    await sims.update_scenario(scenario, UpdateSimulationScenarioRequest(tags={"a": "b"}))
    assert (await sims.create_scenario_version(scenario, scenario_version())).version == 2
    assert len(await sims.list_scenario_versions(scenario, sort_by=["-version"]).to_list()) == 2
    assert query(recorded(fake, "get-simulation-scenario-versions"))["sort_by"] == ["-version"]

    await sims.delete_persona(persona)
    await sims.delete_scenario(scenario)
    assert recorded(fake, "delete-simulation-scenario").method == "DELETE"
    assert recorded(fake, "delete-simulation-scenario").raw_path == f"{PREFIX}/scenario/{scenario}/"
    assert len({op for op, _ in replies}) == 14
    assert schema_problems(replies) == []


async def test_unit_tests_sets_and_runs(
    client: AmigoClient, fake: FakeAmigoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = capture_replies(monkeypatch, "simulation")
    sims = client.simulations
    persona, scenario = (
        next(iter(s.records))
        for s in (fake.state.simulations.personas, fake.state.simulations.scenarios)
    )
    metric = boolean_metric(fake)
    criterion = CreateSimulationUnitTestRequestSuccessCriterion(
        name="polite",
        metric_id=metric,
        criterion=BooleanMetricSuccessCriterion(expected_value=True),
    )
    unit_test = CreateSimulationUnitTestRequest(
        name="refund-flow",
        description="Refunds.",
        service_id="d" * 24,
        service_version_set_name="release",
        persona_id=persona,
        scenario_id=scenario,
        max_interactions=10,
        success_criterions=[criterion],
        tags={},
    )
    test_id = (await sims.create_unit_test(unit_test)).simulation_unit_test_id
    body = sent_body(recorded(fake, "create-simulation-unit-test"))
    assert body["success_criterions"][0]["criterion"] == {"type": "boolean", "expected_value": True}
    listed = await sims.list_unit_tests(metric_id=[metric], persona_id=[persona]).to_list()
    assert test_id in [t.id for t in listed]
    assert query(recorded(fake, "get-simulation-unit-tests"))["metric_id"] == [metric]
    assert [t.id for t in await sims.search_unit_tests("refund-flow")] == [test_id]
    await sims.update_unit_test(test_id, UpdateSimulationUnitTestRequest(max_interactions=5))
    request = recorded(fake, "update-simulation-unit-test")
    assert (request.raw_path, sent_body(request)) == (
        f"{PREFIX}/unit_test/{test_id}/",
        {"max_interactions": 5},
    )

    runs = [UnitTestRunDescriptorInput(unit_test_id=test_id, run_count=3)]
    test_set = CreateSimulationUnitTestSetRequest(
        name="nightly", description=None, unit_test_runs=runs, tags={}
    )
    set_id = (await sims.create_unit_test_set(test_set)).simulation_unit_test_set_id
    assert [s.id for s in await sims.list_unit_test_sets(unit_test_id=[test_id]).to_list()] == [
        set_id
    ]
    assert [s.id for s in await sims.search_unit_test_sets("nightly")] == [set_id]
    await sims.update_unit_test_set(set_id, UpdateSimulationUnitTestSetRequest(name="nightly-2"))
    assert (
        recorded(fake, "update-simulation-unit-test-set").raw_path
        == f"{PREFIX}/unit_test_set/{set_id}"
    )

    run_id = (await sims.create_run(set_id)).simulation_unit_test_set_run_id
    assert sent_body(recorded(fake, "create-simulation-unit-test-set-run")) == {
        "simulation_unit_test_set_id": set_id
    }
    since = datetime(2020, 1, 1, tzinfo=UTC)
    mine = await sims.list_runs(
        simulation_unit_test_set_id=[set_id], is_completed=False, created_after=since
    ).to_list()
    assert [r.id for r in mine] == [run_id]
    assert query(recorded(fake, "get-simulation-unit-test-set-runs"))["created_after"] == [
        since.isoformat()
    ]
    with pytest.raises(errors.BadRequestError):
        await sims.get_run_artifacts(run_id)  # not generated yet
    await sims.cancel_run(run_id)
    assert (
        recorded(fake, "cancel-simulation-unit-test-set-run").raw_path
        == f"{PREFIX}/unit_test_set_run/{run_id}/"
    )
    with pytest.raises(errors.ConflictError):
        await sims.cancel_run(run_id)  # no longer in progress
    done = next(r for r in fake.state.simulations.runs.values() if r["artifacts_generated"])
    assert (await sims.get_run_artifacts(done["id"])).presigned_url.startswith("https://")

    with pytest.raises(errors.BadRequestError):
        await sims.delete_unit_test(test_id)  # the set uses it
    await sims.delete_unit_test_set(set_id)
    await sims.delete_unit_test(test_id)
    assert recorded(fake, "delete-simulation-unit-test").method == "DELETE"
    assert len({op for op, _ in replies}) == 14
    assert schema_problems(replies) == []


async def test_version_lists_page_at_the_cap(client: AmigoClient, fake: FakeAmigoServer) -> None:
    persona = next(iter(fake.state.simulations.personas.records))
    versions = await client.simulations.list_persona_versions(persona).to_list()
    assert len(versions) == 12
    assert [query(r)["continuation_token"] for r in fake.requests] == [["0"], ["10"]]
    pages = [p async for p in client.simulations.list_scenarios(limit=2).pages()]
    assert [len(p.items) for p in pages] == [2, 1] and pages[0].extra["filter_values"].tags


async def test_documented_errors(client: AmigoClient, fake: FakeAmigoServer) -> None:
    sims = client.simulations
    await sims.create_persona(new_persona("twin"))
    with pytest.raises(errors.ConflictError):
        await sims.create_persona(new_persona("twin"))
    used = next(iter(fake.state.simulations.personas.records))  # a seeded unit test uses it
    with pytest.raises(errors.BadRequestError, match="unit test"):
        await sims.delete_persona(used)
    with pytest.raises(errors.NotFoundError):
        await sims.update_scenario("0" * 24, UpdateSimulationScenarioRequest(tags={}))
    with pytest.raises(errors.BadRequestError):
        await sims.create_scenario_version(
            next(iter(fake.state.simulations.scenarios.records)), scenario_version(), version=5
        )
    busy = next(r for r in fake.state.simulations.runs.values() if not r["is_completed"])
    busy["creator"] = {"org_id": "acme", "user_id": fake.user_id}
    with pytest.raises(errors.ConflictError):
        await sims.create_run(busy["simulation_unit_test_set_id"])
    with pytest.raises(ValueError, match="creator"):
        sims.list_runs(creator=["nobody"])
    with pytest.raises(TypeError, match="persona"):
        await sims.create_persona(new_scenario())  # type: ignore[arg-type]


def test_sync_facade() -> None:
    with sync_client() as (client, fake):
        runs = list(client.simulations.list_runs(limit=1))
        assert [r.id for r in runs] == list(fake.state.simulations.runs.records)


async def test_the_fake_answers_422_for_a_body_that_does_not_fit(fake: FakeAmigoServer) -> None:
    status, text = await send_raw(fake, "POST", "/simulation/unit_test_set_run/", json={})
    assert status == 422 and "simulation_unit_test_set_id" in text


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.get_run_artifacts("RUN"), "simulation_unit_test_set_run_id"),
        (lambda s: s.create_persona_version("a" * 24, persona_version(), version=1), "version"),
        (
            lambda s: s.update_unit_test(
                "a" * 24, UpdateSimulationUnitTestRequest(max_interactions=0)
            ),
            "max_interactions",
        ),
        (
            lambda s: s.create_unit_test_set(
                CreateSimulationUnitTestSetRequest(
                    name="n", description=None, unit_test_runs=[], tags={}
                )
            ),
            "unit_test_runs",
        ),
        (lambda s: s.list_scenarios(limit=201).to_list(), "limit"),
    ],
)
async def test_documented_constraints_are_refused_before_sending(
    client: AmigoClient, fake: FakeAmigoServer, call: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await call(client.simulations)
    assert fake.requests == []
