"""How the client reaches its server: a proxy, the environment's proxy settings, TLS trust.

Everything is decided once, when the client is built: a client talks to one
origin, so the proxy is the same for every request. aiohttp's own `trust_env`
stays off even when the caller opts in to the environment, because it would
also read ``~/.netrc`` and add a Basic ``Authorization`` of its own beside the
client's credentials, and look the proxy up again on every request.
"""

from __future__ import annotations

import base64
import os
import urllib.request
from collections.abc import Mapping
from ssl import SSLContext, create_default_context

import aiohttp
import attrs
from yarl import URL

__all__ = ["Network", "SSLArgument", "resolve_network"]

SSLArgument = SSLContext | str | os.PathLike[str] | None
"""What `AmigoClient(ssl=...)` takes: a CA bundle's path, a context, or None (system CAs)."""

_PROXY_SCHEMES = ("http", "https")


@attrs.frozen
class Network:
    """The proxy (its credentials apart, sent to it alone, never in a repr) and TLS trust."""

    proxy: URL | None = None
    proxy_headers: Mapping[str, str] | None = attrs.field(default=None, repr=False)
    ssl: SSLContext | bool = True

    def connector(self, *, limit: int) -> aiohttp.TCPConnector:
        return aiohttp.TCPConnector(limit=limit, ttl_dns_cache=300, ssl=self.ssl)


def resolve_network(
    base_url: URL, *, proxy: str | None, trust_env: bool, ssl: SSLArgument
) -> Network:
    """The proxy and TLS settings for `base_url`: explicit arguments, then the environment.

    A proxy carries only https traffic: a plain-http base URL (loopback only)
    would hand the token to the proxy in clear, so it is always reached directly.
    """
    if not isinstance(trust_env, bool):
        raise TypeError("trust_env must be True or False")
    context = _ssl_context(ssl)
    proxy_url: URL | None = None
    if proxy is not None:
        proxy_url = _proxy_url("proxy", proxy)
    elif trust_env:
        proxy_url = _environment_proxy(base_url)
    if proxy_url is None or base_url.scheme != "https":
        return Network(ssl=context)
    headers = None
    if proxy_url.user is not None:
        pair = f"{proxy_url.user}:{proxy_url.password or ''}".encode()
        headers = {"Proxy-Authorization": "Basic " + base64.b64encode(pair).decode()}
    return Network(proxy=proxy_url.with_user(None), proxy_headers=headers, ssl=context)


def _ssl_context(ssl: object) -> SSLContext | bool:
    """None: the system's CAs; a path: that CA bundle instead; a context: as it is.

    `ssl=False` is refused: every request carries a credential, and a connection
    nobody verifies hands it to whoever sits on the path. A caller who really
    must can build an `SSLContext` with verification off, a choice visible in
    their own code.
    """
    if ssl is None or ssl is True:
        return True
    if ssl is False:
        raise ValueError(
            "ssl=False is not accepted: every request carries a credential; pass ssl= a CA "
            "bundle path or an ssl.SSLContext (build one with verification off if you must)"
        )
    if isinstance(ssl, SSLContext):
        return ssl
    if isinstance(ssl, str | os.PathLike):
        path = os.fspath(ssl)
        if not isinstance(path, str) or not os.path.exists(path):
            raise ValueError(f"ssl: no CA bundle at {path!r}")
        if os.path.isdir(path):
            return create_default_context(capath=path)
        return create_default_context(cafile=path)
    raise TypeError(f"ssl must be a CA bundle path or an ssl.SSLContext, not {type(ssl).__name__}")


def _proxy_url(source: str, value: object) -> URL:
    """An http(s) proxy URL with a host, and nothing after it but an optional '/'."""
    if not isinstance(value, str):
        raise TypeError(f"{source} must be a URL string, not {type(value).__name__}")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError(f"{source} must not contain whitespace or control characters")
    try:
        url = URL(value)
    except ValueError:
        raise ValueError(f"{source} is not a URL") from None
    if url.scheme not in _PROXY_SCHEMES or not url.host:
        raise ValueError(f"{source} must be an http:// or https:// URL with a host")
    if url.path not in ("", "/") or url.query_string or url.fragment:
        raise ValueError(f"{source} must not carry a path, query or fragment")
    return url


def _environment_proxy(base_url: URL) -> URL | None:
    """HTTPS_PROXY (or ALL_PROXY) for the base URL's scheme, unless NO_PROXY names its host."""
    proxies = urllib.request.getproxies_environment()
    name = base_url.scheme if proxies.get(base_url.scheme) else "all"
    value = proxies.get(name)
    if not value or _bypassed(base_url, proxies.get("no", "")):
        return None
    return _proxy_url(f"{name.upper()}_PROXY", value)


def _bypassed(url: URL, no_proxy: str) -> bool:
    """NO_PROXY as curl reads it: `*`, or hosts and domains (`.corp` or `corp`), port optional."""
    host = (url.host or "").lower()
    for entry in no_proxy.replace(" ", "").lower().split(","):
        name, _, port = entry.partition(":")
        name = name.lstrip(".")
        matches = bool(name) and (host == name or host.endswith("." + name))
        if entry == "*" or (matches and port in ("", str(url.port))):
            return True
    return False
