"""Paginated endpoints: what the documents say about each, and one pager for all.

A `Listing` records one endpoint's documented facts (items field, token field,
`limit` cap and default, first token); `pager` turns it into an `AsyncPager`.
Each area keeps its own table of listings; the fake server reads them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs

from .. import errors
from .._pagination import AsyncPager, Page
from .._validation import check_limit, check_one_of, check_str_list
from ..models import converter

if TYPE_CHECKING:
    from .._client import AmigoClient, QueryValue

__all__ = ["Listing", "check_sort_by", "pager", "structure_response"]

T = TypeVar("T")


@attrs.frozen
class Listing:
    """What the documents say about one paginated endpoint."""

    operation_id: str
    response: type[Any]  # the attrs class of the whole response body
    items_field: str
    token_field: str  # get-tool-repo-commits answers `next_continuation_token`
    cap: int  # the documented maximum `limit`
    default_limit: int  # the server's default when `limit` is left out
    first_token: int  # 0, or 1 for the tool repo commit and branch lists
    sort_fields: tuple[str, ...] = ()

    def page(self, body: Any) -> Page[Any]:
        response = structure_response(body, self.response, self.operation_id)
        filter_values = getattr(response, "filter_values", None)
        return Page(
            items=getattr(response, self.items_field),
            has_more=response.has_more,
            next_token=getattr(response, self.token_field),
            extra={"filter_values": filter_values} if filter_values is not None else {},
        )


def structure_response(body: Any, cls: type[T], operation_id: str) -> T:
    """Structure an answer, or raise `InvalidResponseError` saying where it does not fit."""
    try:
        return converter.structure(body, cls)
    except Exception as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            detail = "; ".join(cattrs.transform_error(exc)[:3])
        else:
            detail = f"{type(exc).__name__}: {exc}"
        raise errors.InvalidResponseError(
            f"the answer does not fit {cls.__name__}: {detail}", operation_id=operation_id
        ) from exc


def check_sort_by(
    name: str, values: Iterable[str] | None, fields: Sequence[str]
) -> list[str] | None:
    """`sort_by` entries: a documented field, optionally prefixed by + or -."""
    items = check_str_list(name, values)
    for index, item in enumerate(items or ()):
        field = item[1:] if item[:1] in ("+", "-") else item
        check_one_of(f"{name}[{index}]", field, fields)
    return items


def pager(
    client: AmigoClient,
    listing: Listing,
    params: Mapping[str, QueryValue],
    *,
    path_params: Mapping[str, object] | None = None,
    limit: int | None,
    max_items: int | None,
) -> AsyncPager[Any]:
    """An `AsyncPager` over `listing`; pages are as large as the cap allows unless `limit` says."""
    check_limit("limit", limit, listing.cap)
    page_size = limit if limit is not None else listing.cap
    if isinstance(max_items, int) and not isinstance(max_items, bool) and max_items > 0:
        page_size = min(page_size, max_items)

    async def fetch(token: Any) -> Page[Any]:
        body = await client._request_json(
            listing.operation_id,
            path_params=path_params,
            params={**params, "limit": page_size, "continuation_token": token},
        )
        return listing.page(body)

    return AsyncPager(
        fetch,
        first_token=listing.first_token,
        operation_id=listing.operation_id,
        max_items=max_items,
    )
