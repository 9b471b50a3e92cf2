"""What every resource shares: the one request path, and nothing else of the client."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._transport import Transport


class Resource:
    """A thin description of operations; all HTTP work happens in the `Transport`.

    A resource can be tested without HTTP by giving it a stub with the
    transport's four methods (`request_json`, `request_none`, `stream`, `paginate`).
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
