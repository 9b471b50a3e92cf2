"""What the request path reports while it works, for logs, metrics and traces.

Pass callables as ``AmigoClient(event_hooks=[...])``; each receives every event
below, synchronously, on the event loop. Events carry the operation id and
timings, never a token, key or header value, so a hook may log them as they are.
A hook that raises is logged and ignored: observing must not break a call.

A hook is a plain function: an ``async def`` hook is refused with `TypeError`
when the client is built, because awaiting it would make every request wait on
its observer (a hook that needs I/O should hand the event to a queue).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable

import attrs

__all__ = [
    "CallFinished",
    "CallStarted",
    "Event",
    "EventHook",
    "LimiterWaited",
    "LimiterWaiting",
    "RateLimited",
    "RequestFinished",
    "RequestStarted",
    "Retrying",
    "SignedIn",
]

logger = logging.getLogger("amigo_async")


@attrs.frozen
class CallStarted:
    """A call begins; its attempts, limiter waits and sign-in all happen before `CallFinished`.

    Events of one call are emitted in the task that made it, so a hook may keep
    per-call state in a context variable (the OpenTelemetry hook makes the call's
    span current this way).
    """

    key: int
    operation_id: str
    method: str


@attrs.frozen
class CallFinished:
    """The call ended: `error` is None on success, else the error's class name or "cancelled"."""

    key: int
    operation_id: str
    seconds: float
    error: str | None = None


@attrs.frozen
class RequestStarted:
    """One attempt is about to be sent; `key` pairs it with its `RequestFinished`.

    `url` has no query string (its values may be a user's data); `url_template`
    is the documented path with its placeholders. A hook may put tracing headers
    (W3C ``traceparent``) into `trace_headers`: they are sent with this attempt,
    each only when the request has no header of that name already.
    """

    key: int
    operation_id: str
    method: str
    path: str
    attempt: int
    call: int = 0
    url: str = ""
    url_template: str = ""
    trace_headers: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)


@attrs.frozen
class RequestFinished:
    """The attempt got its answer's status, or ended without one: `error` names the kind
    of failure (``"cancelled"`` for a call cancelled while it waited for the answer).

    Every `RequestStarted` is followed by exactly one `RequestFinished`, however the
    attempt ends."""

    key: int
    operation_id: str
    method: str
    path: str
    attempt: int
    status: int | None
    seconds: float
    error: str | None = None
    call: int = 0


@attrs.frozen
class LimiterWaited:
    """The client's own rate limiter held this request back before sending it."""

    operation_id: str
    seconds: float


@attrs.frozen
class LimiterWaiting:
    """A long limiter wait begins: callers of the operation wait about `seconds` (over 2 s).

    Said once per wait, not once per waiting caller, so a program can tell its user
    why nothing happens (the command line prints it); `LimiterWaited` still follows
    each caller's wait with the time it took.
    """

    operation_id: str
    seconds: float


@attrs.frozen
class RateLimited:
    """The server answered 429; every caller of the operation pauses `pause_seconds`."""

    operation_id: str
    pause_seconds: float


@attrs.frozen
class Retrying:
    """The request is sent again after `delay_seconds`; `reason` is e.g. "503", "transport"."""

    operation_id: str
    reason: str
    attempt: int
    delay_seconds: float


@attrs.frozen
class SignedIn:
    """An API-key sign-in finished (the token itself is never part of an event)."""

    operation_id: str
    seconds: float


Event = (
    CallStarted
    | CallFinished
    | RequestStarted
    | RequestFinished
    | LimiterWaited
    | LimiterWaiting
    | RateLimited
    | Retrying
    | SignedIn
)
EventHook = Callable[[Event], object]


class EventDispatcher:
    """Calls every hook with an event; cheap to ask whether anyone listens."""

    def __init__(self, hooks: Iterable[EventHook] = ()) -> None:
        self._hooks = tuple(hooks)
        for hook in self._hooks:
            if not callable(hook):
                raise TypeError("event_hooks must be callables taking one event")
            if _is_async(hook):
                raise TypeError(
                    f"event hook {hook!r} is an async function; hooks are called "
                    "synchronously and never awaited: pass a plain function"
                )

    def __bool__(self) -> bool:
        return bool(self._hooks)

    def emit(self, event: Event) -> None:
        for hook in self._hooks:
            try:
                outcome = hook(event)
            except Exception:  # a broken observer must not break the call it observes
                logger.exception("an amigo_async event hook raised; ignoring it")
                continue
            if inspect.iscoroutine(outcome):  # a sync callable returning a coroutine
                outcome.close()
                logger.error("an amigo_async event hook returned a coroutine; it is not awaited")


def _is_async(hook: EventHook) -> bool:
    """An ``async def`` function, or an object whose ``__call__`` is one."""
    call = type(hook).__call__ if not inspect.isroutine(hook) else None
    return inspect.iscoroutinefunction(hook) or inspect.iscoroutinefunction(call)
