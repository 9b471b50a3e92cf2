"""What every resource shares: a reference to the client's one request path."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import AmigoClient


class Resource:
    """A thin description of operations; all HTTP work happens in `AmigoClient`."""

    def __init__(self, client: AmigoClient) -> None:
        self._client = client
