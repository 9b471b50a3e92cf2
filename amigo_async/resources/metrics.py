"""Metric endpoints: ``client.metrics``.

Each method is keyed to one operationId (named first in its docstring); bodies
are the generated request models of `amigo_async.models.metric`. The documented
constraints of every parameter and body field are checked by the transport
before sending; the methods check only what the snapshot says in prose (tag and
creator syntax, sort fields, aware timestamps).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime

from .._pagination import AsyncPager
from .._paths import QueryValue
from ..models.metric import (
    CreateMetricRequest,
    CreateMetricResponse,
    EvaluateMetricsResponse,
    GetMetricEvaluationResultsResponse,
    GetMetricsResponse,
    Metric,
    MetricAgentMetricEvaluationResult,
    MetricEvaluationResultInstance,
    MetricInstance,
    SearchMetricsResponse,
    UpdateMetricRequest,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list, timestamp

__all__ = ["MetricsResource"]


class MetricsResource(Resource):
    """``client.metrics``: what a conversation is measured by, and the measurements."""

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        applied_to_service: Iterable[str] | None = None,
        type: Iterable[str] | None = None,
        is_deleted: bool | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[MetricInstance]:
        """get-metrics: ``async for metric in client.metrics.list(type=["numerical"])``.

        `type` entries are ``numerical``, ``categorical`` or ``boolean``; `tag`
        entries ``key:value``; `creator` entries ``org_id,user_id``; `sort_by` takes
        ``+updated_at`` or ``-updated_at``. Deleted metrics are left out unless
        `is_deleted` is True. Pages hold at most 50; the first carries
        ``filter_values`` in ``page.extra``.
        """
        params: dict[str, QueryValue] = {
            "id": as_list(ids),
            "is_deleted": is_deleted,
            "sort_by": as_list(sort_by),
            **_filters(applied_to_service, type, creator, tag),
        }
        return self._transport.paginate(
            "get-metrics",
            GetMetricsResponse,
            MetricInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search(
        self,
        query: str,
        *,
        applied_to_service: Iterable[str] | None = None,
        type: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> builtins.list[Metric]:
        """search-metrics: metrics whose name or description holds `query`'s terms."""
        answer = await self._transport.request_json(
            "search-metrics",
            SearchMetricsResponse,
            params={"query": query, **_filters(applied_to_service, type, creator, tag)},
        )
        return answer.metrics

    async def create(self, metric: CreateMetricRequest) -> CreateMetricResponse:
        """create-metric: a new metric; 409 if the name is taken."""
        return await self._transport.request_json(
            "create-metric",
            CreateMetricResponse,
            json_body=json_body("metric", metric, CreateMetricRequest),
        )

    async def update(self, metric_id: str, update: UpdateMetricRequest) -> None:
        """update-metric: change the fields of `update` that are not None.

        A metric's name and value type never change; create a new metric instead.
        """
        await self._transport.request_none(
            "update-metric",
            path_params={"metric_id": metric_id},
            json_body=json_body("update", update, UpdateMetricRequest),
        )

    async def delete(self, metric_id: str) -> None:
        """delete-metric: delete a metric; 400 while a simulation unit test uses it."""
        await self._transport.request_none("delete-metric", path_params={"metric_id": metric_id})

    async def evaluate(
        self,
        metric_ids: Iterable[str],
        conversation_id: str,
        *,
        evaluate_to_interaction_id: str | None = None,
    ) -> builtins.list[MetricAgentMetricEvaluationResult]:
        """evaluate-metrics: evaluate metrics on a conversation now.

        With `evaluate_to_interaction_id`, only the conversation up to that
        interaction counts. 400 if the conversation has no interactions.
        """
        body: dict[str, object] = {  # plain JSON, so a bare str reaches the pass unsplit
            "metric_ids": as_list(metric_ids),
            "conversation_id": conversation_id,
        }
        if evaluate_to_interaction_id is not None:
            body["evaluate_to_interaction_id"] = evaluate_to_interaction_id
        answer = await self._transport.request_json(
            "evaluate-metrics", EvaluateMetricsResponse, json_body=body
        )
        return answer.metrics

    def list_evaluation_results(
        self,
        *,
        metric_id: Iterable[str] | None = None,
        source_type: Iterable[str] | None = None,
        conversation_id: Iterable[str] | None = None,
        simulation_unit_test_set_run_id: Iterable[str] | None = None,
        timestamp_after: datetime | None = None,
        timestamp_before: datetime | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[MetricEvaluationResultInstance]:
        """get-metric-evaluation-results: past evaluations (pages of at most 500).

        `source_type` entries are ``post-session``, ``manual`` or ``simulation``;
        `conversation_id` filters post-session and manual results,
        `simulation_unit_test_set_run_id` simulation ones. The timestamps are
        inclusive bounds and must be timezone-aware. `sort_by` takes
        ``+created_at`` or ``-created_at``.
        """
        operation_id = "get-metric-evaluation-results"
        params: dict[str, QueryValue] = {
            "metric_id": as_list(metric_id),
            "source_type": as_list(source_type),
            "conversation_id": as_list(conversation_id),
            "simulation_unit_test_set_run_id": as_list(simulation_unit_test_set_run_id),
            "timestamp_after": timestamp(timestamp_after),
            "timestamp_before": timestamp(timestamp_before),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            operation_id,
            GetMetricEvaluationResultsResponse,
            MetricEvaluationResultInstance,
            params,
            limit=limit,
            max_items=max_items,
        )


def _filters(
    applied_to_service: Iterable[str] | None,
    types: Iterable[str] | None,
    creator: Iterable[str] | None,
    tag: Iterable[str] | None,
) -> dict[str, QueryValue]:
    """The filters get-metrics and search-metrics share."""
    return {
        "applied_to_service": as_list(applied_to_service),
        "type": as_list(types),
        "creator": as_list(creator),
        "tag": as_list(tag),
    }
