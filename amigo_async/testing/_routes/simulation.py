"""Fake Simulation endpoints: personas, scenarios, unit tests, unit test sets and runs.

Personas and scenarios share one shape (a record with versions), registered
once per kind by `_register_versioned`. Deletions are soft (``is_deleted``), and
refused with 400 while another record uses the one deleted, as documented.
"""

from __future__ import annotations

from typing import Any

from ...models import unstructure
from ...models.simulation import (
    CreateSimulationPersonaRequest,
    CreateSimulationPersonaVersionRequest,
    CreateSimulationScenarioRequest,
    CreateSimulationScenarioVersionRequest,
    CreateSimulationUnitTestRequest,
    CreateSimulationUnitTestSetRequest,
    CreateSimulationUnitTestSetRunRequest,
    SimulationPersonaVersion,
    SimulationScenarioVersion,
    SimulationUnitTestSetRunInstance,
    UpdateSimulationPersonaRequest,
    UpdateSimulationScenarioRequest,
    UpdateSimulationUnitTestRequest,
    UpdateSimulationUnitTestSetRequest,
)
from .._app import Call, Reply, json_reply
from .._crud import (
    Refused,
    Store,
    body_of,
    endpoint,
    fields_of,
    listing,
    matching,
    tag_list,
    tagged,
)
from .._samples import sample
from .._state import object_id
from ._filters import (
    authored,
    by_bool,
    by_creator,
    creator,
    distinct,
    now,
    searched,
    tag_keys,
    touched,
)
from ._versions import next_version, selected_versions


def _store(call: Call, name: str) -> Store:
    store: Store = getattr(call.state.simulations, name)
    return store


def _live(call: Call, store: str, path: str) -> dict[str, Any]:
    """The record named by the path parameter `path`; 404 if unknown or deleted."""
    record_id = call.path(path)
    record = _store(call, store).get(record_id)
    if record.get("is_deleted"):
        raise Refused(404, f"{_store(call, store).what} {record_id} not found.")
    return record


def _new(call: Call, **fields: Any) -> dict[str, Any]:
    record_id, organization = object_id(call.state.simulations.rng), call.state.organization
    return {
        "id": record_id,
        "org_id": organization,
        **authored(call),
        "is_deleted": False,
        **fields,
    }


def _not_deleted(record: dict[str, Any]) -> bool:
    return not record["is_deleted"]


