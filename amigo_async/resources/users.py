"""User endpoints (``client.users``): invite, list, search, update and delete users; user models,
memories and variables; the sign-in email.

sign-in-with-api-key is not here: the client's authentication sends it. Bodies
are the generated models of `amigo_async.models.user`; the documented
constraints of every parameter and body are checked before sending.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from .._pagination import AsyncPager
from ..models.user import (
    CreateInvitedUserRequest,
    CreateInvitedUserResponse,
    GetMemoriesResponse,
    GetUserModelResponse,
    GetUsersResponse,
    MemoryInstance,
    ModifyUserVariablesRequest,
    SearchUsersResponse,
    SignInWithEmailRequest,
    UpdateUserInfoRequest,
    UserInstance,
)
from ._base import Resource
from ._bodies import json_body
from ._listing import as_list

__all__ = ["UsersResource"]


class UsersResource(Resource):
    """``client.users``: the users of the organization."""

    async def create(self, user: CreateInvitedUserRequest) -> CreateInvitedUserResponse:
        """create-invited-user: invite a user by email; 409 if the email is taken."""
        return await self._transport.request_json(
            "create-invited-user",
            CreateInvitedUserResponse,
            json_body=json_body("user", user, CreateInvitedUserRequest),
        )

    def list(
        self,
        *,
        ids: Iterable[str] | None = None,
        emails: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[UserInstance]:
        """get-users: every user, or those with the given ids or emails.

        `sort_by` takes ``first_name``, ``last_name``, ``email`` and the
        ``user_stats.*`` counters, ``-`` first for descending. Pages hold `limit`
        users (at most 100; the cap when left out).
        """
        params = {
            "user_id": as_list(ids),
            "email": as_list(emails),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-users", GetUsersResponse, UserInstance, params, limit=limit, max_items=max_items
        )

    async def search(
        self, query: str, *, ids: Iterable[str] | None = None
    ) -> builtins.list[UserInstance]:
        """search-users: users whose name or email contains `query` (one answer, not paged)."""
        params = {"query": query, "user_id": as_list(ids)}
        answer = await self._transport.request_json(
            "search-users", SearchUsersResponse, params=params
        )
        return answer.users

    async def update(self, user_id: str, changes: UpdateUserInfoRequest) -> None:
        """update-user-info: change the fields of `changes` that are not None."""
        await self._transport.request_none(
            "update-user-info",
            path_params={"requested_user_id": user_id},
            json_body=json_body("changes", changes, UpdateUserInfoRequest),
        )

    async def delete(self, user_id: str) -> None:
        """delete-user: remove a user from the organization."""
        await self._transport.request_none(
            "delete-user", path_params={"requested_user_id": user_id}
        )

    async def get_user_model(self, user_id: str) -> GetUserModelResponse:
        """get-user-model: what the agents have learnt about a user, and added context."""
        return await self._transport.request_json(
            "get-user-model", GetUserModelResponse, path_params={"user_id": user_id}
        )

    def list_memories(
        self,
        user_id: str,
        *,
        ids: Iterable[str] | None = None,
        conversation_ids: Iterable[str] | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[MemoryInstance]:
        """get-memories: a user's memories, optionally of some conversations only.

        `sort_by` takes ``conversation_id`` and ``created_at``. Pages hold `limit`
        memories (at most 50; the cap when left out).
        """
        params = {
            "id": as_list(ids),
            "conversation_id": as_list(conversation_ids),
            "sort_by": as_list(sort_by),
        }
        return self._transport.paginate(
            "get-memories",
            GetMemoriesResponse,
            MemoryInstance,
            params,
            path_params={"user_id": user_id},
            limit=limit,
            max_items=max_items,
        )

    async def update_variables(self, user_id: str, changes: ModifyUserVariablesRequest) -> None:
        """modify-user-variables: upsert and delete a user's variables in one call."""
        await self._transport.request_none(
            "modify-user-variables",
            path_params={"requested_user_id": user_id},
            json_body=json_body("changes", changes, ModifyUserVariablesRequest),
        )

    async def sign_in_with_email(self, email: str, redirect_link: str) -> None:
        """sign-in-with-email: email the user a sign-in link that leads to `redirect_link`.

        Needs no credentials (the documents give no rate limit for it).
        """
        body = SignInWithEmailRequest(email=email, redirect_link=redirect_link)
        await self._transport.request_none(
            "sign-in-with-email",
            json_body=json_body("body", body, SignInWithEmailRequest),
        )
