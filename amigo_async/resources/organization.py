"""Organization endpoints: the organization, agents, state machines, API keys, user dimensions.

Every method is keyed to one operationId (named first in its docstring); the
transport's one validation pass judges what it sends before anything leaves, so a bad
id, an over-cap limit or a misspelt state name never spends a rate-limit token. The
four lists come back as `AsyncPager`s; their documented caps, defaults and first
tokens are in the operations table (`amigo_async._spec`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from .._checks import (
    VERSION_SELECTOR_PATTERN,
    check_header_value,
    check_non_empty,
    format_iso_duration,
    parse_iso_duration,
    unique_items,
)
from .._checks_organization import (
    API_KEY_DURATION,
    AZURE_DEVOPS_TEAM_PATTERN,
    EXTERNAL_STATE_NAME_PATTERN,
    STATE_NAME_PATTERN,
    require_type,
)
from .._images import IMAGE_RULES, check_image
from .._pagination import AsyncPager
from ..models import unstructure
from ..models.facts import DEFAULT_API_KEY_ROLE
from ..models.organization import (
    Agent,
    AgentList,
    AgentVersion,
    AgentVersionList,
    ApiKey,
    ApiKeyList,
    Created,
    CreatedApiKey,
    CreatedOrganization,
    DeletedApiKey,
    NewAgent,
    NewAgentVersion,
    NewApiKey,
    NewOrganization,
    NewStateMachine,
    NewStateMachineVersion,
    Organization,
    OrganizationUpdate,
    StateMachine,
    StateMachineList,
    StateMachineVersion,
    StateMachineVersionList,
    UserDimension,
    UserDimensionList,
    VersionCreated,
)
from ._base import Resource
from ._listing import as_list, versions_pager

if TYPE_CHECKING:
    from ._base import Transport

__all__ = [
    "API_KEY_DURATION",
    "AZURE_DEVOPS_TEAM_PATTERN",
    "EXTERNAL_STATE_NAME_PATTERN",
    "STATE_NAME_PATTERN",
    "VERSION_SELECTOR_PATTERN",
    "OrganizationResource",
]


def _check_images(body: NewOrganization | OrganizationUpdate) -> None:
    """The documented image kinds and sizes, judged on the bytes before they are encoded
    (the snapshot sees only base64 text)."""
    for field in IMAGE_RULES:
        value = getattr(body, field)
        if value is not None:
            check_image(field, value)


def _duration_text(value: timedelta | str) -> str:
    """The duration's canonical ISO 8601 spelling (``P2W`` is sent as ``P14D``), a negative
    one marked ``-``; text that is not a duration as given. The validation pass judges
    the spelling and the documented bounds."""
    duration: object = value
    if isinstance(value, str):
        try:
            duration = parse_iso_duration(value.strip())
        except ValueError:
            return value
    if isinstance(duration, timedelta):
        spelled = format_iso_duration(abs(duration))
        return f"-{spelled}" if duration < timedelta() else spelled
    return cast("str", value)  # neither: passed on for the validation pass to name


class OrganizationResource(Resource):
    """``client.organization``: the organization the client is bound to and what it owns."""

    def __init__(self, transport: Transport, mongo_cluster: str | None = None) -> None:
        super().__init__(transport)
        self._mongo_cluster = mongo_cluster

    # -- the organization -----------------------------------------------------

    async def get(self) -> Organization:
        """get-organization: names, descriptions and onboarding texts of the organization."""
        return await self._transport.request_json("get-organization", Organization)

    async def create(
        self, organization: NewOrganization, *, mongo_cluster: str | None = None
    ) -> CreatedOrganization:
        """create-organization: create the organization this client is bound to.

        Its id is the client's ``organization``; 409 if it exists already. The
        documents require the ``x-mongo-cluster-name`` header: give `mongo_cluster`
        here or ``mongo_cluster=`` to the client. The operation accepts only a
        Bearer token, so it is sent as one even by a client configured for Basic.
        """
        _check_images(require_type("organization", organization, NewOrganization))
        cluster = mongo_cluster if mongo_cluster is not None else self._mongo_cluster
        if cluster is None:
            raise ValueError(
                "create-organization requires the x-mongo-cluster-name header: "
                "pass mongo_cluster= to this call or to AmigoClient"
            )
        check_non_empty("mongo_cluster", check_header_value("mongo_cluster", cluster))
        return await self._transport.request_json(
            "create-organization",
            CreatedOrganization,
            json_body=unstructure(organization),
            headers={"x-mongo-cluster-name": cluster},
            bearer_only=True,
        )

    async def update(self, update: OrganizationUpdate) -> None:
        """modify-organization: change the fields of `update` that are not None."""
        _check_images(require_type("update", update, OrganizationUpdate))
        await self._transport.request_none("modify-organization", json_body=unstructure(update))

    async def delete(self) -> None:
        """delete-organization: delete the organization this client is bound to."""
        await self._transport.request_none("delete-organization")

    async def get_user_dimensions(self) -> list[UserDimension]:
        """get-user-dimensions: the user dimensions configured for the organization."""
        body = await self._transport.request_json("get-user-dimensions", UserDimensionList)
        return body.user_dimensions

    # -- agents ---------------------------------------------------------------

    def list_agents(
        self,
        *,
        deprecated: bool | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[Agent]:
        """get-agents: every agent, optionally only (non-)deprecated ones or the given ids.

        Pages hold `limit` agents (at most 20; the cap when left out).
        """
        params = {
            "deprecated": deprecated,
            "id": unique_items(as_list(ids)),
        }
        return self._transport.paginate(
            "get-agents", AgentList, Agent, params, limit=limit, max_items=max_items
        )

    async def create_agent(self, name: str) -> Created:
        """create-agent: a new agent without versions; 409 if the name is taken."""
        body = NewAgent(agent_name=name)
        return await self._transport.request_json(
            "create-agent", Created, json_body=unstructure(body)
        )

    async def create_agent_version(
        self, agent_id: str, agent_version: NewAgentVersion, *, version: int | None = None
    ) -> VersionCreated:
        """create-agent-version: a new version; fields left at None keep the latest version's.

        With `version`, the server refuses (409) unless it is the agent's next version
        number, which guards against two writers racing.
        """
        require_type("agent_version", agent_version, NewAgentVersion)
        return await self._transport.request_json(
            "create-agent-version",
            VersionCreated,
            path_params={"agent_id": agent_id},
            params={"version": version},
            json_body=unstructure(agent_version),
        )

    async def delete_agent(self, agent_id: str) -> None:
        """delete-agent: delete an agent; it stays listed as deprecated.

        400 while an active service uses it, 409 if it is deleted already.
        """
        await self._transport.request_none("delete-agent", path_params={"agent_id": agent_id})

    def list_agent_versions(
        self,
        agent_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[AgentVersion]:
        """get-agent-versions: an agent's versions.

        `version` picks one (``3``, ``"latest"``) or an inclusive range (``"2-5"``,
        ``"1-latest"``); `sort_by` takes ``"+version"`` or ``"-version"``. Pages hold at
        most 10.
        """
        return versions_pager(
            self._transport,
            "get-agent-versions",
            AgentVersionList,
            AgentVersion,
            {"agent_id": agent_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    # -- service hierarchical state machines ----------------------------------

    def list_state_machines(
        self,
        *,
        deprecated: bool | None = None,
        ids: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[StateMachine]:
        """get-service-hierarchical-state-machines: every state machine (pages of at most 50)."""
        params = {
            "deprecated": deprecated,
            "id": unique_items(as_list(ids)),
        }
        return self._transport.paginate(
            "get-service-hierarchical-state-machines",
            StateMachineList,
            StateMachine,
            params,
            limit=limit,
            max_items=max_items,
        )

    async def create_state_machine(self, name: str) -> Created:
        """create-service-hierarchical-state-machine: a new, empty state machine (409 if taken)."""
        body = NewStateMachine(state_machine_name=name)
        return await self._transport.request_json(
            "create-service-hierarchical-state-machine", Created, json_body=unstructure(body)
        )

    async def create_state_machine_version(
        self,
        state_machine_id: str,
        state_machine_version: NewStateMachineVersion,
        *,
        version: int | None = None,
        dry_run: bool = False,
    ) -> VersionCreated | None:
        """create-service-hierarchical-state-machine-version: a new, complete version.

        With `dry_run` the server only validates it and nothing is stored (the answer is
        None). With `version`, the server refuses (409) unless it is the next version.
        """
        operation_id = "create-service-hierarchical-state-machine-version"
        require_type("state_machine_version", state_machine_version, NewStateMachineVersion)
        return await self._transport.request_optional_json(
            operation_id,
            VersionCreated,
            path_params={"service_hierarchical_state_machine_id": state_machine_id},
            params={"version": version, "dry_run": None if dry_run is False else dry_run},
            json_body=unstructure(state_machine_version),
        )

    async def delete_state_machine(self, state_machine_id: str) -> None:
        """delete-service-hierarchical-state-machine: delete it; it stays listed as deprecated.

        400 while an active service uses it, 409 if it is deleted already.
        """
        await self._transport.request_none(
            "delete-service-hierarchical-state-machine",
            path_params={"state_machine_id": state_machine_id},
        )

    def list_state_machine_versions(
        self,
        state_machine_id: str,
        *,
        version: int | str | None = None,
        sort_by: Iterable[str] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[StateMachineVersion]:
        """get-service-hierarchical-state-machine-versions: a state machine's versions.

        `version` and `sort_by` as in `list_agent_versions`; pages hold at most 10.
        """
        return versions_pager(
            self._transport,
            "get-service-hierarchical-state-machine-versions",
            StateMachineVersionList,
            StateMachineVersion,
            {"service_hierarchical_state_machine_id": state_machine_id},
            version,
            sort_by,
            limit,
            max_items,
        )

    # -- API keys -------------------------------------------------------------

    async def list_api_keys(self) -> list[ApiKey]:
        """get-api-keys: the organization's API keys (metadata only, never the secrets)."""
        body = await self._transport.request_json("get-api-keys", ApiKeyList)
        return body.api_keys

    async def create_api_key(
        self,
        duration: timedelta | str,
        *,
        name: str | None = None,
        role_name: str = DEFAULT_API_KEY_ROLE,
    ) -> CreatedApiKey:
        """create-api-key: a key valid for `duration` (1 to 90 days; ISO 8601 or a timedelta).

        The answer holds the secret, shown only this once; its repr masks it. `role_name`
        caps what the key can authenticate as.
        """
        request = NewApiKey(
            duration=_duration_text(duration),
            name=name,
            role_name=role_name,
        )
        return await self._transport.request_json(
            "create-api-key", CreatedApiKey, json_body=unstructure(request)
        )

    async def delete_api_key(self, api_key_id: str) -> DeletedApiKey:
        """delete-api-key: revoke a key by its `key_id`."""
        return await self._transport.request_json(
            "delete-api-key",
            DeletedApiKey,
            path_params={"api_key_id": api_key_id},
        )
