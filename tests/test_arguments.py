"""The checks of the caller's own arguments (`_arguments`) and the ISO 8601 durations
(`_durations`): what is left outside the validation pass, each naming the argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from amigo_async._arguments import (
    check_absent,
    check_aware_datetime,
    check_chunk_size,
    check_exactly_one,
    check_header_value,
    check_int,
    check_model,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_str_list,
    check_timed_texts,
)
from amigo_async._durations import format_iso_duration, parse_iso_duration
from amigo_async.models.organization import OrganizationUpdate

GOOD_ID = "0123456789abcdef01234567"


@pytest.mark.parametrize("value", ["0123456789ABCDEF01234567", "0" * 23, GOOD_ID + "\n", ""])
def test_object_id_refuses_anything_but_24_hex_digits(value: str) -> None:
    assert check_object_id("tool_id", GOOD_ID) == GOOD_ID
    with pytest.raises(ValueError, match=r"^tool_id must match \^\[a-f0-9\]\{24\}\$"):
        check_object_id("tool_id", value)


def test_object_ids_name_the_index_and_keep_none() -> None:
    assert check_object_ids("id", None) is None
    with pytest.raises(ValueError, match=r"^id\[1\] must match"):
        check_object_ids("id", [GOOD_ID, "nope"])
    with pytest.raises(TypeError, match=r"^id must be a str"):
        check_object_id("id", 12345)


def test_int_refuses_a_bool_and_values_out_of_bounds() -> None:
    assert check_int("concurrency", 3, minimum=1) == 3
    with pytest.raises(TypeError, match=r"^concurrency must be an int, not bool"):
        check_int("concurrency", True)
    with pytest.raises(ValueError, match=r"^concurrency must be at least 1; got 0"):
        check_int("concurrency", 0, minimum=1)
    with pytest.raises(ValueError, match=r"^n must be at most 2; got 3"):
        check_int("n", 3, maximum=2)


@pytest.mark.parametrize("value", ["", "   ", [], None])
def test_non_empty_refuses_empty_and_blank(value: object) -> None:
    with pytest.raises(ValueError, match=r"^versions\[0\] must not be empty"):
        check_non_empty("versions[0]", value)


def test_str_list_refuses_a_bare_string_and_other_items() -> None:
    assert check_str_list("id", (x for x in ["a", "b"])) == ["a", "b"]
    with pytest.raises(TypeError, match=r"^tool_ids must be a list of str"):
        check_str_list("tool_ids", "abc")
    with pytest.raises(TypeError, match=r"^tool_ids\[1\] must be a str"):
        check_str_list("tool_ids", ["a", 3])


def test_one_of_and_aware_datetime() -> None:
    with pytest.raises(ValueError, match=r"^source_type must be one of 'a', 'b'"):
        check_one_of("source_type", "c", ("a", "b"))
    assert check_aware_datetime("since", datetime(2024, 1, 1, tzinfo=UTC)) is not None
    with pytest.raises(ValueError, match=r"^since must be timezone-aware"):
        check_aware_datetime("since", datetime(2024, 1, 1))


@pytest.mark.parametrize("value", [0, -1, True, 1.5])
def test_chunk_size_is_a_positive_int(value: object) -> None:
    assert check_chunk_size(16384) == 16384
    with pytest.raises(ValueError, match=r"^chunk_size must be a positive int"):
        check_chunk_size(value)


@pytest.mark.parametrize("value", ["", "  ", "a\r\nX-Evil: 1", "tab\there"])
def test_a_header_value_is_printable_and_not_blank(value: str) -> None:
    assert check_header_value("mongo_cluster", "cluster0") == "cluster0"
    with pytest.raises(ValueError, match=r"^mongo_cluster must not"):
        check_header_value("mongo_cluster", value)


def test_exactly_one_names_the_arguments() -> None:
    check_exactly_one(text="hi", audio=None)
    for given in ({"text": None, "audio": None}, {"text": "a", "audio": b"b"}):
        with pytest.raises(ValueError, match=r"^give exactly one of text= or audio="):
            check_exactly_one(**given)


def test_absent_names_what_goes_with_another_choice() -> None:
    check_absent("audio_format='pcm'", pcm_frame_rate=None)
    with pytest.raises(ValueError, match=r"^pcm_frame_rate= go with audio_format='pcm' only"):
        check_absent("audio_format='pcm'", pcm_frame_rate=16000, pcm_sample_width=None)


def test_timed_texts_are_datetime_text_pairs() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert check_timed_texts("external_events", [(at, "e")]) == [(at, "e")]
    for wrong in ([at], [(at, 5)], [("2025", "e")], "e"):
        with pytest.raises(TypeError, match=r"^external_events"):
            check_timed_texts("external_events", wrong)  # type: ignore[arg-type]


def test_a_model_argument_is_its_class_with_bytes_where_bytes_go() -> None:
    update = OrganizationUpdate(title="t")
    assert check_model("update", update, OrganizationUpdate) is update
    with pytest.raises(TypeError, match=r"^update must be of type OrganizationUpdate, not dict"):
        check_model("update", {"title": "t"}, OrganizationUpdate)
    text_logo = OrganizationUpdate(logo="iVBOR")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^logo must be bytes, not str"):
        check_model("update", text_logo, OrganizationUpdate)


@pytest.mark.parametrize(
    ("text", "value", "spelled"),
    [
        ("P30D", timedelta(days=30), "P30D"),
        ("P1DT12H", timedelta(days=1, hours=12), "P1DT12H"),
        ("P2W", timedelta(days=14), "P14D"),
        ("PT0.5S", timedelta(seconds=0.5), "PT0.5S"),
        ("P1Y", timedelta(days=365), "P365D"),
    ],
)
def test_durations_read_and_spelled(text: str, value: timedelta, spelled: str) -> None:
    assert parse_iso_duration(text) == value
    assert format_iso_duration(value) == spelled


@pytest.mark.parametrize("text", ["", "P", "PT", "30D", "P1H", "P9999999999999D"])
def test_what_is_not_a_duration_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601 duration"):
        parse_iso_duration(text)
