"""Dynamic behaviour set endpoints: ``client.dynamic_behavior_sets``.

Each method is keyed to one operationId (named first in its docstring); bodies
are the generated request models of `amigo_async.models.dynamic_behavior_set`.
The documented constraints of every parameter and body field are checked by
the transport before sending; the methods check only what the snapshot says in
prose (tag, creator and version syntax, sort fields).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from .._pagination import AsyncPager
from .._paths import QueryValue
from ..models.dynamic_behavior_set import (
    CreateDynamicBehaviorSetRequest,
    CreateDynamicBehaviorSetResponse,
    CreateDynamicBehaviorSetVersionRequest,
    CreateDynamicBehaviorSetVersionResponse,
    DynamicBehaviorInvocation,
    DynamicBehaviorSetInstance,
    DynamicBehaviorSetVersion,
    GetDynamicBehaviorInvocationsResponse,
    GetDynamicBehaviorSetsResponse,
    GetDynamicBehaviorSetVersionsResponse,
    SearchDynamicBehaviorSetsResponse,
    UpdateDynamicBehaviorSetRequest,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list, versions_pager

__all__ = ["DynamicBehaviorSetsResource"]

_ID = "dynamic_behavior_set_id"


class DynamicBehaviorSetsResource(Resource):
    """``client.dynamic_behavior_sets``: conversation triggers and the actions they take."""

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        is_active: bool | None = None,
        applied_to_service: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[DynamicBehaviorSetInstance]:
        """get-dynamic-behavior-sets: ``async for s in client.dynamic_behavior_sets.list()``.

        `tag` entries are ``key:value`` (``key:*`` any value, ``key:`` a null value),
        `creator` entries ``org_id,user_id``; `sort_by` takes ``+updated_at`` or
        ``-updated_at``. Pages hold at most 50; the first carries ``filter_values``
        in ``page.extra``.
        """
        params: dict[str, QueryValue] = {
            "id": as_list(ids),
            "sort_by": as_list(sort_by),
            **_filters(is_active, applied_to_service, creator, tag),
        }
        return self._transport.paginate(
            "get-dynamic-behavior-sets",
            GetDynamicBehaviorSetsResponse,
            DynamicBehaviorSetInstance,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def search(
        self,
        query: str,
        *,
        is_active: bool | None = None,
        applied_to_service: Iterable[str] | None = None,
        creator: Iterable[str] | None = None,
        tag: Iterable[str] | None = None,
    ) -> builtins.list[DynamicBehaviorSetInstance]:
        """search-dynamic-behavior-sets: sets whose name or latest triggers hold `query`'s terms."""
        answer = await self._transport.request_json(
            "search-dynamic-behavior-sets",
            SearchDynamicBehaviorSetsResponse,
            params={"query": query, **_filters(is_active, applied_to_service, creator, tag)},
        )
        return answer.dynamic_behavior_sets

    async def create(
        self, dynamic_behavior_set: CreateDynamicBehaviorSetRequest
    ) -> CreateDynamicBehaviorSetResponse:
        """create-dynamic-behavior-set: a new set with its first version.

        409 if its initial version is active and an active set has the same name.
        """
        return await self._transport.request_json(
            "create-dynamic-behavior-set",
            CreateDynamicBehaviorSetResponse,
            json_body=json_body(
                "dynamic_behavior_set", dynamic_behavior_set, CreateDynamicBehaviorSetRequest
            ),
        )

    async def update(
        self, dynamic_behavior_set_id: str, update: UpdateDynamicBehaviorSetRequest
    ) -> None:
        """update-dynamic-behavior-set: change the fields of `update` that are not None.

        409 if it would make two active sets share a name.
        """
        await self._transport.request_none(
            "update-dynamic-behavior-set",
            path_params={_ID: dynamic_behavior_set_id},
            json_body=json_body("update", update, UpdateDynamicBehaviorSetRequest),
        )

    async def delete(self, dynamic_behavior_set_id: str) -> None:
        """delete-dynamic-behavior-instruction (the snapshot's name): delete a set."""
        await self._transport.request_none(
            "delete-dynamic-behavior-instruction", path_params={_ID: dynamic_behavior_set_id}
        )

    def list_versions(
        self,
        dynamic_behavior_set_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[DynamicBehaviorSetVersion]:
        """get-dynamic-behavior-set-versions: a set's versions (pages of at most 10).

        `version` picks one (``3``, ``"latest"``) or an inclusive range (``"2-5"``,
        ``"1-latest"``); `sort_by` takes ``+version`` or ``-version``.
        """
        return versions_pager(
            self._transport,
            "get-dynamic-behavior-set-versions",
            GetDynamicBehaviorSetVersionsResponse,
            DynamicBehaviorSetVersion,
            {_ID: dynamic_behavior_set_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    async def create_version(
        self,
        dynamic_behavior_set_id: str,
        dynamic_behavior_set_version: CreateDynamicBehaviorSetVersionRequest,
        *,
        version: int | None = None,
    ) -> CreateDynamicBehaviorSetVersionResponse:
        """create-dynamic-behavior-set-version: a new version of a set's triggers and actions.

        With `version`, the server refuses (400) unless it is the set's next version
        number, which guards against two writers racing.
        """
        return await self._transport.request_json(
            "create-dynamic-behavior-set-version",
            CreateDynamicBehaviorSetVersionResponse,
            path_params={_ID: dynamic_behavior_set_id},
            params={"version": version},
            json_body=json_body(
                "dynamic_behavior_set_version",
                dynamic_behavior_set_version,
                CreateDynamicBehaviorSetVersionRequest,
            ),
        )

    def list_invocations(
        self,
        dynamic_behavior_set_id: str,
        *,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[DynamicBehaviorInvocation]:
        """get-dynamic-behavior-invocations: when a set fired (pages of at most 30).

        `sort_by` takes ``+invoked_at`` or ``-invoked_at``.
        """
        operation_id = "get-dynamic-behavior-invocations"
        return self._transport.paginate(
            operation_id,
            GetDynamicBehaviorInvocationsResponse,
            DynamicBehaviorInvocation,
            {"sort_by": as_list(sort_by)},
            path_params={_ID: dynamic_behavior_set_id},
            limit=limit,
            max_items=max_items,
        )


def _filters(
    is_active: bool | None,
    applied_to_service: Iterable[str] | None,
    creator: Iterable[str] | None,
    tag: Iterable[str] | None,
) -> dict[str, QueryValue]:
    """The filters get-dynamic-behavior-sets and search-dynamic-behavior-sets share."""
    return {
        "is_active": is_active,
        "applied_to_service": as_list(applied_to_service),
        "creator": as_list(creator),
        "tag": as_list(tag),
    }
