"""Behind a corporate network: an HTTP CONNECT proxy, the environment's proxy, a private CA.

The fake serves HTTPS on 127.0.0.1 with a certificate from a throwaway CA
(`trustme`); a small asyncio CONNECT proxy in front records every byte it sees,
so a test can show what a proxy learns: only ``CONNECT host:port``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import ssl
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from hostile import everything_said
from yarl import URL

from amigo_async import AmigoClient, RetryPolicy, errors
from amigo_async._network import resolve_network
from amigo_async.testing import FakeAmigoServer

NO_RETRY = RetryPolicy(max_attempts=1)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_path(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "corporate-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@asynccontextmanager
async def serve_tls(app: web.Application, ca: trustme.CA) -> AsyncIterator[str]:
    """`app` over HTTPS on 127.0.0.1 with a certificate for localhost; yields its base URL."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"https://localhost:{port}"
    finally:
        await runner.cleanup()


class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), recording what it can read."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.heads: list[bytes] = []  # each request head the proxy received, in clear
        self.tunnelled = bytearray()  # every byte the client sent through a tunnel
        self._expected = None
        if credentials is not None:
            token = base64.b64encode(":".join(credentials).encode()).decode()
            self._expected = f"proxy-authorization: basic {token}".lower()
        self.url = ""
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.heads.append(head)
            method, target, _ = head.split(b"\r\n")[0].decode().split(" ")
            if method != "CONNECT":
                writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if self._expected is not None and self._expected not in head.decode().lower():
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                return
            port = int(target.rsplit(":", 1)[1])
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(
                self._pipe(reader, upstream_writer, record=True),
                self._pipe(upstream_reader, writer, record=False),
            )
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, record: bool
    ) -> None:
        try:
            while data := await reader.read(65536):
                if record:
                    self.tunnelled.extend(data)
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            with suppress(OSError):
                writer.close()


@asynccontextmanager
async def running(proxy: ConnectProxy) -> AsyncIterator[ConnectProxy]:
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        server.close()
        for writer in proxy.writers:
            writer.close()
        await server.wait_closed()


def said_to_proxy(proxy: ConnectProxy) -> bytes:
    return b"".join(proxy.heads) + bytes(proxy.tunnelled)


async def test_calls_go_through_a_connect_proxy_that_never_sees_a_credential(
    ca: trustme.CA, ca_path: Path
) -> None:
    fake = FakeAmigoServer()
    async with serve_tls(fake.make_app(), ca) as url, running(ConnectProxy()) as proxy:
        fake.url = url
        client = fake.client(
            token=None,
            api_key=fake.api_key,
            api_key_id=fake.api_key_id,
            user_id=fake.user_id,
            proxy=proxy.url,
            ssl=str(ca_path),
        )
        async with client:
            organization = await client.organization.get()
        assert organization.org_id == "acme"
        assert [head.split(b"\r\n")[0] for head in proxy.heads] == [
            f"CONNECT localhost:{url.rsplit(':', 1)[1]} HTTP/1.1".encode()
        ]  # one tunnel, reused by sign-in and the call
        seen = said_to_proxy(proxy)
        assert fake.api_key.encode() not in seen
        assert fake.api_key_id.encode() not in seen
        assert b"authorization" not in proxy.heads[0].lower()
        assert {r.operation_id for r in fake.requests} >= {
            "sign-in-with-api-key",
            "get-organization",
        }


async def test_proxy_credentials_go_to_the_proxy_only_and_never_into_an_error(
    ca: trustme.CA, ca_path: Path
) -> None:
    fake = FakeAmigoServer()
    proxy = ConnectProxy(credentials=("corp-user", "proxy-s3cret"))
    async with serve_tls(fake.make_app(), ca) as url, running(proxy):
        fake.url = url
        authed = proxy.url.replace("http://", "http://corp-user:proxy-s3cret@")
        async with fake.client(proxy=authed, ssl=ca_path) as client:
            await client.organization.get()
            assert "proxy-s3cret" not in repr(client)
        assert all(b"proxy-authorization" not in h.lower() for h in _target_heads(fake))
        wrong = proxy.url.replace("http://", "http://corp-user:wrong-s3cret@")
        async with fake.client(proxy=wrong, ssl=ca_path, retry=NO_RETRY) as client:
            with pytest.raises(errors.TransportError) as caught:
                await client.organization.get()
        assert "wrong-s3cret" not in everything_said(caught.value)
        assert "corp-user" not in everything_said(caught.value)


def _target_heads(fake: FakeAmigoServer) -> list[bytes]:
    return ["\n".join(f"{k}: {v}" for k, v in r.headers.items()).encode() for r in fake.requests]


