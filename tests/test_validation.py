"""The shared input checks: each refuses bad input with an error naming the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amigo_async._checks import (
    PROJECT_PATH_PATTERN,
    check_aware_datetime,
    check_count,
    check_limit,
    check_non_empty,
    check_object_id,
    check_object_ids,
    check_one_of,
    check_optional_bool,
    check_pattern,
    check_str_list,
    check_tag,
    check_tool_name,
)

GOOD_ID = "0123456789abcdef01234567"


def test_object_id_accepts_24_lower_case_hex_digits() -> None:
    assert check_object_id("tool_id", GOOD_ID) == GOOD_ID


@pytest.mark.parametrize(
    "value",
    [
        "0123456789ABCDEF01234567",  # upper case
        "0123456789abcdef0123456",  # 23 digits
        "0123456789abcdef012345678",  # 25 digits
        "0123456789abcdef0123456g",
        "",
        "../../admin/get_models/x",
        GOOD_ID + "\n",
    ],
)
def test_object_id_refuses_anything_else_naming_the_parameter(value: str) -> None:
    with pytest.raises(ValueError, match=r"^tool_id must match \^\[a-f0-9\]\{24\}\$"):
        check_object_id("tool_id", value)


def test_object_id_refuses_a_non_string_with_type_error() -> None:
    with pytest.raises(TypeError, match=r"^tool_id must be a str"):
        check_object_id("tool_id", 12345)


def test_object_ids_names_the_index_of_the_bad_one() -> None:
    with pytest.raises(ValueError, match=r"^id\[1\] must match"):
        check_object_ids("id", [GOOD_ID, "nope"])


def test_object_ids_keeps_none_as_no_filter() -> None:
    assert check_object_ids("id", None) is None


def test_limit_within_the_cap_passes() -> None:
    assert check_limit("limit", 20, 20) == 20
    assert check_limit("limit", None, 20) is None


def test_limit_above_the_cap_names_the_cap() -> None:
    with pytest.raises(
        ValueError, match=r"^limit must be at most 20 \(the documented cap\); got 21"
    ):
        check_limit("limit", 21, 20)


def test_limit_below_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^limit must be at least 1"):
        check_limit("limit", 0, 20)


@pytest.mark.parametrize("value", [True, 2.0, "5"])
def test_limit_must_be_an_int(value: object) -> None:
    with pytest.raises(TypeError, match=r"^limit must be an int"):
        check_limit("limit", value, 20)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", "   ", [], (), None])
def test_non_empty_refuses_empty_and_blank(value: object) -> None:
    with pytest.raises(ValueError, match=r"^query must not be empty"):
        check_non_empty("query", value)


def test_non_empty_returns_the_value() -> None:
    assert check_non_empty("query", "x") == "x"


def test_str_list_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError, match=r"^tag must be a list of str"):
        check_str_list("tag", "team:core")


def test_str_list_refuses_a_non_string_item() -> None:
    with pytest.raises(TypeError, match=r"^tag\[1\] must be a str"):
        check_str_list("tag", ["a:b", 3])


def test_str_list_enforces_its_bounds() -> None:
    with pytest.raises(ValueError, match=r"^file_paths must hold at most 5 item"):
        check_str_list("file_paths", ["a"] * 6, max_items=5)
    with pytest.raises(ValueError, match=r"^file_paths must hold at least 1 item"):
        check_str_list("file_paths", [], min_items=1)


def test_str_list_accepts_any_iterable_of_strings() -> None:
    assert check_str_list("id", (x for x in ["a", "b"])) == ["a", "b"]


def test_count_checks_the_documented_bounds() -> None:
    check_count("inputs", [1] * 10, min_items=1, max_items=10)
    with pytest.raises(ValueError, match=r"^inputs must hold at most 10"):
        check_count("inputs", [1] * 11, min_items=1, max_items=10)


@pytest.mark.parametrize("name", ["weather", "tool_2", "a", "___"])
def test_tool_name_accepts_the_documented_pattern(name: str) -> None:
    assert check_tool_name("name", name) == name


@pytest.mark.parametrize("name", ["Weather", "my-tool", "my tool", "", "tool!", "été"])
def test_tool_name_refuses_others(name: str) -> None:
    with pytest.raises(ValueError, match=r"^name must match \^\[a-z0-9_\]\+\$"):
        check_tool_name("name", name)


@pytest.mark.parametrize("tag", ["team:core", "team:*", "team:", "url:http://x", "a b:c"])
def test_tag_accepts_key_colon_value(tag: str) -> None:
    assert check_tag("tag", tag) == tag


@pytest.mark.parametrize("tag", ["team", ":core", "  :core", ""])
def test_tag_refuses_a_missing_colon_or_key(tag: str) -> None:
    with pytest.raises(ValueError, match=r"^tag must match the tag syntax key:value"):
        check_tag("tag", tag)


def test_one_of_lists_the_choices() -> None:
    with pytest.raises(ValueError, match=r"^bump_type must be one of 'major', 'minor', 'patch'"):
        check_one_of("bump_type", "huge", ("major", "minor", "patch"))


@pytest.mark.parametrize("path", ["tools/weather", "tools/my-tool_2", "x"])
def test_project_path_pattern_accepts_directories(path: str) -> None:
    assert check_pattern("project_path", path, PROJECT_PATH_PATTERN) == path


@pytest.mark.parametrize("path", ["tools/../etc", "tools weather", "", "a?b"])
def test_project_path_pattern_refuses_dots_spaces_and_query_marks(path: str) -> None:
    with pytest.raises(ValueError, match=r"^project_path must match"):
        check_pattern("project_path", path, PROJECT_PATH_PATTERN)


def test_optional_bool_refuses_strings() -> None:
    assert check_optional_bool("deprecated", None) is None
    with pytest.raises(TypeError, match=r"^deprecated must be True, False or None"):
        check_optional_bool("deprecated", "false")


def test_aware_datetime_refuses_a_naive_one() -> None:
    assert check_aware_datetime("after", datetime(2024, 1, 1, tzinfo=UTC)) is not None
    with pytest.raises(ValueError, match=r"^after must be timezone-aware"):
        check_aware_datetime("after", datetime(2024, 1, 1))
