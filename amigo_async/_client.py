"""`AmigoClient`: configuration in, one `Transport` and the resources out.

The client checks what it is given, builds the credentials, limits and the one
request path (`_transport.Transport`), and hands that transport to each
resource. It sends nothing itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from yarl import URL

from ._arguments import check_int
from ._auth import ApiKeyCredentials, AuthScheme, Credentials, TokenCredentials
from ._config import RetryPolicy, Timeouts, resolve_base_url
from ._limits import InProcessBackend, RateLimit, RateLimitBackend
from ._network import SSLArgument, resolve_network
from ._paths import check_segment
from ._spec import DOCUMENTED_RATE_LIMITS, OPERATIONS
from ._stats import ClientStats
from ._token_cache import TokenCache, default_cache_directory
from ._transport import Transport
from ._version import __version__
from .events import EventDispatcher, EventHook

if TYPE_CHECKING:
    from .jobs.scan import ToolsWithScan
    from .resources.admin import AdminResource
    from .resources.conversations import ConversationsResource
    from .resources.dynamic_behavior_sets import DynamicBehaviorSetsResource
    from .resources.metrics import MetricsResource
    from .resources.organization import OrganizationResource
    from .resources.roles import RolesResource
    from .resources.services import ServicesResource
    from .resources.simulations import SimulationsResource
    from .resources.users import UsersResource
    from .resources.webhooks import WebhooksResource

__all__ = ["DEFAULT_MAX_BODY_BYTES", "AmigoClient", "ClientStats"]

_USER_AGENT = f"amigo_async/{__version__}"
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
"""The largest JSON answer read (decompressed); the documents' largest are far below."""


# The variable each setting falls back to (named too when a required one is missing).
_VARIABLES = {
    "organization": "AMIGO_ORGANIZATION_ID",
    "base_url": "AMIGO_BASE_URL",
    "token": "AMIGO_TOKEN",
    "api_key": "AMIGO_API_KEY",
    "api_key_id": "AMIGO_API_KEY_ID",
    "user_id": "AMIGO_USER_ID",
}


def _env(setting: str) -> str | None:
    value = os.environ.get(_VARIABLES[setting])
    return value if value else None


def _check_text(name: str, value: object, *, secret: bool = False) -> str:
    """A configuration string: no control or line-separator character, no space in a secret."""
    if value is None:
        variable = _VARIABLES.get(name)
        raise ValueError(
            f"{name} is required: pass {name}= or set {variable}"
            if variable
            else f"{name} is required"
        )
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if not value.isprintable():
        raise ValueError(f"{name} must not contain control characters or line separators")
    if secret and any(c.isspace() for c in value):
        raise ValueError(f"{name} must not contain whitespace")
    return value


def _optional_text(name: str, value: object) -> str | None:
    return None if value is None else _check_text(name, value)


