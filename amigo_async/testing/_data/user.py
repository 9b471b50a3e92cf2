"""User data: users with their memories and user models, built from the generated models."""

from __future__ import annotations

import random
from typing import Any

import attrs

from ...models.user import GetUserModelResponse, MemoryInstance, UserInstance
from .._crud import Store
from .._samples import sample

__all__ = ["UserData"]

SEEDED_USERS = 12
SEEDED_MEMORIES = 7  # per user


@attrs.define
class UserData:
    rng: random.Random
    users: Store
    memories: dict[str, list[dict[str, Any]]]  # user id -> memories
    user_models: dict[str, dict[str, Any]]  # user id -> get-user-model answer
    sign_in_emails: list[str] = attrs.field(factory=list)  # sign-in links sent

    @classmethod
    def seeded(cls, rng: random.Random, organization: str, roles: list[str]) -> UserData:
        users = Store("User", key="user_id")
        for number in range(SEEDED_USERS):
            users.add(
                sample(
                    UserInstance,
                    rng,
                    org_id=organization,
                    first_name=f"First{number:02d}",
                    last_name=f"Last{SEEDED_USERS - number:02d}",
                    email=f"user{number:02d}@example.com",
                    role=roles[number % len(roles)],
                )
            )
        memories = {
            user_id: [sample(MemoryInstance, rng) for _ in range(SEEDED_MEMORIES)]
            for user_id in users.records
        }
        models = {user_id: sample(GetUserModelResponse, rng) for user_id in users.records}
        return cls(rng, users, memories, models)
