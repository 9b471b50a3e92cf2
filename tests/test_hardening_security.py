"""Issue 13, security items: what a hostile server or hostile input must never achieve.

Redirects are never followed and carry no credential anywhere; dot segments never
reach a URL; plain http only to a literal loopback address or `localhost`; no error chain
carries an aiohttp exception or a secret; configuration with line separators is
refused at construction.
"""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest
from aiohttp import web
from hostile import CREDENTIAL_HEADERS, chain, everything_said, json_response, serve

from amigo_async import AmigoClient, errors
from amigo_async._config import resolve_base_url
from amigo_async._paths import encode_path_parameter
from amigo_async._spec import OPERATIONS
from amigo_async.errors import sanitize
from amigo_async.testing import FakeAmigoServer

TOKEN = "tok-9f2c1e-secret-bearer"
API_KEY = "key-51b7-very-secret"
KEY_ID = "kid-1"
USER = "user-1"

REDIRECTS = (301, 302, 303, 307, 308)


def _api_key_client(url: str, **options: Any) -> AmigoClient:
    return AmigoClient(
        "acme", api_key=API_KEY, api_key_id=KEY_ID, user_id=USER, base_url=url, **options
    )


# -- redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("status", REDIRECTS)
async def test_a_redirect_to_another_port_is_not_followed_and_names_only_the_origin(
    status: int,
) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        return json_response({"models": []})

    async with serve(elsewhere) as other:

        async def redirect(request: web.Request) -> web.Response:
            target = f"{other.url}/v1/acme/admin/get_models/?stolen=abc123"
            return web.Response(status=status, headers={"Location": target})

        async with serve(redirect) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
            with pytest.raises(errors.RedirectError) as caught:
                await c.admin.get_models()
    assert other.requests == []
    assert caught.value.status == status
    assert other.url in str(caught.value)
    assert caught.value.location == other.url
    assert "stolen" not in everything_said(caught.value)


@pytest.mark.parametrize("status", REDIRECTS)
async def test_a_same_origin_redirect_is_not_followed_either(status: int) -> None:
    async def redirect(request: web.Request) -> web.Response:
        if "moved" in request.path:
            return json_response({"models": []})
        return web.Response(status=status, headers={"Location": "/moved?q=secret-query"})

    async with serve(redirect) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as c:
        with pytest.raises(errors.RedirectError) as caught:
            await c.admin.get_models()
    assert len(api.requests) == 1
    assert caught.value.status == status
    assert "secret-query" not in everything_said(caught.value)


@pytest.mark.parametrize("status", REDIRECTS)
async def test_a_redirect_during_api_key_sign_in_sends_no_key_elsewhere(status: int) -> None:
    async def elsewhere(request: web.Request) -> web.Response:
        return json_response({"id_token": "x", "expires_at": "2999-01-01T00:00:00Z"})

    async with serve(elsewhere) as other:

        async def redirect(request: web.Request) -> web.Response:
            location = f"{other.url}/collect?key={API_KEY}"
            return web.Response(status=status, headers={"Location": location})

        async with serve(redirect) as api, _api_key_client(api.url) as client:
            with pytest.raises(errors.RedirectError) as caught:
                await client.admin.get_models()
    assert other.requests == []
    assert [seen.path_qs for seen in api.requests] == ["/v1/acme/user/signin_with_api_key"]
    assert caught.value.operation_id == "sign-in-with-api-key"
    assert other.url in str(caught.value)
    said = everything_said(caught.value)
    assert API_KEY not in said
    assert "collect" not in said


