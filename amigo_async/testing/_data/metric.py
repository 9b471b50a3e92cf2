"""Metric data: metrics and their evaluation results."""

from __future__ import annotations

import random
from typing import Any

import attrs

from ...models.metric import (
    BooleanMetricValue,
    CategoricalMetricValueOutput,
    MetricEvaluationResultInstance,
    MetricInstance,
    NumericalMetricValue,
)
from .._crud import Store
from .._samples import sample

__all__ = ["MetricData"]

SEEDED_RESULTS = 30

_VALUES: tuple[NumericalMetricValue | CategoricalMetricValueOutput | BooleanMetricValue, ...] = (
    NumericalMetricValue(lower_bound=0, upper_bound=10),
    CategoricalMetricValueOutput(categories=["good", "bad"]),
    BooleanMetricValue(),
)


@attrs.define
class MetricData:
    rng: random.Random
    metrics: Store
    results: list[dict[str, Any]]

    @classmethod
    def seeded(cls, rng: random.Random) -> MetricData:
        metrics = Store("Metric")
        for number, value in enumerate(_VALUES):
            metrics.add(
                sample(
                    MetricInstance,
                    rng,
                    name=f"metric-{value.type}",
                    description=f"How {value.type} the conversation went.",
                    metric_value=value,
                    is_deleted=False,
                    tags=[{"key": "team", "value": "care" if number else "sales"}],
                )
            )
        ids = list(metrics.records)
        results = [
            sample(MetricEvaluationResultInstance, rng, metric_id=ids[index % len(ids)])
            for index in range(SEEDED_RESULTS)
        ]
        return cls(rng, metrics, results)
