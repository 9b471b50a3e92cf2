"""The API key id is scrubbed like the key; a text is scrubbed before it is cut; C1
controls (a terminal's second escape alphabet) never pass `sanitize`."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from hostile import SIGN_IN_PATH, everything_said, serve

from amigo_async import AmigoClient, errors

API_KEY = "AKsecretKEYvalue0123456789abcdefZZ"
KEY_ID = "kid-SECRET-0123456789"
USER = "user0123456789abcdef0123"
TOKEN = "opaqueTOKENsecretvalue0123456789xyz" + "q" * 200


async def _echo_key_id(request: web.Request) -> web.Response:
    key_id = request.headers.get("x-api-key-id", "")
    return web.Response(
        status=401,
        reason=f"Denied {key_id}",
        headers={"X-Request-Id": key_id},
        text=json.dumps({"detail": f"bad key id {key_id}"}),
    )


async def test_the_api_key_id_is_scrubbed_from_a_refused_sign_in() -> None:
    async with serve(_echo_key_id) as api:
        client = AmigoClient(
            "acme", api_key=API_KEY, api_key_id=KEY_ID, user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.AuthenticationError) as caught:
                await client.admin.get_models()
            assert KEY_ID not in repr(client._transport.credentials)
    said = everything_said(caught.value)
    assert KEY_ID not in said
    assert caught.value.request_id == "[redacted]"


async def test_a_short_api_key_id_is_not_scrubbed_from_ordinary_words() -> None:
    async with serve(_echo_key_id) as api:
        client = AmigoClient(
            "acme", api_key=API_KEY, api_key_id="key", user_id=USER, base_url=api.url
        )
        async with client:
            with pytest.raises(errors.AuthenticationError) as caught:
                await client.admin.get_models()
    assert "bad key id" in (caught.value.body_excerpt or "")


def _echo_after(padding: int):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.Response:
        if request.path == SIGN_IN_PATH:
            echoed = request.headers.get("x-api-key", "")
        else:
            echoed = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return web.Response(
            status=401,
            reason="r" * padding + echoed,
            headers={"X-Request-Id": "r" * padding + echoed},
            text="{}",
        )

    return handler


@pytest.mark.parametrize("padding", [80, 95])
async def test_a_request_id_is_scrubbed_before_it_is_cut(padding: int) -> None:
    async with serve(_echo_after(padding)) as api:
        for options in (
            {"api_key": API_KEY, "api_key_id": KEY_ID, "user_id": USER},
            {"token": TOKEN},
        ):
            async with AmigoClient("acme", base_url=api.url, **options) as client:  # type: ignore[arg-type]
                with pytest.raises(errors.AuthenticationError) as caught:
                    await client.admin.get_models()
            said = everything_said(caught.value)
            for secret in (API_KEY, TOKEN):
                for size in range(6, 20):  # no piece of the secret, cut or whole
                    assert secret[:size] not in said, (options, size)


def test_a_body_cut_short_never_ends_in_half_a_secret() -> None:
    secret = "s3cr3t-" + "z" * 60
    for end in range(6, len(secret)):
        excerpt = errors.sanitize("x" * 20 + secret[:end], [secret], cut=True)
        assert excerpt == "x" * 20


def _json_escaped(text: str) -> str:
    return "".join(f"\\u{ord(character):04x}" for character in text)


@pytest.mark.parametrize("shift", range(0, 12))
def test_a_secret_echoed_as_json_escapes_and_cut_leaves_no_piece(shift: int) -> None:
    """A proxy echoes the credential as ``\\u00XX`` escapes (six times longer), and the
    bounded first cut falls inside the escaped copy: the readable start of the secret
    must still be recognised and dropped (outside probe, session 6)."""
    secret = "opaque" + "AHOVCJQXELSZGNUBIPWDKRY" * 4
    first = _json_escaped("Bearer " + secret)
    padding = "p" * (100 * 4 + 512 - len(first) - 3 - 6 * 40 - shift)
    text = f"{first} | {padding}{_json_escaped(secret)}"
    excerpt = errors.sanitize(text, [secret], limit=100)
    assert not any(secret[i : i + 6] in excerpt for i in range(len(secret) - 6)), excerpt


def test_repeated_long_secrets_cut_by_the_excerpt_leave_no_piece() -> None:
    secret = "T" * 150 + "secret-tail"
    text = (secret + " ") * 12  # scrubbing shrinks it below the excerpt length
    excerpt = errors.sanitize(text, [secret], limit=300)
    assert "TTTTTT" not in excerpt


@pytest.mark.parametrize("control", ["\x9b", "\x9d", "\x85", "\x1b", "\x7f"])
def test_sanitize_removes_c0_and_c1_controls(control: str) -> None:
    assert control not in errors.sanitize(f"a{control}31mb")
