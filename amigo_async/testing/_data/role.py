"""Role data: roles and temporary permission grants, built from the generated models."""

from __future__ import annotations

import random

import attrs

from ...models.role import RoleInstance, TemporaryPermissionGrant, TemporaryPermissionGrantUserInfo
from .._crud import Store
from .._samples import sample

__all__ = ["ROLE_NAMES", "RoleData"]

ROLE_NAMES = ("DefaultAdministratorRole", "DefaultUserRole", "Auditor")
SEEDED_GRANTS = 14  # more than one page at the cap (10)


@attrs.define
class RoleData:
    rng: random.Random
    roles: Store
    grants: Store

    @classmethod
    def seeded(cls, rng: random.Random, organization: str, user_ids: list[str]) -> RoleData:
        roles = Store("Role", key="name")
        for name in ROLE_NAMES:
            roles.add(sample(RoleInstance, rng, name=name))
        grants = Store("Temporary permission grant", key="_id")
        for number in range(SEEDED_GRANTS):
            creator = sample(TemporaryPermissionGrantUserInfo, rng, org_id=organization)
            grants.add(
                sample(
                    TemporaryPermissionGrant,
                    rng,
                    org_id=organization,
                    user_id=user_ids[number % len(user_ids)],
                    creator=creator,
                    tags={"ticket": f"T-{number}"},
                )
            )
        return cls(rng, roles, grants)
