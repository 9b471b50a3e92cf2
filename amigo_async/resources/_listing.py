"""Paginated endpoints: what the documents say about each, and one pager for all.

A `Listing` records one endpoint's documented facts (items field, token field,
`limit` cap and default, first token); `pager` turns it into an `AsyncPager`.
Each area keeps its own table of listings; the fake server reads them too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._checks import check_one_of, check_str_list
from .._pagination import AsyncPager
from .._paths import QueryValue

if TYPE_CHECKING:
    from .._transport import Transport

__all__ = ["Listing", "check_sort_by", "pager"]


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
    transport: Transport,
    listing: Listing,
    params: Mapping[str, QueryValue],
    *,
    path_params: Mapping[str, object] | None = None,
    limit: int | None,
    max_items: int | None,
) -> AsyncPager[Any]:
    """An `AsyncPager` over `listing`; pages are as large as the cap allows unless `limit` says."""
    return transport.paginate(
        listing.operation_id,
        listing.response,
        params,
        paging=listing,
        path_params=path_params,
        limit=limit,
        max_items=max_items,
    )
