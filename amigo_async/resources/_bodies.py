"""Request bodies of the generated-model areas: the caller's model instance, as sent.

Services, users, roles, webhook destinations (and the areas after them) take a
request body as the generated attrs model the snapshot describes; the transport's
one validation pass judges what it holds. `json_body` is the one spot that hands a
model to the transport, after `_arguments.check_model` has made sure it is one
(a dict or another model would otherwise be judged as whatever JSON it makes).
"""

from __future__ import annotations

from typing import TypeVar

from .._arguments import check_model

__all__ = ["json_body"]

T = TypeVar("T")


def json_body(name: str, value: object, cls: type[T]) -> T:
    """`value`, a `cls`, as the request body (a TypeError naming `name` otherwise)."""
    return check_model(name, value, cls)
