"""Which methods a URL takes: those the snapshot declares for the most specific path.

Two documented paths can match one URL: ``/metric/search/`` is also a
``/metric/{metric_id}/``. A literal segment names the URL more precisely than a
parameter, so the literal path's declared methods are the URL's: a method it does
not declare answers 405 (not an attempt at the other path, whose id pattern
``search`` would fail anyway), and every 405's ``Allow`` lists exactly those methods.
Paths equally specific (the two state machine paths that differ only in their
parameter's name) share the URL, and ``Allow`` lists the methods of both.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = ["declared_methods"]


def _specificity(canonical: str) -> tuple[bool, ...]:
    """Literal segments first: compared left to right, a literal beats a parameter."""
    return tuple("{" not in segment for segment in canonical.split("/"))


async def _methods_of(request: web.Request) -> set[str]:
    """The methods of the most specific paths matching the request's URL (none: no path)."""
    best: tuple[bool, ...] | None = None
    methods: set[str] = set()
    for resource in request.app.router.resources():
        _, allowed = await resource.resolve(request)
        if not allowed:
            continue
        key = _specificity(resource.canonical)
        if best is None or key > best:
            best, methods = key, set(allowed)
        elif key == best:
            methods |= allowed
    return methods


@web.middleware
async def declared_methods(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A method the URL's most specific path does not declare: 405, ``Allow`` exact."""
    methods = await _methods_of(request)
    if methods and request.method not in methods:
        raise web.HTTPMethodNotAllowed(request.method, sorted(methods))
    return await handler(request)