async def test_redirects_are_refused_through_the_proxy(ca: trustme.CA, ca_path: Path) -> None:
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": "https://elsewhere.example/x"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    async with (
        serve_tls(app, ca) as url,
        running(ConnectProxy()) as proxy,
        AmigoClient("acme", token="tok-123", base_url=url, proxy=proxy.url, ssl=ca_path) as client,
    ):
        with pytest.raises(errors.RedirectError) as caught:
            await client.organization.get()
    assert caught.value.location == "https://elsewhere.example"
    assert len(proxy.heads) == 1  # nothing was sent towards elsewhere.example
    assert b"tok-123" not in said_to_proxy(proxy)


async def test_the_environment_proxy_is_used_only_with_trust_env(
    ca: trustme.CA, ca_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeAmigoServer()
    async with serve_tls(fake.make_app(), ca) as url, running(ConnectProxy()) as proxy:
        fake.url = url
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with fake.client(ssl=ca_path) as client:  # trust_env=False: direct
            await client.organization.get()
        assert proxy.heads == []
        async with fake.client(ssl=ca_path, trust_env=True) as client:
            await client.organization.get()
        assert len(proxy.heads) == 1
        monkeypatch.setenv("NO_PROXY", "localhost")
        async with fake.client(ssl=ca_path, trust_env=True) as client:
            await client.organization.get()
        assert len(proxy.heads) == 1  # NO_PROXY: direct again


async def test_an_unknown_ca_fails_as_a_transport_error(ca: trustme.CA) -> None:
    fake = FakeAmigoServer()
    async with serve_tls(fake.make_app(), ca) as url:
        fake.url = url
        async with fake.client(retry=NO_RETRY) as client:  # the system CAs do not know the test CA
            with pytest.raises(errors.TransportError) as caught:
                await client.organization.get()
    assert fake.requests == []
    assert fake.token not in everything_said(caught.value)


async def test_an_ssl_context_is_used_as_given(ca: trustme.CA) -> None:
    fake = FakeAmigoServer()
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with serve_tls(fake.make_app(), ca) as url:
        fake.url = url
        async with fake.client(ssl=context) as client:
            assert (await client.organization.get()).org_id == "acme"


def test_network_arguments_are_checked(tmp_path: Path) -> None:
    def client(**options: object) -> AmigoClient:
        return AmigoClient("acme", token="t", **options)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="ssl=False"):
        client(ssl=False)
    with pytest.raises(ValueError, match="no CA bundle"):
        client(ssl=tmp_path / "missing.pem")
    with pytest.raises(TypeError, match="ssl must be"):
        client(ssl=3)
    with pytest.raises(ValueError, match="http:// or https://"):
        client(proxy="socks5://127.0.0.1:1080")
    with pytest.raises(ValueError, match="path, query"):
        client(proxy="http://127.0.0.1:3128/path")
    with pytest.raises(TypeError, match="trust_env"):
        client(trust_env="yes")
    assert "s3cret" not in repr(client(proxy="http://u:s3cret@127.0.0.1:3128"))


def test_the_sync_client_takes_the_same_arguments(ca_path: Path) -> None:
    from amigo_async.sync import AmigoClient as SyncClient

    with SyncClient(
        "acme", token="t", proxy="http://127.0.0.1:3128", trust_env=False, ssl=ca_path
    ) as client:
        assert not client.closed
    with pytest.raises(ValueError, match="ssl=False"):
        SyncClient("acme", token="t", ssl=False)


@pytest.mark.parametrize(
    ("no_proxy", "bypassed"),
    [
        ("", False),
        ("*", True),
        ("api.amigo.ai", True),
        (".amigo.ai", True),
        ("amigo.ai", True),
        ("other.ai,  amigo.ai", True),
        ("mamigo.ai", False),
        ("api.amigo.ai:8443", False),
        ("api.amigo.ai:443", True),
    ],
)
def test_no_proxy_matches_hosts_and_domains(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, bypassed: bool
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    monkeypatch.delenv("no_proxy", raising=False)
    network = resolve_network(URL("https://api.amigo.ai"), proxy=None, trust_env=True, ssl=None)
    assert (network.proxy is None) is bypassed


async def test_the_command_line_honours_https_proxy_and_ssl_cert_file(
    ca: trustme.CA, ca_path: Path, tmp_path: Path
) -> None:
    fake = FakeAmigoServer()
    async with serve_tls(fake.make_app(), ca) as url, running(ConnectProxy()) as proxy:
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "HTTPS_PROXY": proxy.url,
            "SSL_CERT_FILE": str(ca_path),
            "AMIGO_TOKEN": fake.token,
        }
        command = [sys.executable, "-m", "amigo_async.cli", "models", "list"]
        command += ["--organization", "acme", "--base-url", url]
        process = await asyncio.create_subprocess_exec(
            *command,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert b"models" in out
    assert [head.split(b" ")[0] for head in proxy.heads] == [b"CONNECT"]
    assert fake.token.encode() not in said_to_proxy(proxy)
