"""Fake Metric endpoints: metrics (soft-deleted), evaluations and their results."""

from __future__ import annotations

from typing import Any

from ...models import unstructure
from ...models.metric import (
    CreateMetricRequest,
    EvaluateMetricsRequest,
    MetricEvaluationResultInstance,
    UpdateMetricRequest,
)
from .._app import Call, Refused, Reply, handler, json_reply
from .._crud import body_of, fields_of, listing, matching, tag_list, tagged
from .._samples import sample
from .._state import object_id
from ._filters import (
    authored,
    between,
    by_creator,
    creator,
    distinct,
    now,
    searched,
    tag_keys,
    touched,
)


def _live(call: Call, metric_id: str) -> dict[str, Any]:
    record = call.state.metrics.metrics.get(metric_id)
    if record["is_deleted"]:
        raise Refused(404, f"Metric {metric_id} not found.")
    return record


def _filtered(call: Call, deleted: bool) -> list[dict[str, Any]]:
    items = [m for m in call.state.metrics.metrics.values() if m["is_deleted"] == deleted]
    items = matching(call, items, "applied_to_service", "applied_to_services")
    items = matching(call, items, "type", "metric_value.type")
    return tagged(call, by_creator(call, items), "tag")


@handler("get-metrics")
async def get_metrics(call: Call) -> Reply:
    items = matching(call, _filtered(call, bool(call.query_bool("is_deleted"))), "id")
    filter_values = {
        "applied_to_services_ids": distinct(items, "applied_to_services"),
        "creators": distinct(items, "creator"),
        "tags": tag_keys(items),
        "types": distinct(items, "metric_value.type"),
    }
    return listing(call, "get-metrics", items, extra={"filter_values": filter_values})


@handler("search-metrics")
async def search_metrics(call: Call) -> Reply:
    found = searched(call, _filtered(call, False), "name", "description")
    return json_reply({"metrics": [{"_id": m["id"], **m} for m in found]})


@handler("create-metric")
async def create_metric(call: Call) -> Reply:
    request = body_of(call, CreateMetricRequest)
    metrics = call.state.metrics.metrics
    metrics.unique("name", request.name)
    record = metrics.add(
        {
            **unstructure(request),
            "id": object_id(call.state.metrics.rng),
            "org_id": call.state.organization,
            **authored(call),
            "tags": tag_list(request.tags),
            "is_deleted": False,
        }
    )
    return json_reply({"id": record["id"]}, 201)


@handler("update-metric")
async def update_metric(call: Call) -> Reply:
    metric_id = call.path("metric_id")
    _live(call, metric_id)
    update = body_of(call, UpdateMetricRequest)
    changes: dict[str, Any] = fields_of(update)
    if update.tags is not None:
        changes["tags"] = tag_list(update.tags)
    call.state.metrics.metrics.update(metric_id, touched(call, changes))
    return json_reply({})


@handler("delete-metric")
async def delete_metric(call: Call) -> Reply:
    metric_id = call.path("metric_id")
    record = _live(call, metric_id)
    for test in call.state.simulations.unit_tests.values():
        if any(c["metric_id"] == metric_id for c in test["success_criterions"]):
            raise Refused(400, "Metric is used in a simulation unit test.")
    record["is_deleted"] = True
    return json_reply({})


@handler("evaluate-metrics")
async def evaluate_metrics(call: Call) -> Reply:
    request = body_of(call, EvaluateMetricsRequest)
    metrics = [_live(call, metric_id) for metric_id in request.metric_ids]
    data = call.state.metrics
    source: dict[str, Any] = {
        "type": "manual",
        "conversation_id": request.conversation_id,
        "evaluate_to_interaction_id": request.evaluate_to_interaction_id,
        "invoked_by": creator(call),
        "references": [],
    }
    answers = []
    for metric in metrics:
        value = _value(metric["metric_value"])
        answers.append(
            {
                "metric_id": metric["id"],
                "name": metric["name"],
                "value": value,
                "references": [],
                "justification": "Judged by the fake server.",
            }
        )
        data.results.append(
            sample(
                MetricEvaluationResultInstance,
                data.rng,
                metric_id=metric["id"],
                result=value,
                source=source,
                created_at=now(),
            )
        )
    return json_reply({"metrics": answers})


def _value(metric_value: dict[str, Any]) -> Any:
    kind = metric_value["type"]
    if kind == "numerical":
        return metric_value["lower_bound"]
    if kind == "categorical":
        return metric_value["categories"][0]
    return True


@handler("get-metric-evaluation-results")
async def get_results(call: Call) -> Reply:
    items = matching(call, call.state.metrics.results, "metric_id")
    items = matching(call, items, "source_type", "source.type")
    items = matching(call, items, "conversation_id", "source.conversation_id")
    items = matching(
        call, items, "simulation_unit_test_set_run_id", "source.simulation_unit_test_set_run_id"
    )
    items = between(call, items, "timestamp_after", "timestamp_before")
    filter_values = {"metric_ids": distinct(items, "metric_id")}
    return listing(
        call, "get-metric-evaluation-results", items, extra={"filter_values": filter_values}
    )
