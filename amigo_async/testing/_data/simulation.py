"""Simulation data: personas and scenarios (versioned), unit tests, unit test sets, runs."""

from __future__ import annotations

import random
from typing import Any

import attrs

from ...models.simulation import (
    SimulationPersonaInstance,
    SimulationPersonaVersion,
    SimulationScenarioInstance,
    SimulationScenarioVersion,
    SimulationUnitTestInstance,
    SimulationUnitTestSetInstance,
    SimulationUnitTestSetRunInstance,
)
from .._crud import Store
from .._samples import sample

__all__ = ["SimulationData"]

SEEDED = 3  # personas, scenarios, unit tests, runs
SEEDED_VERSIONS = 12  # of the first persona and scenario: more than a page at the cap (10)


@attrs.define
class SimulationData:
    rng: random.Random
    personas: Store
    persona_versions: dict[str, list[dict[str, Any]]]
    scenarios: Store
    scenario_versions: dict[str, list[dict[str, Any]]]
    unit_tests: Store
    unit_test_sets: Store
    runs: Store

    @classmethod
    def seeded(cls, rng: random.Random, metric_ids: list[str]) -> SimulationData:
        personas, persona_versions = _versioned(
            rng, "Simulation persona", SimulationPersonaInstance, SimulationPersonaVersion
        )
        scenarios, scenario_versions = _versioned(
            rng, "Simulation scenario", SimulationScenarioInstance, SimulationScenarioVersion
        )
        unit_tests = Store("Simulation unit test")
        for number, (persona, scenario) in enumerate(
            zip(personas.records, scenarios.records, strict=True)
        ):
            test = sample(
                SimulationUnitTestInstance,
                rng,
                name=f"unit-test-{number}",
                persona_id=persona,
                scenario_id=scenario,
                is_deleted=False,
            )
            for criterion in test["success_criterions"]:
                criterion["metric_id"] = metric_ids[0]  # the first metric is in use
            unit_tests.add(test)
        test_ids = list(unit_tests.records)
        unit_test_sets = Store("Simulation unit test set")
        for number in range(2):
            descriptors = [{"unit_test_id": test_ids[number], "run_count": 2}]
            unit_test_sets.add(
                sample(
                    SimulationUnitTestSetInstance,
                    rng,
                    name=f"unit-test-set-{number}",
                    unit_test_runs=descriptors,
                    is_deleted=False,
                )
            )
        set_ids = list(unit_test_sets.records)
        runs = Store("Simulation unit test set run")
        for number in range(SEEDED):
            runs.add(
                sample(
                    SimulationUnitTestSetRunInstance,
                    rng,
                    simulation_unit_test_set_id=set_ids[number % 2],
                    is_completed=number != 1,  # the second run is in progress
                    artifacts_generated=number == 0,
                    errored=number == 2,
                )
            )
        return cls(
            rng,
            personas,
            persona_versions,
            scenarios,
            scenario_versions,
            unit_tests,
            unit_test_sets,
            runs,
        )


def _versioned(
    rng: random.Random, what: str, instance: type[Any], version: type[Any]
) -> tuple[Store, dict[str, list[dict[str, Any]]]]:
    records = Store(what)
    versions: dict[str, list[dict[str, Any]]] = {}
    owner = f"{what.split()[-1]}_id"  # persona_id / scenario_id, as the version's field says
    for number in range(SEEDED):
        record = records.add(
            sample(
                instance,
                rng,
                name=f"{what.split()[-1]}-{number}",
                is_deleted=False,
                tags={"team": "care" if number else "sales"},
            )
        )
        versions[record["id"]] = [
            sample(version, rng, **{f"simulation_{owner}": record["id"]}, version=index + 1)
            for index in range(SEEDED_VERSIONS if number == 0 else 1)
        ]
    return records, versions
