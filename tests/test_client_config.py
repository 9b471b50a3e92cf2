"""Constructing a client: bad input fails at once, the environment fills gaps, http is refused."""

from __future__ import annotations

import socket

import pytest

from amigo_async import REGIONS, AmigoClient, RateLimit, RetryPolicy, Timeouts, errors
from amigo_async._spec import TimeoutKind


@pytest.mark.parametrize("organization", ["", "   ", None])
def test_empty_organization_is_refused(organization: str | None) -> None:
    with pytest.raises(ValueError, match="organization"):
        AmigoClient(organization, token="t")


@pytest.mark.parametrize("organization", [123, b"acme", ["acme"]])
def test_organization_of_the_wrong_type_is_refused(organization: object) -> None:
    with pytest.raises(TypeError, match="organization"):
        AmigoClient(organization, token="t")  # type: ignore[arg-type]


def test_organization_with_a_slash_is_refused() -> None:
    with pytest.raises(ValueError, match="organization"):
        AmigoClient("acme/../other", token="t")


def test_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown region 'mars'"):
        AmigoClient("acme", token="t", region="mars")


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us", "https://api.amigo.ai"),
        ("internal", "https://internal-api.amigo.ai"),
        ("eu-central-1", "https://api-eu-central-1.amigo.ai"),
        ("ap-southeast-2", "https://api-ap-southeast-2.amigo.ai"),
        ("ca-central-1", "https://api-ca-central-1.amigo.ai"),
    ],
)
def test_the_five_documented_servers(region: str, url: str) -> None:
    assert REGIONS[region] == url
    assert str(AmigoClient("acme", token="t", region=region).base_url) == url


def test_default_server_is_the_us_region() -> None:
    assert str(AmigoClient("acme", token="t").base_url) == "https://api.amigo.ai"


def test_base_url_and_region_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        AmigoClient("acme", token="t", base_url="https://x.example", region="us")


@pytest.mark.parametrize(
    "url", ["http://api.amigo.ai", "http://10.0.0.5:8080", "http://example.com/"]
)
def test_plain_http_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="http://"):
        AmigoClient("acme", token="t", base_url=url)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:1234", "http://[::1]:9000", "http://127.8.9.10"],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert AmigoClient("acme", token="t", base_url=url).base_url.scheme == "http"


@pytest.mark.parametrize(
    "url", ["ftp://api.amigo.ai", "api.amigo.ai", "https://user:pw@api.amigo.ai"]
)
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        AmigoClient("acme", token="t", base_url=url)


def test_unknown_operation_id_in_rate_limits_is_refused() -> None:
    with pytest.raises(ValueError, match="get-modles"):
        AmigoClient("acme", token="t", rate_limits={"get-modles": RateLimit(1)})


def test_rate_limits_values_must_be_rate_limits() -> None:
    with pytest.raises(TypeError, match="RateLimit"):
        AmigoClient("acme", token="t", rate_limits={"get-models": 20})  # type: ignore[dict-item]


def test_zero_or_negative_limits_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        AmigoClient("acme", token="t", rate_limits={"get-models": RateLimit(0)})
    with pytest.raises(ValueError):
        AmigoClient("acme", token="t", rate_limits={"get-models": RateLimit(5, per_seconds=-1)})


def test_rate_limit_overrides_and_switches() -> None:
    client = AmigoClient(
        "acme",
        token="t",
        rate_limits={"get-models": RateLimit(100, per_seconds=1), "get-tools": None},
    )
    assert client.rate_limit("get-models") == RateLimit(100, per_seconds=1)
    assert client.rate_limit("get-tools") is None
    assert client.rate_limit("test-tool") == RateLimit(1, per_seconds=60)
    assert client.rate_limit("get-organization") is None
    off = AmigoClient("acme", token="t", rate_limiting=False)
    assert off.rate_limit("test-tool") is None


def test_missing_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="no credentials"):
        AmigoClient("acme")