async def test_credential_headers_reach_only_the_configured_origin() -> None:
    """Every credential header arrives where it belongs, and nowhere after a redirect."""

    async def elsewhere(request: web.Request) -> web.Response:
        return json_response({"models": []})

    async with serve(elsewhere) as other:

        async def api_handler(request: web.Request) -> web.Response:
            if request.path.endswith("signin_with_api_key"):
                return json_response({"id_token": TOKEN, "expires_at": "2999-01-01T00:00:00Z"})
            return web.Response(status=307, headers={"Location": other.url + "/x"})

        async with serve(api_handler) as api, _api_key_client(api.url) as client:
            with pytest.raises(errors.RedirectError):
                await client.admin.get_models()
    sign_in, models = api.requests
    assert {"x-api-key", "x-api-key-id", "x-user-id"} <= sign_in.headers.keys()
    assert models.headers["authorization"] == f"Bearer {TOKEN}"
    assert other.requests == []
    assert not any(name in seen.headers for seen in other.requests for name in CREDENTIAL_HEADERS)


# -- dot segments -------------------------------------------------------------------------


def _path_parameter_names() -> list[str]:
    return sorted({name for op in OPERATIONS.values() for name in op.path_parameters})


@pytest.mark.parametrize("name", _path_parameter_names())
@pytest.mark.parametrize("value", [".", ".."])
def test_every_path_parameter_refuses_a_dot_segment(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        encode_path_parameter(name, value)


@pytest.mark.parametrize("name", ["file_path", "directory_path", "git_path"])
@pytest.mark.parametrize("value", ["../../admin/get_models", "a/./b", "a/..", "./x"])
def test_multi_segment_paths_refuse_a_dot_segment_anywhere(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        encode_path_parameter(name, value)


@pytest.mark.parametrize("organization", [".", ".."])
def test_organization_refuses_a_dot_segment(organization: str) -> None:
    with pytest.raises(ValueError, match="organization"):
        AmigoClient(organization, token=TOKEN, base_url="http://127.0.0.1:1")


async def test_a_repo_file_path_with_dot_segments_sends_nothing(fake: FakeAmigoServer) -> None:
    async with fake.client() as client:
        with pytest.raises(ValueError, match="file_path"):
            await client.tools.repo.download_file("../../admin/get_models", "/dev/null")
        with pytest.raises(ValueError, match="directory_path"):
            await client.tools.repo.get_directory("docs/../..")
    assert fake.requests == []


# -- loopback for plain http --------------------------------------------------------------


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def fake_getaddrinfo(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        if not addresses:
            raise socket.gaierror("no such name")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)


@pytest.mark.parametrize(
    "addresses",
    [("93.184.216.34",), ("127.0.0.1", "10.0.0.8"), ()],
    ids=["remote", "mixed", "none"],
)
def test_a_dot_localhost_name_is_refused_unless_it_resolves_to_loopback(
    monkeypatch: pytest.MonkeyPatch, addresses: tuple[str, ...]
) -> None:
    _resolving_to(monkeypatch, *addresses)
    with pytest.raises(ValueError, match="http"):
        resolve_base_url("http://attacker.localhost", None)


@pytest.mark.parametrize(
    "host", ["dev.localhost", "localhost.attacker.example", "my-box", "localhost.", "LocalHost."]
)
def test_a_name_resolving_to_loopback_is_refused_all_the_same(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    """Issue 19 item 4: aiohttp resolves the name again at connect time, and may get
    another address; only literal loopback addresses and `localhost` are trusted."""
    _resolving_to(monkeypatch, "127.0.0.1", "::1")
    with pytest.raises(ValueError, match="http"):
        resolve_base_url(f"http://{host}:8080", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://[::1]:9000",
        "http://localhost",
        "http://LocalHost:8080",
    ],
)
def test_literal_loopback_and_localhost_are_accepted(url: str) -> None:
    assert resolve_base_url(url, None).scheme == "http"


# -- construction ------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x0b", "\x85", "\u2028", "\u2029", "\r", "\n", "\x00"])
def test_a_token_with_a_line_separator_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(ValueError, match="token"):
        AmigoClient("acme", token=f"abc{bad}def", base_url="http://127.0.0.1:1")


@pytest.mark.parametrize("bad", ["\x0b", "\x85", "\u2028"])
def test_an_api_key_with_a_line_separator_is_refused_at_construction(bad: str) -> None:
    with pytest.raises(ValueError, match="api_key"):
        AmigoClient(
            "acme", api_key=f"k{bad}", api_key_id="i", user_id="u", base_url="http://127.0.0.1:1"
        )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1\r\nX-Evil: 1", "https://api.amigo.ai/\n", "https://a\rb.ai"]
)
def test_a_base_url_with_cr_or_lf_is_refused_at_construction(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        AmigoClient("acme", token=TOKEN, base_url=url)


# -- secrets in error chains ---------------------------------------------------------------


def _assert_clean(error: errors.AmigoError, *secrets: str) -> None:
    for link in chain(error):
        assert not type(link).__module__.startswith("aiohttp"), repr(link)
    said = everything_said(error)
    for secret in secrets:
        assert secret not in said


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_connection_failure_chain_holds_no_aiohttp_error_nor_token() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    async with AmigoClient("acme", token=TOKEN, base_url=url) as client:
        with pytest.raises(errors.TransportError) as caught:
            await client.admin.get_models()
    _assert_clean(caught.value, TOKEN)


async def test_a_cut_body_chain_holds_no_aiohttp_error_nor_token() -> None:
    async def cut(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": "1000"})
        await response.prepare(request)
        await response.write(b'{"models": [')
        assert request.transport is not None
        request.transport.close()
        return response

    async with serve(cut) as api, AmigoClient("acme", token=TOKEN, base_url=api.url) as client:
        with pytest.raises(errors.TransportError) as caught:
            await client.admin.get_models()
    _assert_clean(caught.value, TOKEN)


async def test_a_sign_in_connection_failure_chain_holds_no_key() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    async with _api_key_client(url) as client:
        with pytest.raises(errors.TransportError) as caught:
            await client.admin.get_models()
    _assert_clean(caught.value, API_KEY)


@pytest.mark.parametrize(
    "body",
    [
        b'{"id_token": "eyJhbGciOi.leaked-id-token-value.sig", "expires_at": ',
        b'{"id_token": "eyJhbGciOi.leaked-id-token-value.sig", "expires_at": "yesterday"}',
        b'{"id_token": "eyJhbGciOi.leaked-id-token-value.sig"}',
    ],
    ids=["not-json", "bad-date", "missing-field"],
)
async def test_an_unreadable_sign_in_answer_never_shows_its_id_token(body: bytes) -> None:
    async def sign_in(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async with serve(sign_in) as api, _api_key_client(api.url) as client:
        with pytest.raises(errors.InvalidResponseError) as caught:
            await client.admin.get_models()
    assert caught.value.operation_id == "sign-in-with-api-key"
    _assert_clean(caught.value, "leaked-id-token-value", API_KEY)


async def test_a_refused_sign_in_echoing_the_headers_shows_no_key() -> None:
    async def echo(request: web.Request) -> web.Response:
        return json_response({"detail": dict(request.headers)}, status=400)

    async with serve(echo) as api, _api_key_client(api.url) as client:
        with pytest.raises(errors.BadRequestError) as caught:
            await client.admin.get_models()
    _assert_clean(caught.value, API_KEY)


async def test_a_basic_credential_echoed_without_its_scheme_is_redacted() -> None:
    """The base64 credential itself is a secret, not only `Basic <value>`."""
    credential = base64.b64encode(f"acme_{USER}:{TOKEN}".encode()).decode()

    async def echo(request: web.Request) -> web.Response:
        value = request.headers["Authorization"].split(" ", 1)[1]
        return json_response({"detail": f"bad credential ({value}) given"}, status=400)

    async with serve(echo) as api:
        client = AmigoClient(
            "acme", token=TOKEN, auth_scheme="basic", user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.BadRequestError) as caught:
                await client.admin.get_models()
    assert caught.value.body_excerpt is not None
    assert "bad credential" in caught.value.body_excerpt
    _assert_clean(caught.value, credential, TOKEN)


def test_sanitize_redacts_the_bare_base64_basic_credential() -> None:
    credential = base64.b64encode(f"acme_{USER}:{TOKEN}".encode()).decode()
    text = sanitize(f"got {credential} from you", [TOKEN, credential])
    assert credential not in text
    assert "got" in text
