"""The fake server's data: seeded, deterministic, and mutable by the endpoints.

Each area keeps its own data class in `_data/`; `FakeState` only groups them.
The same seed always gives the same ids, names and contents.
"""

from __future__ import annotations

import attrs

from ._data._common import area_rng, object_id
from ._data.admin import AdminData
from ._data.conversation import ConversationData
from ._data.dynamic_behavior_set import DynamicBehaviorSetData
from ._data.metric import MetricData
from ._data.organization import OrganizationData
from ._data.prompt_logs import PromptLogData
from ._data.role import ROLE_NAMES, RoleData
from ._data.service import CHAT_SERVICE_ID, ServiceData
from ._data.simulation import SimulationData
from ._data.tools import ToolData
from ._data.user import UserData
from ._data.webhook_destination import WebhookData

__all__ = ["FakeState", "area_rng", "object_id"]


@attrs.define
class FakeState:
    seed: int
    organization: str
    admin: AdminData
    tools: ToolData
    organization_data: OrganizationData
    prompt_logs: PromptLogData
    services: ServiceData
    users: UserData
    roles: RoleData
    webhooks: WebhookData
    conversations: ConversationData
    dynamic_behavior_sets: DynamicBehaviorSetData
    metrics: MetricData
    simulations: SimulationData

    @classmethod
    def seeded(cls, seed: int, organization: str) -> FakeState:
        users = UserData.seeded(area_rng(seed, "user"), organization, list(ROLE_NAMES))
        metrics = MetricData.seeded(area_rng(seed, "metric"))
        roles = RoleData.seeded(area_rng(seed, "role"), organization, list(users.users.records))
        role_ids = [roles.roles.get(name)["id"] for name in ROLE_NAMES[:2]]
        return cls(
            seed=seed,
            organization=organization,
            admin=AdminData.seeded(),
            tools=ToolData.seeded(area_rng(seed, "tools")),
            organization_data=OrganizationData.seeded(area_rng(seed, "organization"), role_ids),
            prompt_logs=PromptLogData.seeded(area_rng(seed, "prompt_logs")),
            services=ServiceData.seeded(area_rng(seed, "service"), organization),
            users=users,
            roles=roles,
            webhooks=WebhookData.seeded(area_rng(seed, "webhook_destination")),
            conversations=ConversationData.seeded(area_rng(seed, "conversations"), CHAT_SERVICE_ID),
            dynamic_behavior_sets=DynamicBehaviorSetData.seeded(
                area_rng(seed, "dynamic_behavior_set")
            ),
            metrics=metrics,
            simulations=SimulationData.seeded(
                area_rng(seed, "simulation"), list(metrics.metrics.records)
            ),
        )
