"""Every operation of the snapshot, each constrained field and parameter given one wrong value:
the client raises the right exception naming the place, and the server receives nothing.

A counting server on 127.0.0.1 receives nothing. The requests come from the generated data (tests/_wrong_values.py): a valid request per
operation, then one wrong value at a time (wrong kind, out of enum, pattern, too long,
below the minimum, duplicate items, naive date-time, a required field left out...).
"""

from __future__ import annotations

import re

import pytest
from _wrong_values import Request, apply, requests, where
from hostile import json_response, serve

from amigo_async import AmigoClient
from amigo_async._validation import ABSENT, request_problems

_REQUESTS = dict(requests())


def test_every_operation_of_the_data_has_a_case() -> None:
    assert len(_REQUESTS) >= 115
    assert sum(len(r.mutations) for r in _REQUESTS.values()) > 500


@pytest.mark.parametrize("operation_id", sorted(_REQUESTS))
def test_the_valid_sample_has_no_problem(operation_id: str) -> None:
    request = _REQUESTS[operation_id]
    body = ABSENT if request.body is None else request.body
    assert request_problems(operation_id, path=request.path, query=request.query, body=body) == []


@pytest.mark.parametrize("operation_id", sorted(_REQUESTS))
async def test_each_wrong_value_is_refused_before_sending(operation_id: str) -> None:
    request: Request = _REQUESTS[operation_id]

    async def anything(_: object) -> object:
        return json_response({})

    async with (
        serve(anything) as server,
        AmigoClient(organization="acme", base_url=server.url, token="t") as client,
    ):
        transport = client._transport
        for mutation in request.mutations:
            path, query, body = apply(request, mutation)
            with pytest.raises(mutation.error, match=rf"^{where(mutation.loc)}") as caught:
                await transport.request_none(
                    operation_id, path_params=path, params=query, json_body=body
                )
            assert re.match(where(mutation.loc), str(caught.value)), (mutation, caught.value)
        assert server.requests == []
