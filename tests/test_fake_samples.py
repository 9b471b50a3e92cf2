"""The fake's sample builder: every generated model gives a deterministic sample that fits it."""

from __future__ import annotations

import random
from typing import Any

import attrs
import pytest

from amigo_async.errors import InvalidResponseError
from amigo_async.models import (
    admin,
    conversation,
    dynamic_behavior_set,
    metric,
    organization,
    role,
    service,
    simulation,
    structure,
    structure_response,
    tools,
    user,
    webhook_destination,
)
from amigo_async.testing._samples import sample

_MODULES = (
    admin,
    service,
    user,
    role,
    webhook_destination,
    dynamic_behavior_set,
    metric,
    simulation,
    tools,
    organization,
)
_CLASSES = [
    cls
    for module in _MODULES
    for name in module.__all__
    if attrs.has(cls := getattr(module, name)) and not name.startswith("Unknown")
]


@pytest.mark.parametrize("cls", _CLASSES, ids=lambda cls: cls.__name__)
def test_a_sample_structures_back_into_its_model(cls: type[Any]) -> None:
    record = sample(cls, random.Random(7))
    assert isinstance(structure(record, cls), cls)
    assert sample(cls, random.Random(7)) == record


def test_overrides_and_enum_values_are_respected() -> None:
    record = sample(webhook_destination.CreateWebhookDestinationRequest, random.Random(1), url="u")
    assert record["url"] == "u"
    assert set(record["accepted_types"]) <= set(webhook_destination.WEBHOOK_TYPE_VALUES)
    grant = sample(role.TemporaryPermissionGrant, random.Random(1))
    assert len(grant["_id"]) == 24 and "id" not in grant


_WRONG_KINDS: tuple[Any, ...] = (None, 7, 1.5, True, "text", [], [None], {}, {"x": 1})
# Every model the sampler can fill, conversation's included.
_ANSWERS = _CLASSES + [
    cls
    for name in conversation.__all__
    if attrs.has(cls := getattr(conversation, name)) and not name.startswith("Unknown")
]


@pytest.mark.parametrize("cls", _ANSWERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_any_field_of_the_wrong_kind_is_an_invalid_response_with_a_path(cls: type[Any]) -> None:
    """Each field of each model, replaced by each JSON kind: a model, or a clear error."""
    record = sample(cls, random.Random(7))
    for name in record:
        for wrong in _WRONG_KINDS:
            try:
                structure_response({**record, name: wrong}, cls, "any-operation")
            except InvalidResponseError as error:
                assert " @ $" in str(error), str(error)
