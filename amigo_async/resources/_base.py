"""What every resource shares: the seam to the one request path, and nothing else of the client.

`Transport` is the whole of what resources may ask of the request path, spelled
as a protocol so a resource depends on these members only (not on the session,
the limiter or the retry rules), and a test can hand a resource a stub that the
type checker accepts as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .._auth import Credentials
    from .._body import StreamedBody
    from .._pagination import AsyncPager
    from .._paths import QueryValue
    from .._request import FormFields

__all__ = ["Resource", "Transport"]

T = TypeVar("T")


class Transport(Protocol):
    """The eight members resources use; `amigo_async._transport.Transport` is the real one."""

    @property
    def credentials(self) -> Credentials:
        """The caller's credentials (their secrets are scrubbed from stream errors)."""

    async def request_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> T:
        """Send; the JSON answer structured as `into`."""

    async def request_optional_json(
        self,
        operation_id: str,
        into: type[T],
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
    ) -> T | None:
        """Send; the answer structured as `into`, or None for an empty or `null` one."""

    async def request_none(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        headers: Mapping[str, str] | None = None,
        bearer_only: bool = False,
    ) -> None:
        """Send an operation whose answer carries nothing the caller needs."""

    def stream(
        self,
        operation_id: str,
        *,
        accept: str,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AbstractAsyncContextManager[StreamedBody]:
        """A 2xx answer whose body is read as it arrives."""

    def check(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, QueryValue] | None = None,
        json_body: object = None,
        form: FormFields | None = None,
    ) -> None:
        """The validation pass now, for a call sent later (a lazy stream)."""

    def paginate(
        self,
        operation_id: str,
        into: type[object],
        item: type[T],
        params: Mapping[str, QueryValue],
        *,
        path_params: Mapping[str, object] | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncPager[T]:
        """The items of a continuation-token list, page after page."""

    def url(self, operation_id: str, path_params: Mapping[str, object] | None = None) -> str:
        """The absolute URL of an operation (for a tool such as git that sends on its own)."""

    async def basic_credential(self) -> tuple[str, str]:
        """(``{org}_{user}``, a current token): Basic credentials for a tool such as git."""


class Resource:
    """A thin description of operations; all HTTP work happens behind the `Transport`."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