def _searched(call: Call, items: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    return searched(call, [i for i in items if not i["is_deleted"]], *fields)


def _owned(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return tagged(call, by_creator(call, items), "tag")


# -- personas and scenarios -------------------------------------------------------


def _register_versioned(
    kind: str,
    create_cls: type[Any],
    update_cls: type[Any],
    version_cls: type[Any],
    version_model: type[Any],
    extra: tuple[str, ...],
) -> None:
    """The seven operations of a versioned kind (``persona`` or ``scenario``)."""
    store, versions_of, path = f"{kind}s", f"{kind}_versions", f"simulation_{kind}_id"

    def filtered(call: Call) -> list[dict[str, Any]]:
        items = _owned(call, _store(call, store).values())
        for field in extra:
            items = matching(call, items, field)
        return items

    def version(call: Call, owner: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
        data = call.state.simulations
        fields = {**body, path: owner, "version": number, "creator": creator(call)}
        return sample(version_model, data.rng, org_id=call.state.organization, **fields)

    @endpoint(f"get-simulation-{kind}s")
    async def get_all(call: Call) -> Reply:
        items = by_bool(call, matching(call, filtered(call), "id"), "is_deleted")
        values = {"creators": distinct(items, "creator"), "tags": tag_keys(items)}
        values.update({f"{field}s": distinct(items, field) for field in extra})
        return listing(call, f"get-simulation-{kind}s", items, extra={"filter_values": values})

    @endpoint(f"search-simulation-{kind}s")
    async def search(call: Call) -> Reply:
        return json_reply({f"simulation_{kind}s": _searched(call, filtered(call), "name")})

    @endpoint(f"create-simulation-{kind}")
    async def create(call: Call) -> Reply:
        request = body_of(call, create_cls)
        records = _store(call, store)
        records.unique("name", request.name, counted=_not_deleted)
        fields = {field: getattr(request, field) for field in ("name", "tags", *extra)}
        record = records.add(_new(call, **fields))
        del record["org_id"]  # the persona and scenario lists do not carry it
        first = version(call, record["id"], 1, unstructure(request.initial_version))
        getattr(call.state.simulations, versions_of)[record["id"]] = [first]
        return json_reply({path: record["id"]}, 201)

    @endpoint(f"update-simulation-{kind}")
    async def update(call: Call) -> Reply:
        record = _live(call, store, path)
        changes = fields_of(body_of(call, update_cls))
        _store(call, store).update(record["id"], touched(call, changes))
        return Reply(204)

    @endpoint(f"delete-simulation-{kind}")
    async def delete(call: Call) -> Reply:
        record = _live(call, store, path)
        for test in _store(call, "unit_tests").values():
            if test[f"{kind}_id"] == record["id"] and not test["is_deleted"]:
                raise Refused(400, f"The simulation {kind} is used in a simulation unit test.")
        record["is_deleted"] = True
        return Reply(204)

    @endpoint(f"get-simulation-{kind}-versions")
    async def get_versions(call: Call) -> Reply:
        record = _store(call, store).get(call.path(path))
        versions = getattr(call.state.simulations, versions_of)[record["id"]]
        page = selected_versions(call, versions)
        return listing(call, f"get-simulation-{kind}-versions", page)

    @endpoint(f"create-simulation-{kind}-version")
    async def create_version(call: Call) -> Reply:
        record = _live(call, store, path)
        versions = getattr(call.state.simulations, versions_of)[record["id"]]
        number = next_version(call, versions)
        body = unstructure(body_of(call, version_cls))
        versions.append(version(call, record["id"], number, body))
        return json_reply({"version": number}, 201)


_register_versioned(
    "persona",
    CreateSimulationPersonaRequest,
    UpdateSimulationPersonaRequest,
    CreateSimulationPersonaVersionRequest,
    SimulationPersonaVersion,
    ("role",),
)
_register_versioned(
    "scenario",
    CreateSimulationScenarioRequest,
    UpdateSimulationScenarioRequest,
    CreateSimulationScenarioVersionRequest,
    SimulationScenarioVersion,
    (),
)


# -- unit tests -------------------------------------------------------------------

_UNIT_TEST_REFERENCES = ("service_id", "persona_id", "scenario_id")


def _unit_tests(call: Call) -> list[dict[str, Any]]:
    items = _owned(call, _store(call, "unit_tests").values())
    for field in _UNIT_TEST_REFERENCES:
        items = matching(call, items, field)
    wanted = set(call.query_all("metric_id"))
    if wanted:
        items = [i for i in items if wanted & {c["metric_id"] for c in i["success_criterions"]}]
    return items


def _check_references(call: Call, test: dict[str, Any]) -> None:
    """404 for an unknown persona, scenario or metric; 400 for a criterion of another type."""
    for kind in ("persona", "scenario"):
        _store(call, f"{kind}s").get(test[f"{kind}_id"])
    for criterion in test["success_criterions"]:
        metric = call.state.metrics.metrics.get(criterion["metric_id"])
        if metric["metric_value"]["type"] != criterion["criterion"]["type"]:
            raise Refused(400, "The metric type of the success criterion does not match.")


@endpoint("get-simulation-unit-tests")
async def get_unit_tests(call: Call) -> Reply:
    items = by_bool(call, matching(call, _unit_tests(call), "id"), "is_deleted")
    values = {"creators": distinct(items, "creator"), "tags": tag_keys(items)}
    values.update({f"{field}s": distinct(items, field) for field in _UNIT_TEST_REFERENCES})
    values["metric_ids"] = list(
        dict.fromkeys(c["metric_id"] for i in items for c in i["success_criterions"])
    )
    return listing(call, "get-simulation-unit-tests", items, extra={"filter_values": values})


@endpoint("search-simulation-unit-tests")
async def search_unit_tests(call: Call) -> Reply:
    found = _searched(call, _unit_tests(call), "name")
    return json_reply({"simulation_unit_tests": [{"_id": i["id"], **i} for i in found]})


@endpoint("create-simulation-unit-test")
async def create_unit_test(call: Call) -> Reply:
    request = unstructure(body_of(call, CreateSimulationUnitTestRequest))
    _store(call, "unit_tests").unique("name", request["name"], counted=_not_deleted)
    _check_references(call, request)
    record = _store(call, "unit_tests").add(
        _new(call, **{**request, "tags": tag_list(request["tags"])})
    )
    return json_reply({"simulation_unit_test_id": record["id"]}, 201)


@endpoint("update-simulation-unit-test")
async def update_unit_test(call: Call) -> Reply:
    record = _live(call, "unit_tests", "simulation_unit_test_id")
    changes = fields_of(body_of(call, UpdateSimulationUnitTestRequest))
    changes.pop("run_count", None)  # a set's run count, not part of the unit test record
    if changes["tags"] is not None:
        changes["tags"] = tag_list(changes["tags"])
    _check_references(call, {**record, **{k: v for k, v in changes.items() if v is not None}})
    _store(call, "unit_tests").update(record["id"], touched(call, changes))
    return Reply(204)


@endpoint("delete-simulation-unit-test")
async def delete_unit_test(call: Call) -> Reply:
    record = _live(call, "unit_tests", "simulation_unit_test_id")
    for test_set in _store(call, "unit_test_sets").values():
        used = {run["unit_test_id"] for run in test_set["unit_test_runs"]}
        if record["id"] in used and not test_set["is_deleted"]:
            raise Refused(400, "The simulation unit test is used in a simulation unit test set.")
    record["is_deleted"] = True
    return Reply(204)


# -- unit test sets ---------------------------------------------------------------


def _unit_test_sets(call: Call) -> list[dict[str, Any]]:
    items = _owned(call, _store(call, "unit_test_sets").values())
    wanted = set(call.query_all("unit_test_id"))
    if wanted:
        items = [i for i in items if wanted & {r["unit_test_id"] for r in i["unit_test_runs"]}]
    return items


def _check_unit_tests(call: Call, runs: list[dict[str, Any]] | None) -> None:
    for run in runs or ():
        test = _store(call, "unit_tests").get(run["unit_test_id"])
        if test["is_deleted"]:
            raise Refused(404, f"Simulation unit test {test['id']} not found.")


@endpoint("get-simulation-unit-test-sets")
async def get_unit_test_sets(call: Call) -> Reply:
    items = by_bool(call, matching(call, _unit_test_sets(call), "id"), "is_deleted")
    values = {
        "creators": distinct(items, "creator"),
        "unit_test_ids": list(
            dict.fromkeys(r["unit_test_id"] for i in items for r in i["unit_test_runs"])
        ),
        "tags": tag_keys(items),
    }
    return listing(call, "get-simulation-unit-test-sets", items, extra={"filter_values": values})


@endpoint("search-simulation-unit-test-sets")
async def search_unit_test_sets(call: Call) -> Reply:
    found = _searched(call, _unit_test_sets(call), "name", "description")
    return json_reply({"simulation_unit_test_sets": [{"_id": i["id"], **i} for i in found]})


@endpoint("create-simulation-unit-test-set")
async def create_unit_test_set(call: Call) -> Reply:
    request = unstructure(body_of(call, CreateSimulationUnitTestSetRequest))
    _store(call, "unit_test_sets").unique("name", request["name"], counted=_not_deleted)
    _check_unit_tests(call, request["unit_test_runs"])
    fields = {**request, "tags": tag_list(request["tags"]), "last_triggered_run_id": None}
    record = _store(call, "unit_test_sets").add(_new(call, **fields))
    return json_reply({"simulation_unit_test_set_id": record["id"]}, 201)


@endpoint("update-simulation-unit-test-set")
async def update_unit_test_set(call: Call) -> Reply:
    record = _live(call, "unit_test_sets", "simulation_unit_test_set_id")
    changes = fields_of(body_of(call, UpdateSimulationUnitTestSetRequest))
    if changes["name"] is not None:
        _store(call, "unit_test_sets").unique(
            "name", changes["name"], but=record["id"], counted=_not_deleted
        )
    _check_unit_tests(call, changes["unit_test_runs"])
    if changes["tags"] is not None:
        changes["tags"] = tag_list(changes["tags"])
    _store(call, "unit_test_sets").update(record["id"], touched(call, changes))
    return Reply(204)


@endpoint("delete-simulation-unit-test-set")
async def delete_unit_test_set(call: Call) -> Reply:
    _live(call, "unit_test_sets", "simulation_unit_test_set_id")["is_deleted"] = True
    return Reply(204)


# -- runs -------------------------------------------------------------------------


@endpoint("get-simulation-unit-test-set-runs")
async def get_runs(call: Call) -> Reply:
    items = matching(call, by_creator(call, _store(call, "runs").values()), "id")
    items = matching(call, items, "simulation_unit_test_set_id")
    for flag in ("is_completed", "failed_metrics", "errored"):
        items = by_bool(call, items, flag)
    after, before = call.query("created_after"), call.query("created_before")
    items = [i for i in items if after is None or i["created_at"] >= after]
    items = [i for i in items if before is None or i["created_at"] <= before]
    values = {
        "creators": distinct(items, "creator"),
        "simulation_unit_test_set_ids": distinct(items, "simulation_unit_test_set_id"),
        "tags": [],
    }
    return listing(
        call, "get-simulation-unit-test-set-runs", items, extra={"filter_values": values}
    )


@endpoint("create-simulation-unit-test-set-run")
async def create_run(call: Call) -> Reply:
    request = body_of(call, CreateSimulationUnitTestSetRunRequest)
    test_set = _store(call, "unit_test_sets").get(request.simulation_unit_test_set_id)
    for run in _store(call, "runs").values():
        mine = run["creator"] == creator(call) and not run["is_completed"]
        if mine and run["simulation_unit_test_set_id"] == test_set["id"]:
            raise Refused(409, "The user already has an unfinished run for this unit test set.")
    record = sample(
        SimulationUnitTestSetRunInstance,
        call.state.simulations.rng,
        org_id=call.state.organization,
        simulation_unit_test_set_id=test_set["id"],
        is_completed=False,
        failed_metrics=False,
        errored=False,
        artifacts_generated=False,
        created_at=now(),
        creator=creator(call),
    )
    _store(call, "runs").add(record)
    test_set["last_triggered_run_id"] = record["id"]
    return json_reply({"simulation_unit_test_set_run_id": record["id"]}, 201)


@endpoint("get-simulation-unit-test-set-run-artifacts")
async def get_run_artifacts(call: Call) -> Reply:
    run = _store(call, "runs").get(call.path("simulation_unit_test_set_run_id"))
    if not run["artifacts_generated"]:
        raise Refused(400, "The artifacts for the unit test set run are not yet available.")
    return json_reply(
        {
            "presigned_url": f"https://artifacts.example.com/{run['id']}.zip",
            "url_expires_at": now(),
        }
    )


@endpoint("cancel-simulation-unit-test-set-run")
async def cancel_run(call: Call) -> Reply:
    run = _store(call, "runs").get(call.path("simulation_unit_test_set_run_id"))
    if run["is_completed"]:
        raise Refused(409, "The simulation unit test set run is not in progress.")
    run["is_completed"] = True
    return Reply(204)
