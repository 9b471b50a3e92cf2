"""Fake Simulation endpoints: personas, scenarios, unit tests, unit test sets and runs.

The four record kinds answer the same operations (list with filter values, search,
create, update, delete), registered once per kind by `_register` from a `_Kind`
that says how the kind differs; personas and scenarios add their versions.
Deletions are soft (``is_deleted``), and refused with 400 while a live record of
another kind uses the one deleted, as documented.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ...models import simulation as models
from ...models import unstructure
from .._app import Call, Refused, Reply, handler, json_reply
from .._crud import Store, body_of, listing, matching, tag_list, tagged
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

Check = Callable[[Call, dict[str, Any]], None]


@attrs.frozen
class _Kind:
    """A soft-deleted record kind and what sets it apart from the others."""

    stem: str  # as the operation ids spell it: "persona", "unit-test-set"
    filters: tuple[str, ...] = ()  # list filters and their filter_values, read by `_values`
    searched: tuple[str, ...] = ("name",)
    used_by: tuple[str, str] | None = None  # (kind, filter): its live records refuse a delete
    check: Check = lambda call, record: None  # references a create or an update may not break
    listed: bool = False  # the unit test shape: org_id, [{key, value}] tags, `_id` in searches
    initial: Mapping[str, Any] = {}  # fields a new record starts with
    renamed_unique: bool = False  # an update refuses a taken name (409): only sets say so
    version_model: type[Any] | None = None  # of a persona's or a scenario's versions

    @property
    def name(self) -> str:
        """In the store, path parameters and answers: "unit_test_set"."""
        return self.stem.replace("-", "_")


def _body(call: Call) -> dict[str, Any]:
    """The request body as the operation's generated model reads it, unset fields left out
    (the model of ``create-simulation-persona`` is ``CreateSimulationPersonaRequest``)."""
    model = getattr(models, call.operation.id.title().replace("-", "") + "Request")
    body: dict[str, Any] = unstructure(body_of(call, model))
    return body


def _store(call: Call, name: str) -> Store:
    """The records of the kind `name` ("unit_test")."""
    store: Store = getattr(call.state.simulations, f"{name}s")
    return store


def _live(call: Call, kind: _Kind) -> dict[str, Any]:
    """The record the path names; 404 if unknown or deleted."""
    record_id = call.path(f"simulation_{kind.name}_id")
    record = _store(call, kind.name).get(record_id)
    if record["is_deleted"]:
        raise Refused(404, f"{_store(call, kind.name).what} {record_id} not found.")
    return record


def _not_deleted(record: dict[str, Any]) -> bool:
    return not record["is_deleted"]


def _values(record: dict[str, Any], query: str) -> list[Any]:
    """The values of `record` the list filter `query` looks for."""
    if query == "metric_id":
        return [criterion["metric_id"] for criterion in record["success_criterions"]]
    if query == "unit_test_id":
        return [run["unit_test_id"] for run in record["unit_test_runs"]]
    return [record[query]]


def _new(call: Call, kind: _Kind, fields: dict[str, Any]) -> dict[str, Any]:
    """A live record of the request's fields, stored as the kind's instances are."""
    record_id = object_id(call.state.simulations.rng)
    record = {"id": record_id, **authored(call), "is_deleted": False, **kind.initial, **fields}
    if kind.listed:
        record.update(org_id=call.state.organization, tags=tag_list(fields["tags"]))
    return record


def _version(call: Call, kind: _Kind, owner: str, number: int, body: dict[str, Any]) -> Any:
    assert kind.version_model is not None
    fields = {**body, f"simulation_{kind.name}_id": owner, "version": number}
    rng, organization = call.state.simulations.rng, call.state.organization
    return sample(kind.version_model, rng, org_id=organization, creator=creator(call), **fields)


def _register(kind: _Kind) -> None:
    """The operations of one kind (``persona``... ``unit-test-set``)."""
    plural = f"simulation-{kind.stem}s"

    def filtered(call: Call) -> list[dict[str, Any]]:
        items = tagged(call, by_creator(call, _store(call, kind.name).values()), "tag")
        for query in kind.filters:
            wanted = set(call.query_all(query))
            if wanted:
                items = [item for item in items if wanted & set(_values(item, query))]
        return items

    @handler(f"get-{plural}")
    async def get_all(call: Call) -> Reply:
        items = by_bool(call, matching(call, filtered(call), "id"), "is_deleted")
        values = {"creators": distinct(items, "creator"), "tags": tag_keys(items)}
        for query in kind.filters:
            values[f"{query}s"] = list(dict.fromkeys(v for i in items for v in _values(i, query)))
        return listing(call, f"get-{plural}", items, extra={"filter_values": values})

    @handler(f"search-{plural}")
    async def search(call: Call) -> Reply:
        found = searched(call, [i for i in filtered(call) if not i["is_deleted"]], *kind.searched)
        if kind.listed:
            found = [{"_id": item["id"], **item} for item in found]
        return json_reply({f"simulation_{kind.name}s": found})

    @handler(f"create-simulation-{kind.stem}")
    async def create(call: Call) -> Reply:
        request = _body(call)
        first = request.pop("initial_version", None)
        store = _store(call, kind.name)
        store.unique("name", request["name"], counted=_not_deleted)
        kind.check(call, request)
        record = store.add(_new(call, kind, request))
        if first is not None:
            call.state.simulations.versions[record["id"]] = [
                _version(call, kind, record["id"], 1, first)
            ]
        return json_reply({f"simulation_{kind.name}_id": record["id"]}, 201)

    @handler(f"update-simulation-{kind.stem}")
    async def update(call: Call) -> Reply:
        record = _live(call, kind)
        changes = _body(call)
        changes.pop("run_count", None)  # a unit test's runs in its sets, not part of the record
        if kind.listed and "tags" in changes:
            changes["tags"] = tag_list(changes["tags"])
        store = _store(call, kind.name)
        if kind.renamed_unique and "name" in changes:
            store.unique("name", changes["name"], but=record["id"], counted=_not_deleted)
        kind.check(call, {**record, **changes})
        store.update(record["id"], touched(call, changes))
        return Reply(204)

    @handler(f"delete-simulation-{kind.stem}")
    async def delete(call: Call) -> Reply:
        record = _live(call, kind)
        if kind.used_by is not None:
            user, query = kind.used_by
            for other in _store(call, user.replace("-", "_")).values():
                if not other["is_deleted"] and record["id"] in _values(other, query):
                    used = f"{kind.stem} is used in a simulation {user}".replace("-", " ")
                    raise Refused(400, f"The simulation {used}.")
        record["is_deleted"] = True
        return Reply(204)

    if kind.version_model is not None:
        _register_versions(kind)


def _register_versions(kind: _Kind) -> None:
    """A persona's or scenario's versions: listed by the selector, added one at a time."""

    @handler(f"get-simulation-{kind.stem}-versions")
    async def get_versions(call: Call) -> Reply:
        record = _store(call, kind.name).get(call.path(f"simulation_{kind.name}_id"))
        page = selected_versions(call, call.state.simulations.versions[record["id"]])
        return listing(call, f"get-simulation-{kind.stem}-versions", page)

    @handler(f"create-simulation-{kind.stem}-version")
    async def create_version(call: Call) -> Reply:
        record = _live(call, kind)
        versions = call.state.simulations.versions[record["id"]]
        number = next_version(call, versions)
        versions.append(_version(call, kind, record["id"], number, _body(call)))
        return json_reply({"version": number}, 201)


def _check_references(call: Call, test: dict[str, Any]) -> None:
    """404 for an unknown persona, scenario or metric; 400 for a criterion of another type."""
    for kind in ("persona", "scenario"):
        _store(call, kind).get(test[f"{kind}_id"])
    for criterion in test["success_criterions"]:
        metric = call.state.metrics.metrics.get(criterion["metric_id"])
        if metric["metric_value"]["type"] != criterion["criterion"]["type"]:
            raise Refused(400, "The metric type of the success criterion does not match.")


def _check_unit_tests(call: Call, test_set: dict[str, Any]) -> None:
    for run in test_set["unit_test_runs"]:
        test = _store(call, "unit_test").get(run["unit_test_id"])
        if test["is_deleted"]:
            raise Refused(404, f"Simulation unit test {test['id']} not found.")


_register(
    _Kind(
        "persona",
        filters=("role",),
        used_by=("unit-test", "persona_id"),
        version_model=models.SimulationPersonaVersion,
    )
)
_register(
    _Kind(
        "scenario",
        used_by=("unit-test", "scenario_id"),
        version_model=models.SimulationScenarioVersion,
    )
)
_register(
    _Kind(
        "unit-test",
        filters=("service_id", "persona_id", "scenario_id", "metric_id"),
        used_by=("unit-test-set", "unit_test_id"),
        check=_check_references,
        listed=True,
    )
)
_register(
    _Kind(
        "unit-test-set",
        filters=("unit_test_id",),
        searched=("name", "description"),
        check=_check_unit_tests,
        listed=True,
        initial={"last_triggered_run_id": None},
        renamed_unique=True,
    )
)


# -- runs -------------------------------------------------------------------------


@handler("get-simulation-unit-test-set-runs")
async def get_runs(call: Call) -> Reply:
    items = matching(call, by_creator(call, _store(call, "run").values()), "id")
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
    operation = "get-simulation-unit-test-set-runs"
    return listing(call, operation, items, extra={"filter_values": values})


@handler("create-simulation-unit-test-set-run")
async def create_run(call: Call) -> Reply:
    test_set = _store(call, "unit_test_set").get(_body(call)["simulation_unit_test_set_id"])
    for run in _store(call, "run").values():
        mine = run["creator"] == creator(call) and not run["is_completed"]
        if mine and run["simulation_unit_test_set_id"] == test_set["id"]:
            raise Refused(409, "The user already has an unfinished run for this unit test set.")
    record = sample(
        models.SimulationUnitTestSetRunInstance,
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
    _store(call, "run").add(record)
    test_set["last_triggered_run_id"] = record["id"]
    return json_reply({"simulation_unit_test_set_run_id": record["id"]}, 201)


@handler("get-simulation-unit-test-set-run-artifacts")
async def get_run_artifacts(call: Call) -> Reply:
    run = _store(call, "run").get(call.path("simulation_unit_test_set_run_id"))
    if not run["artifacts_generated"]:
        raise Refused(400, "The artifacts for the unit test set run are not yet available.")
    url = f"https://artifacts.example.com/{run['id']}.zip"
    return json_reply({"presigned_url": url, "url_expires_at": now()})


@handler("cancel-simulation-unit-test-set-run")
async def cancel_run(call: Call) -> Reply:
    run = _store(call, "run").get(call.path("simulation_unit_test_set_run_id"))
    if run["is_completed"]:
        raise Refused(409, "The simulation unit test set run is not in progress.")
    run["is_completed"] = True
    return Reply(204)
