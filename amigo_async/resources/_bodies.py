"""Request bodies of the generated-model areas: the caller's model instance, type-checked.

Services, users, roles, webhook destinations (and the areas after them) take a
request body as the generated attrs model the snapshot describes, so its
documented constraints are checked in one place (the transport) rather than
repeated per method. `json_body` is the one spot that turns a model into what
is handed to the transport.
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["json_body", "require_model"]

T = TypeVar("T")


def require_model(name: str, value: object, cls: type[T]) -> T:
    """`value`, after checking that it is a `cls` (a TypeError naming `name` otherwise)."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, not {type(value).__name__}")
    return value


def json_body(name: str, value: object, cls: type[Any]) -> Any:
    """`value` checked as a `cls`, as the request body.

    The instance itself goes to the transport, which checks its documented
    constraints (`_params.check_body`) and leaves out fields left at None.
    """
    return require_model(name, value, cls)