class AmigoClient:
    """An async client for the whole Amigo API, one attribute per area of the API.

    Use it as ``async with AmigoClient(...) as client:`` (or call
    ``await client.aclose()`` when done; a client dropped with its connections
    open warns with a `ResourceWarning`). It owns one pooled aiohttp session and
    one rate-limit bucket per documented operation; areas are `admin`, `tools`,
    `organization`, `services`, `users`, `roles`, `webhooks`, `conversations`,
    `dynamic_behavior_sets`, `metrics` and `simulations`. Each area is made on
    first use, so a program imports only the models of the areas it touches.

    Credentials: a token (a JWT) is used first while it is valid; an API key
    signs in only when there is no valid token (none given, its ``exp`` passed,
    or a 401). Arguments left out are read from the official SDK's environment
    variables plus ``AMIGO_TOKEN``; any credential argument given means the
    credential variables are not mixed in (except ``AMIGO_USER_ID`` and each
    half of a key pair).

    Args:
        organization: the organization id (else ``AMIGO_ORGANIZATION_ID``).
        token: a ready JWT, used first while it is valid (else ``AMIGO_TOKEN``).
        api_key: with `api_key_id` and `user_id`, signs in for tokens
            (else ``AMIGO_API_KEY``, ``AMIGO_API_KEY_ID``, ``AMIGO_USER_ID``).
        api_key_id: the API key's id.
        user_id: the user the API key signs in as.
        token_cache: True (the user cache directory) or a directory: share
            signed-in tokens between processes (one 0600 file per caller,
            written atomically, never holding the key), so a shell loop of
            short programs signs in once.
        base_url: the server (else ``AMIGO_BASE_URL``, else `region`);
            plain ``http://`` only to a loopback address.
        region: one of `amigo_async.REGIONS` (default ``"us"``).
        rate_limits: per-operation overrides of the documented limits
            (None for an operation: no client-side limit).
        rate_limiting: False turns the client's own pacing off.
        rate_limit_backend: share the buckets between processes (`RedisBackend`).
        auth_scheme: ``"bearer"`` (default) or ``"basic"`` (``{org}_{user}:{JWT}``).
        org_id_header: sent as ``X-ORG-ID`` with every request.
        mongo_cluster: sent as ``x-mongo-cluster-name``.
        timeouts: a `Timeouts`.
        retry: a `RetryPolicy`.
        max_connections: the connection pool's size.
        max_body_bytes: the largest JSON answer read.
        event_hooks: callables receiving every `amigo_async.events` event.
        proxy: an ``http://`` or ``https://`` proxy URL (``user:password@`` for
            its own credentials, sent to the proxy alone); https traffic only.
        trust_env: True reads ``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY``
            when `proxy` is not given (never ``~/.netrc``).
        ssl: a CA bundle's path (used instead of the system's CAs) or an
            `ssl.SSLContext`; ``False`` is refused.
    """

    organization_id: str
    base_url: URL
    mongo_cluster: str | None
    stats: ClientStats

    def __init__(
        self,
        organization: str | None = None,
        *,
        token: str | None = None,
        api_key: str | None = None,
        api_key_id: str | None = None,
        user_id: str | None = None,
        token_cache: bool | str | os.PathLike[str] = False,
        base_url: str | None = None,
        region: str | None = None,
        rate_limits: Mapping[str, RateLimit | None] | None = None,
        rate_limiting: bool = True,
        rate_limit_backend: RateLimitBackend | None = None,
        auth_scheme: AuthScheme = "bearer",
        org_id_header: str | None = None,
        mongo_cluster: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        event_hooks: Iterable[EventHook] = (),
        proxy: str | None = None,
        trust_env: bool = False,
        ssl: SSLArgument = None,
    ) -> None:
        organization = organization if organization is not None else _env("organization")
        self.organization_id = check_segment(
            "organization", _check_text("organization", organization)
        )
        if "/" in self.organization_id or self.organization_id != self.organization_id.strip():
            raise ValueError("organization must be a bare identifier (no '/', no spaces)")
        if base_url is None and region is None:
            base_url = _env("base_url")
        self.base_url = resolve_base_url(base_url, region)
        if auth_scheme not in ("bearer", "basic"):
            raise ValueError(f"auth_scheme must be 'bearer' or 'basic', got {auth_scheme!r}")
        if timeouts is not None and not isinstance(timeouts, Timeouts):
            raise TypeError("timeouts must be an amigo_async.Timeouts")
        timeouts = timeouts or Timeouts()
        # another process's sign-in is waited for as long as a call may take, then this one signs in
        self._lock_wait = timeouts.total if timeouts.total is not None else 90.0
        credentials = self._make_credentials(
            token, api_key, api_key_id, user_id, auth_scheme, token_cache
        )
        self.mongo_cluster = _optional_text("mongo_cluster", mongo_cluster)
        fixed_headers = {}
        if org_id_header is not None:
            fixed_headers["X-ORG-ID"] = _check_text("org_id_header", org_id_header)
        if self.mongo_cluster is not None:
            fixed_headers["x-mongo-cluster-name"] = self.mongo_cluster  # optional on every call
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise TypeError("retry must be an amigo_async.RetryPolicy")
        if not isinstance(rate_limiting, bool):
            raise TypeError("rate_limiting must be True or False")
        if rate_limit_backend is not None and not isinstance(rate_limit_backend, RateLimitBackend):
            raise TypeError("rate_limit_backend must be a RateLimitBackend")
        network = resolve_network(self.base_url, proxy=proxy, trust_env=trust_env, ssl=ssl)
        self.stats = ClientStats()
        self._transport = Transport(
            base_url=self.base_url,
            organization=self.organization_id,
            credentials=credentials,
            limits=self._resolve_limits(rate_limits) if rate_limiting else {},
            backend=rate_limit_backend or InProcessBackend(),
            timeouts=timeouts,
            retry=retry or RetryPolicy(),
            fixed_headers=fixed_headers,
            network=network,
            max_connections=check_int("max_connections", max_connections, minimum=1),
            max_body_bytes=check_int("max_body_bytes", max_body_bytes, minimum=1),
            events=EventDispatcher(event_hooks),
            stats=self.stats,
            user_agent=_USER_AGENT,
        )

    # -- construction helpers -------------------------------------------------

    def _make_credentials(
        self,
        token: str | None,
        api_key: str | None,
        api_key_id: str | None,
        user_id: str | None,
        scheme: AuthScheme,
        token_cache: bool | str | os.PathLike[str],
    ) -> Credentials:
        """Arguments first, else the environment; a token and a key may come together.

        With both, the token is used while it is valid and the key signs in only
        when it is not (its ``exp`` passed, or a 401).
        """
        if token is None and api_key is None and api_key_id is None:
            token = _env("token")
            api_key, api_key_id = _env("api_key"), _env("api_key_id")
            if token is not None and (api_key is None or api_key_id is None):
                api_key = api_key_id = None  # half a key beside a token: the token alone
        elif api_key is not None or api_key_id is not None:
            api_key = api_key if api_key is not None else _env("api_key")
            api_key_id = api_key_id if api_key_id is not None else _env("api_key_id")
        user_id = user_id if user_id is not None else _env("user_id")
        if token is not None:
            token = _check_text("token", token, secret=True)
        if api_key is None and api_key_id is None:
            if token is None:
                raise ValueError(
                    "no credentials: pass token= (a JWT) or api_key=, api_key_id= and user_id=, "
                    "or set AMIGO_TOKEN or AMIGO_API_KEY, AMIGO_API_KEY_ID and AMIGO_USER_ID"
                )
            user_id = (
                _check_text("user_id", user_id)
                if scheme == "basic"
                else _optional_text("user_id", user_id)
            )
            return TokenCredentials(token, self.organization_id, scheme, user_id)
        api_key = _check_text("api_key", api_key, secret=True)
        api_key_id = _check_text("api_key_id", api_key_id)
        user_id = _check_text("user_id", user_id)
        cache = self._token_cache(token_cache, api_key_id, user_id, api_key)
        return ApiKeyCredentials(
            api_key, api_key_id, user_id, self.organization_id, scheme, token=token, cache=cache
        )

    def _token_cache(
        self, setting: bool | str | os.PathLike[str], *key_parts: str
    ) -> TokenCache | None:
        """`token_cache`: False, True (the user cache directory) or a directory."""
        if setting is False:
            return None
        if setting is True:
            directory = default_cache_directory()
        elif isinstance(setting, str | os.PathLike) and os.fspath(setting):
            directory = Path(setting)
        else:
            raise TypeError("token_cache must be True, False or a directory path")
        return TokenCache.for_caller(
            directory,
            str(self.base_url),
            self.organization_id,
            *key_parts,
            lock_timeout=self._lock_wait,
        )

    @staticmethod
    def _resolve_limits(overrides: Mapping[str, RateLimit | None] | None) -> dict[str, RateLimit]:
        limits = dict(DOCUMENTED_RATE_LIMITS)
        if overrides is None:
            return limits
        if not isinstance(overrides, Mapping):
            raise TypeError("rate_limits must be a mapping of operation id to RateLimit or None")
        for operation_id, limit in overrides.items():
            if operation_id not in OPERATIONS:
                raise ValueError(f"rate_limits: unknown operation id {operation_id!r}")
            if limit is None:
                limits.pop(operation_id, None)
            elif isinstance(limit, RateLimit):
                limits[operation_id] = limit
            else:
                raise TypeError(
                    f"rate_limits[{operation_id!r}] must be a RateLimit or None, "
                    f"not {type(limit).__name__}"
                )
        return limits

    # -- areas: each made (and its models imported) on first use -------------
    @cached_property
    def admin(self) -> AdminResource:
        from .resources.admin import AdminResource

        return AdminResource(self._transport)

    @cached_property
    def tools(self) -> ToolsWithScan:
        from .jobs.scan import ToolsWithScan

        return ToolsWithScan(self._transport)

    @cached_property
    def organization(self) -> OrganizationResource:
        from .resources.organization import OrganizationResource

        return OrganizationResource(self._transport, self.mongo_cluster)

    @cached_property
    def services(self) -> ServicesResource:
        from .resources.services import ServicesResource

        return ServicesResource(self._transport)

    @cached_property
    def users(self) -> UsersResource:
        from .resources.users import UsersResource

        return UsersResource(self._transport)

    @cached_property
    def roles(self) -> RolesResource:
        from .resources.roles import RolesResource

        return RolesResource(self._transport)

    @cached_property
    def webhooks(self) -> WebhooksResource:
        from .resources.webhooks import WebhooksResource

        return WebhooksResource(self._transport)

    @cached_property
    def conversations(self) -> ConversationsResource:
        from .resources.conversations import ConversationsResource

        return ConversationsResource(self._transport)

    @cached_property
    def dynamic_behavior_sets(self) -> DynamicBehaviorSetsResource:
        from .resources.dynamic_behavior_sets import DynamicBehaviorSetsResource

        return DynamicBehaviorSetsResource(self._transport)

    @cached_property
    def metrics(self) -> MetricsResource:
        from .resources.metrics import MetricsResource

        return MetricsResource(self._transport)

    @cached_property
    def simulations(self) -> SimulationsResource:
        from .resources.simulations import SimulationsResource

        return SimulationsResource(self._transport)

    # -- lifetime -------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections; the client refuses calls from then on."""
        await self._transport.aclose()

    @property
    def closed(self) -> bool:
        return self._transport.closed

    def __repr__(self) -> str:
        credentials = self._transport.credentials
        kind = "token"
        if isinstance(credentials, ApiKeyCredentials):
            kind = "token+api-key" if credentials.given_token else "api-key"
        return (
            f"AmigoClient(organization={self.organization_id!r}, base_url={str(self.base_url)!r}, "
            f"auth={kind}/{credentials.scheme})"
        )

    __str__ = __repr__

    # -- facts for callers ----------------------------------------------------

    @property
    def timeouts(self) -> Timeouts:
        return self._transport.timeouts

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    def rate_limit(self, operation_id: str) -> RateLimit | None:
        """The limit this client paces `operation_id` to (None: no bucket)."""
        if operation_id not in OPERATIONS:
            raise ValueError(f"unknown operation id {operation_id!r}")
        return self._transport.rate_limit(operation_id)

    @property
    def credential_identity(self) -> str:
        """A hash naming the caller; never the secret itself."""
        return self._transport.credentials.identity
