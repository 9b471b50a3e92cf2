"""Simulation endpoints: ``client.simulations``.

Personas (who the simulated user is) and scenarios (what they want) are
versioned; a unit test runs a service against one persona and scenario and
judges the conversation by metrics; a unit test set groups unit tests, and a run
executes a set. Each method is keyed to one operationId (named first in its
docstring); bodies are the generated request models of
`amigo_async.models.simulation`. The documented constraints of every parameter
and body field are checked by the transport before sending; the methods check
only what the snapshot says in prose (tag, creator and version syntax, sort
fields, aware timestamps).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .._pagination import AsyncPager
from .._paths import QueryValue
from ..models.simulation import (
    CreateSimulationPersonaRequest,
    CreateSimulationPersonaResponse,
    CreateSimulationPersonaVersionRequest,
    CreateSimulationPersonaVersionResponse,
    CreateSimulationScenarioRequest,
    CreateSimulationScenarioResponse,
    CreateSimulationScenarioVersionRequest,
    CreateSimulationScenarioVersionResponse,
    CreateSimulationUnitTestRequest,
    CreateSimulationUnitTestResponse,
    CreateSimulationUnitTestSetRequest,
    CreateSimulationUnitTestSetResponse,
    CreateSimulationUnitTestSetRunRequest,
    CreateSimulationUnitTestSetRunResponse,
    GetSimulationPersonasResponse,
    GetSimulationPersonaVersionsResponse,
    GetSimulationScenariosResponse,
    GetSimulationScenarioVersionsResponse,
    GetSimulationUnitTestSetRunArtifactsResponse,
    GetSimulationUnitTestSetRunsResponse,
    GetSimulationUnitTestSetsResponse,
    GetSimulationUnitTestsResponse,
    SearchSimulationPersonasResponse,
    SearchSimulationScenariosResponse,
    SearchSimulationUnitTestSetResponse,
    SearchSimulationUnitTestsResponse,
    SimulationPersonaInstance,
    SimulationPersonaVersion,
    SimulationScenarioInstance,
    SimulationScenarioVersion,
    SimulationUnitTest,
    SimulationUnitTestInstance,
    SimulationUnitTestSet,
    SimulationUnitTestSetInstance,
    SimulationUnitTestSetRunInstance,
    UpdateSimulationPersonaRequest,
    UpdateSimulationScenarioRequest,
    UpdateSimulationUnitTestRequest,
    UpdateSimulationUnitTestSetRequest,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list, timestamp, versions_pager

__all__ = ["SimulationsResource"]

_PERSONA = "simulation_persona_id"
_SCENARIO = "simulation_scenario_id"
_UNIT_TEST = "simulation_unit_test_id"
_UNIT_TEST_SET = "simulation_unit_test_set_id"
_RUN = "simulation_unit_test_set_run_id"


class SimulationsResource(Resource):
    """``client.simulations``: personas, scenarios, unit tests, unit test sets and their runs.

    Lists are `AsyncPager`s whose first page carries ``filter_values`` in
    ``page.extra``; `tag` filter entries are ``key:value`` (``key:*`` any value,
    ``key:`` a null value) and `creator` entries ``org_id,user_id``.
    """

    # -- personas -------------------------------------------------------------

    def list_personas(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_deleted: bool | None = None,
        role: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationPersonaInstance]:
        """get-simulation-personas: pages of at most 50; `sort_by` ``±updated_at``."""
        params = {
            "id": as_list(ids),
            "is_deleted": is_deleted,
            "role": as_list(role),
            **_owned("get-simulation-personas", creator, tag, sort_by),
        }
        return self._transport.paginate(
            "get-simulation-personas",
            GetSimulationPersonasResponse,
            SimulationPersonaInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search_personas(
        self,
        query: str,
        *,
        role: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> list[SimulationPersonaInstance]:
        """search-simulation-personas: by the terms of `query` in name and latest background."""
        params = {
            "query": query,
            "role": as_list(role),
            **_owned(None, creator, tag),
        }
        answer = await self._transport.request_json(
            "search-simulation-personas", SearchSimulationPersonasResponse, params=params
        )
        return answer.simulation_personas

    async def create_persona(
        self, persona: CreateSimulationPersonaRequest
    ) -> CreateSimulationPersonaResponse:
        """create-simulation-persona: a persona with its first version; 409 if the name is taken."""
        return await self._transport.request_json(
            "create-simulation-persona",
            CreateSimulationPersonaResponse,
            json_body=json_body("persona", persona, CreateSimulationPersonaRequest),
        )

    async def update_persona(self, persona_id: str, update: UpdateSimulationPersonaRequest) -> None:
        """update-simulation-persona: change its tags (None leaves them unchanged)."""
        await self._transport.request_none(
            "update-simulation-persona",
            path_params={_PERSONA: persona_id},
            json_body=json_body("update", update, UpdateSimulationPersonaRequest),
        )

    async def delete_persona(self, persona_id: str) -> None:
        """delete-simulation-persona: 400 while a unit test uses the persona."""
        await self._transport.request_none(
            "delete-simulation-persona", path_params={_PERSONA: persona_id}
        )

    def list_persona_versions(
        self,
        persona_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationPersonaVersion]:
        """get-simulation-persona-versions: pages of at most 10.

        `version` picks one (``3``, ``"latest"``) or an inclusive range (``"2-5"``,
        ``"1-latest"``); `sort_by` takes ``+version`` or ``-version``.
        """
        return versions_pager(
            self._transport,
            "get-simulation-persona-versions",
            GetSimulationPersonaVersionsResponse,
            SimulationPersonaVersion,
            {_PERSONA: persona_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    async def create_persona_version(
        self,
        persona_id: str,
        persona_version: CreateSimulationPersonaVersionRequest,
        *,
        version: int | None = None,
    ) -> CreateSimulationPersonaVersionResponse:
        """create-simulation-persona-version: with `version`, 400 unless it is the next one."""
        return await self._transport.request_json(
            "create-simulation-persona-version",
            CreateSimulationPersonaVersionResponse,
            path_params={_PERSONA: persona_id},
            params={"version": version},
            json_body=json_body(
                "persona_version", persona_version, CreateSimulationPersonaVersionRequest
            ),
        )

    # -- scenarios ------------------------------------------------------------

    def list_scenarios(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_deleted: bool | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationScenarioInstance]:
        """get-simulation-scenarios: pages of at most 200 (50 by the server's default)."""
        params = {
            "id": as_list(ids),
            "is_deleted": is_deleted,
            **_owned("get-simulation-scenarios", creator, tag, sort_by),
        }
        return self._transport.paginate(
            "get-simulation-scenarios",
            GetSimulationScenariosResponse,
            SimulationScenarioInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search_scenarios(
        self,
        query: str,
        *,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> list[SimulationScenarioInstance]:
        """search-simulation-scenarios: by the terms of `query` in the name."""
        answer = await self._transport.request_json(
            "search-simulation-scenarios",
            SearchSimulationScenariosResponse,
            params={"query": query, **_owned(None, creator, tag)},
        )
        return answer.simulation_scenarios

    async def create_scenario(
        self, scenario: CreateSimulationScenarioRequest
    ) -> CreateSimulationScenarioResponse:
        """create-simulation-scenario: with its first version; 409 if the name is taken."""
        return await self._transport.request_json(
            "create-simulation-scenario",
            CreateSimulationScenarioResponse,
            json_body=json_body("scenario", scenario, CreateSimulationScenarioRequest),
        )

    async def update_scenario(
        self, scenario_id: str, update: UpdateSimulationScenarioRequest
    ) -> None:
        """update-simulation-scenario: change its tags (None leaves them unchanged)."""
        await self._transport.request_none(
            "update-simulation-scenario",
            path_params={_SCENARIO: scenario_id},
            json_body=json_body("update", update, UpdateSimulationScenarioRequest),
        )

    async def delete_scenario(self, scenario_id: str) -> None:
        """delete-simulation-scenario: 400 while a unit test uses the scenario."""
        await self._transport.request_none(
            "delete-simulation-scenario", path_params={_SCENARIO: scenario_id}
        )

    def list_scenario_versions(
        self,
        scenario_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationScenarioVersion]:
        """get-simulation-scenario-versions: as `list_persona_versions` (pages of at most 10)."""
        return versions_pager(
            self._transport,
            "get-simulation-scenario-versions",
            GetSimulationScenarioVersionsResponse,
            SimulationScenarioVersion,
            {_SCENARIO: scenario_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    async def create_scenario_version(
        self,
        scenario_id: str,
        scenario_version: CreateSimulationScenarioVersionRequest,
        *,
        version: int | None = None,
    ) -> CreateSimulationScenarioVersionResponse:
        """create-simulation-scenario-version: with `version`, 400 unless it is the next one."""
        return await self._transport.request_json(
            "create-simulation-scenario-version",
            CreateSimulationScenarioVersionResponse,
            path_params={_SCENARIO: scenario_id},
            params={"version": version},
            json_body=json_body(
                "scenario_version", scenario_version, CreateSimulationScenarioVersionRequest
            ),
        )

    # -- unit tests -----------------------------------------------------------

    def list_unit_tests(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_deleted: bool | None = None,
        service_id: Iterable[str] | None = None,
        persona_id: Iterable[str] | None = None,
        scenario_id: Iterable[str] | None = None,
        metric_id: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationUnitTestInstance]:
        """get-simulation-unit-tests: pages of at most 500 (50 by the server's default)."""
        params = {
            "id": as_list(ids),
            "is_deleted": is_deleted,
            **_unit_test_filters(service_id, persona_id, scenario_id, metric_id),
            **_owned("get-simulation-unit-tests", creator, tag, sort_by),
        }
        return self._transport.paginate(
            "get-simulation-unit-tests",
            GetSimulationUnitTestsResponse,
            SimulationUnitTestInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search_unit_tests(
        self,
        query: str,
        *,
        service_id: Iterable[str] | None = None,
        persona_id: Iterable[str] | None = None,
        scenario_id: Iterable[str] | None = None,
        metric_id: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> list[SimulationUnitTest]:
        """search-simulation-unit-tests: by the terms of `query` in the name."""
        params = {
            "query": query,
            **_unit_test_filters(service_id, persona_id, scenario_id, metric_id),
            **_owned(None, creator, tag),
        }
        answer = await self._transport.request_json(
            "search-simulation-unit-tests", SearchSimulationUnitTestsResponse, params=params
        )
        return answer.simulation_unit_tests

    async def create_unit_test(
        self, unit_test: CreateSimulationUnitTestRequest
    ) -> CreateSimulationUnitTestResponse:
        """create-simulation-unit-test: 409 if the name is taken, 404 if a referenced service,
        persona, scenario, metric or version set does not exist, 400 if a success criterion's
        type does not match its metric's."""
        return await self._transport.request_json(
            "create-simulation-unit-test",
            CreateSimulationUnitTestResponse,
            json_body=json_body("unit_test", unit_test, CreateSimulationUnitTestRequest),
        )

    async def update_unit_test(
        self, unit_test_id: str, update: UpdateSimulationUnitTestRequest
    ) -> None:
        """update-simulation-unit-test: change the fields of `update` that are not None."""
        await self._transport.request_none(
            "update-simulation-unit-test",
            path_params={_UNIT_TEST: unit_test_id},
            json_body=json_body("update", update, UpdateSimulationUnitTestRequest),
        )

    async def delete_unit_test(self, unit_test_id: str) -> None:
        """delete-simulation-unit-test: 400 while a unit test set uses it."""
        await self._transport.request_none(
            "delete-simulation-unit-test", path_params={_UNIT_TEST: unit_test_id}
        )

    # -- unit test sets ---------------------------------------------------------

    def list_unit_test_sets(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_deleted: bool | None = None,
        unit_test_id: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationUnitTestSetInstance]:
        """get-simulation-unit-test-sets: pages of at most 20; `sort_by` ``±updated_at``."""
        params = {
            "id": as_list(ids),
            "is_deleted": is_deleted,
            "unit_test_id": as_list(unit_test_id),
            **_owned("get-simulation-unit-test-sets", creator, tag, sort_by),
        }
        return self._transport.paginate(
            "get-simulation-unit-test-sets",
            GetSimulationUnitTestSetsResponse,
            SimulationUnitTestSetInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search_unit_test_sets(
        self,
        query: str,
        *,
        unit_test_id: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> list[SimulationUnitTestSet]:
        """search-simulation-unit-test-sets: by the terms of `query` in name or description."""
        params = {
            "query": query,
            "unit_test_id": as_list(unit_test_id),
            **_owned(None, creator, tag),
        }
        answer = await self._transport.request_json(
            "search-simulation-unit-test-sets", SearchSimulationUnitTestSetResponse, params=params
        )
        return answer.simulation_unit_test_sets

    async def create_unit_test_set(
        self, unit_test_set: CreateSimulationUnitTestSetRequest
    ) -> CreateSimulationUnitTestSetResponse:
        """create-simulation-unit-test-set: 409 if the name is taken, 404 if a unit test is not."""
        return await self._transport.request_json(
            "create-simulation-unit-test-set",
            CreateSimulationUnitTestSetResponse,
            json_body=json_body("unit_test_set", unit_test_set, CreateSimulationUnitTestSetRequest),
        )

    async def update_unit_test_set(
        self, unit_test_set_id: str, update: UpdateSimulationUnitTestSetRequest
    ) -> None:
        """update-simulation-unit-test-set: change the fields of `update` that are not None."""
        await self._transport.request_none(
            "update-simulation-unit-test-set",
            path_params={_UNIT_TEST_SET: unit_test_set_id},
            json_body=json_body("update", update, UpdateSimulationUnitTestSetRequest),
        )

    async def delete_unit_test_set(self, unit_test_set_id: str) -> None:
        """delete-simulation-unit-test-set."""
        await self._transport.request_none(
            "delete-simulation-unit-test-set", path_params={_UNIT_TEST_SET: unit_test_set_id}
        )

    # -- runs -----------------------------------------------------------------

    def list_runs(
        self,
        *,
        ids: Iterable[str] | None = None,
        simulation_unit_test_set_id: Iterable[str] | None = None,
        is_completed: bool | None = None,
        failed_metrics: bool | None = None,
        errored: bool | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        creator: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[SimulationUnitTestSetRunInstance]:
        """get-simulation-unit-test-set-runs: pages of at most 50; `sort_by` ``±created_at``.

        `failed_metrics` can be True while a run is still going (some unit test runs
        failed already). The creation bounds are inclusive and must be timezone-aware.
        """
        params: dict[str, QueryValue] = {
            "id": as_list(ids),
            "simulation_unit_test_set_id": as_list(simulation_unit_test_set_id),
            "is_completed": is_completed,
            "failed_metrics": failed_metrics,
            "errored": errored,
            "created_after": timestamp(created_after),
            "created_before": timestamp(created_before),
            "creator": as_list(creator),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-simulation-unit-test-set-runs",
            GetSimulationUnitTestSetRunsResponse,
            SimulationUnitTestSetRunInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def create_run(self, unit_test_set_id: str) -> CreateSimulationUnitTestSetRunResponse:
        """create-simulation-unit-test-set-run: start running a unit test set.

        409 while the caller has an unfinished run of the same set.
        """
        request = CreateSimulationUnitTestSetRunRequest(
            simulation_unit_test_set_id=unit_test_set_id
        )
        return await self._transport.request_json(
            "create-simulation-unit-test-set-run",
            CreateSimulationUnitTestSetRunResponse,
            json_body=request,
        )

    async def get_run_artifacts(self, run_id: str) -> GetSimulationUnitTestSetRunArtifactsResponse:
        """get-simulation-unit-test-set-run-artifacts: a presigned URL and when it expires.

        400 while the artifacts are not generated yet (``artifacts_generated`` of the run).
        """
        return await self._transport.request_json(
            "get-simulation-unit-test-set-run-artifacts",
            GetSimulationUnitTestSetRunArtifactsResponse,
            path_params={_RUN: run_id},
        )

    async def cancel_run(self, run_id: str) -> None:
        """cancel-simulation-unit-test-set-run: 409 unless the run is in progress."""
        await self._transport.request_none(
            "cancel-simulation-unit-test-set-run", path_params={_RUN: run_id}
        )


def _owned(
    operation_id: str | None,
    creator: Iterable[str] | None,
    tag: Iterable[str] | None,
    sort_by: Iterable[str] | None = None,
) -> dict[str, QueryValue]:
    """The creator, tag and (for a list, `operation_id`) sort filters every kind shares."""
    params: dict[str, QueryValue] = {
        "creator": as_list(creator),
        "tag": as_list(tag),
    }
    if operation_id is not None:
        params["sort_by"] = as_list(sort_by)
    return params


def _unit_test_filters(
    service_id: Iterable[str] | None,
    persona_id: Iterable[str] | None,
    scenario_id: Iterable[str] | None,
    metric_id: Iterable[str] | None,
) -> dict[str, QueryValue]:
    return {
        "service_id": as_list(service_id),
        "persona_id": as_list(persona_id),
        "scenario_id": as_list(scenario_id),
        "metric_id": as_list(metric_id),
    }