def test_token_and_api_key_together_use_the_token_first() -> None:
    client = AmigoClient("acme", token="t", api_key="k", api_key_id="i", user_id="u")
    assert "auth=token+api-key" in repr(client)


def test_incomplete_api_key_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="user_id"):
        AmigoClient("acme", api_key="k", api_key_id="i")
    with pytest.raises(ValueError, match="api_key_id"):
        AmigoClient("acme", api_key="k", user_id="u")


def test_basic_auth_needs_a_user_id() -> None:
    with pytest.raises(ValueError, match="user_id"):
        AmigoClient("acme", token="t", auth_scheme="basic")
    with pytest.raises(ValueError, match="auth_scheme"):
        AmigoClient("acme", token="t", auth_scheme="digest")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -3, True, "10"])
def test_bad_connection_pool_size_is_refused(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        AmigoClient("acme", token="t", max_connections=bad)  # type: ignore[arg-type]


def test_header_values_with_line_breaks_are_refused() -> None:
    with pytest.raises(ValueError):
        AmigoClient("acme", token="t\r\nX-Evil: 1")
    with pytest.raises(ValueError):
        AmigoClient("acme", token="t", mongo_cluster="a\nb")


def test_environment_fills_what_arguments_leave_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMIGO_ORGANIZATION_ID", "from-env")
    monkeypatch.setenv("AMIGO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AMIGO_API_KEY", "key")
    monkeypatch.setenv("AMIGO_API_KEY_ID", "key-id")
    monkeypatch.setenv("AMIGO_USER_ID", "user")
    client = AmigoClient()
    assert client.organization_id == "from-env"
    assert str(client.base_url) == "http://127.0.0.1:9"
    assert "api-key" in repr(client)


def test_explicit_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMIGO_ORGANIZATION_ID", "from-env")
    monkeypatch.setenv("AMIGO_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AMIGO_API_KEY", "key")
    monkeypatch.setenv("AMIGO_API_KEY_ID", "key-id")
    monkeypatch.setenv("AMIGO_USER_ID", "user")
    client = AmigoClient("explicit", token="jwt", region="eu-central-1")
    assert client.organization_id == "explicit"
    assert str(client.base_url) == "https://api-eu-central-1.amigo.ai"
    assert "auth=token" in repr(client)


def test_amigo_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMIGO_ORGANIZATION_ID", "acme")
    monkeypatch.setenv("AMIGO_TOKEN", "jwt-from-env")
    client = AmigoClient()
    assert "auth=token" in repr(client)


def test_timeouts_per_kind_of_operation() -> None:
    timeouts = Timeouts(connect=5, total=30, long_total=400, stream_idle=45)
    default = timeouts.for_kind(TimeoutKind.DEFAULT)
    assert (default.total, default.sock_connect) == (30, 5)  # opening a socket, not pool waits
    assert timeouts.for_kind(TimeoutKind.LONG).total == 400  # publish: 1-5 minutes
    stream = timeouts.for_kind(TimeoutKind.STREAM)
    assert stream.total is None and stream.sock_read == 45  # long, but never silent forever
    with pytest.raises(ValueError):
        Timeouts(total=0)
    with pytest.raises(TypeError):
        Timeouts(total="60")  # type: ignore[arg-type]


def test_publish_and_test_tool_get_the_long_timeout() -> None:
    from amigo_async import OPERATIONS

    assert OPERATIONS["publish-tool-version"].timeout is TimeoutKind.LONG
    assert OPERATIONS["get-prompt-logs"].timeout is TimeoutKind.STREAM


def test_retry_policy_is_validated() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(backoff_base=2, backoff_max=1)


async def test_a_connection_failure_names_the_host_it_tried() -> None:
    """Which setting to fix: the base URL (or proxy) the client could not reach."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    retry = RetryPolicy(max_attempts=1)
    async with AmigoClient(
        "acme", token="t", base_url=f"http://127.0.0.1:{port}", retry=retry
    ) as c:
        with pytest.raises(errors.TransportError, match=rf"cannot connect to 127\.0\.0\.1:{port}"):
            await c.admin.get_models()
