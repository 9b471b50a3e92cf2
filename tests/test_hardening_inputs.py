"""Issue 13, items 14 and 16: documented constraints checked before anything is sent.

Environment-variable names follow `[A-Z_]+`; `uniqueItems` filters go out without
repeats; organization images meet their format and size rules, read from the
header bytes; search-tool-invocations needs `query_against`, as documented.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from images import ico, png
from test_organization import new_organization

from amigo_async import AmigoClient
from amigo_async._images import check_image, image_sizes
from amigo_async.models.organization import OrganizationUpdate
from amigo_async.models.tools import EnvVarDelete, EnvVarInsert, EnvVarUpdate
from amigo_async.testing import FakeAmigoServer

TOOL = "a" * 24
OTHER = "b" * 24


def _query(fake: FakeAmigoServer, key: str) -> list[str]:
    return [value for name, value in fake.requests[-1].query if name == key]


# -- environment-variable names ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["lower", "123", "  API_KEY", "API_KEY ", "", "-"])
@pytest.mark.parametrize("kind", ["inserts", "updates", "deletes"])
async def test_an_envvar_name_outside_the_pattern_is_refused_before_sending(
    fake: FakeAmigoServer, client: AmigoClient, name: str, kind: str
) -> None:
    item: Any = {
        "inserts": EnvVarInsert(name=name, value="v"),
        "updates": EnvVarUpdate(name=name, value="v"),
        "deletes": EnvVarDelete(name=name),
    }[kind]
    with pytest.raises(ValueError, match=rf"^{kind}\[0\]\.name"):
        await client.tools.update_envvars(TOOL, **{kind: [item]})
    assert fake.requests == []


@pytest.mark.parametrize("name", ["API_KEY", "S3_BUCKET", "X"])
async def test_an_envvar_name_within_the_pattern_is_sent(
    fake: FakeAmigoServer, client: AmigoClient, name: str
) -> None:
    tool = fake.state.tools.tools[0]["id"]
    try:
        await client.tools.update_envvars(tool, inserts=[EnvVarInsert(name=name, value="v")])
    except Exception as exc:  # the fake may refuse for its own reasons; the point is: it was sent
        assert not isinstance(exc, ValueError | TypeError), exc
    assert fake.count("modify-tool-envvars") == 1


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (EnvVarInsert(name="A", value=123), "value"),  # type: ignore[arg-type]
        (EnvVarInsert(name="A", value="v", is_secret="yes"), "is_secret"),  # type: ignore[arg-type]
    ],
)
async def test_an_envvar_value_or_flag_of_the_wrong_type_is_refused(
    fake: FakeAmigoServer, client: AmigoClient, item: EnvVarInsert, field: str
) -> None:
    with pytest.raises(TypeError, match=rf"^inserts\[0\]\.{field}"):
        await client.tools.update_envvars(TOOL, inserts=[item])
    assert fake.requests == []


# -- uniqueItems filters --------------------------------------------------------------------


async def test_repeated_tool_ids_are_sent_once(fake: FakeAmigoServer, client: AmigoClient) -> None:
    await client.tools.list(ids=[TOOL, OTHER, TOOL], max_items=1).to_list()
    assert _query(fake, "id") == [TOOL, OTHER]


async def test_repeated_invocation_filters_are_sent_once(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    await client.tools.list_invocations(
        tool_id=[TOOL, TOOL],
        invocation_source_type=["regular-conversation", "regular-conversation"],
        conversation_id=[OTHER, OTHER],
        simulation_unit_test_set_run_id=[OTHER, TOOL, OTHER],
        max_items=1,
    ).to_list()
    assert _query(fake, "tool_id") == [TOOL]
    assert _query(fake, "invocation_source_type") == ["regular-conversation"]
    assert _query(fake, "conversation_id") == [OTHER]
    assert _query(fake, "simulation_unit_test_set_run_id") == [OTHER, TOOL]


async def test_repeated_creators_are_sent_once(fake: FakeAmigoServer, client: AmigoClient) -> None:
    tool = fake.state.tools.tools[0]["id"]
    await client.tools.list_versions(tool, creator=["o,u", "o,u"], max_items=1).to_list()
    assert _query(fake, "creator") == ["o,u"]


async def test_repeated_query_against_fields_are_sent_once(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    field = "invocation_status.output"
    await client.tools.search_invocations("x", query_against=[field, field])
    assert _query(fake, "query_against") == [field]


async def test_search_invocations_requires_query_against(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(TypeError, match="query_against"):
        await client.tools.search_invocations("x")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match=r"^query_against is required"):  # the one pass
        await client.tools.search_invocations("x", query_against=None)  # type: ignore[arg-type]
    assert fake.requests == []


# -- organization images -----------------------------------------------------------------------


GOOD = {
    "logo": [png(400, 160), png(1000, 400), png(401, 160)],
    "square_logo": [png(40, 40), png(512, 512)],
    "favicon": [ico((48, 48)), ico((16, 16), (40, 40)), ico((0, 0))],
    "signup_page_headshot": [png(292, 400), png(584, 800)],
}
BAD = {
    "logo": [png(300, 120), png(400, 400), ico((400, 160)), b"GIF89a" + bytes(20)],
    "square_logo": [png(39, 39), png(40, 41), ico((48, 48))],
    "favicon": [ico((16, 16), (32, 32)), ico((48, 40)), png(48, 48), b"\x00\x00\x01\x00\x00\x00"],
    "signup_page_headshot": [png(291, 399), png(400, 400), png(292, 400)[:20]],
}


@pytest.mark.parametrize(("field", "image"), [(f, i) for f, images in GOOD.items() for i in images])
def test_an_image_meeting_its_rule_passes(field: str, image: bytes) -> None:
    assert check_image(field, image) == image


@pytest.mark.parametrize(("field", "image"), [(f, i) for f, images in BAD.items() for i in images])
def test_an_image_breaking_its_rule_is_refused_naming_the_field(field: str, image: bytes) -> None:
    with pytest.raises(ValueError, match=rf"^{field}"):
        check_image(field, image)


def test_image_sizes_reads_png_and_ico_headers() -> None:
    assert image_sizes(png(400, 160)) == ("PNG", [(400, 160)])
    assert image_sizes(ico((16, 16), (0, 0))) == ("ICO", [(16, 16), (256, 256)])
    assert image_sizes(b"plain text") is None


async def test_a_logo_of_the_wrong_size_sends_nothing(
    fake: FakeAmigoServer, client: AmigoClient
) -> None:
    with pytest.raises(ValueError, match=r"^logo"):
        await client.organization.update(OrganizationUpdate(logo=png(100, 40)))
    organization = attrs.evolve(new_organization(), favicon=png(48, 48))
    with pytest.raises(ValueError, match=r"^favicon"):
        await client.organization.create(organization, mongo_cluster="c")
    assert fake.requests == []
