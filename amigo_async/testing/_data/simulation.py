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

_SEEDED = 3  # personas, scenarios, unit tests, runs
_SEEDED_VERSIONS = 12  # of the first persona and scenario: more than a page at the cap (10)


@attrs.define
class SimulationData:
    rng: random.Random
    personas: Store
    scenarios: Store
    unit_tests: Store
    unit_test_sets: Store
    runs: Store
    versions: dict[str, list[dict[str, Any]]] = attrs.field(factory=dict)  # by persona/scenario

    @classmethod
    def seeded(cls, rng: random.Random, metric_ids: list[str]) -> SimulationData:
        data = cls(
            rng,
            Store("Simulation persona"),
            Store("Simulation scenario"),
            Store("Simulation unit test"),
            Store("Simulation unit test set"),
            Store("Simulation unit test set run"),
        )
        data._seed_versioned(data.personas, SimulationPersonaInstance, SimulationPersonaVersion)
        data._seed_versioned(data.scenarios, SimulationScenarioInstance, SimulationScenarioVersion)
        for number, (persona, scenario) in enumerate(
            zip(data.personas.records, data.scenarios.records, strict=True)
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
            data.unit_tests.add(test)
        for number, test_id in enumerate(list(data.unit_tests.records)[:2]):
            runs = [{"unit_test_id": test_id, "run_count": 2}]
            name = f"unit-test-set-{number}"
            test_set = sample(
                SimulationUnitTestSetInstance, rng, name=name, unit_test_runs=runs, is_deleted=False
            )
            data.unit_test_sets.add(test_set)
        set_ids = list(data.unit_test_sets.records)
        for number in range(_SEEDED):
            run = sample(
                SimulationUnitTestSetRunInstance,
                rng,
                simulation_unit_test_set_id=set_ids[number % 2],
                is_completed=number != 1,  # the second run is in progress
                artifacts_generated=number == 0,
                errored=number == 2,
            )
            data.runs.add(run)
        return data

    def _seed_versioned(self, records: Store, instance: type[Any], version: type[Any]) -> None:
        kind = records.what.split()[-1]  # persona, scenario
        for number in range(_SEEDED):
            tags = {"team": "care" if number else "sales"}
            name = f"{kind}-{number}"
            record = records.add(sample(instance, self.rng, name=name, is_deleted=False, tags=tags))
            owner = {f"simulation_{kind}_id": record["id"]}
            self.versions[record["id"]] = [
                sample(version, self.rng, **owner, version=index + 1)
                for index in range(_SEEDED_VERSIONS if number == 0 else 1)
            ]
