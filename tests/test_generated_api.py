"""The generated files are what scripts/generate_api.py makes of the snapshot, and they are right.

The generator runs in memory: a checked-in file that differs from its output is
stale (run ``python scripts/generate_api.py``). The facts are then checked against
the snapshot read directly, and against the paging tables written by hand before
the generator existed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
from _snapshot import snapshot, snapshot_operations

from amigo_async._spec import OPERATIONS
from amigo_async._spec_rows import EXTRA_METHODS, ROWS
from amigo_async.errors import InvalidResponseError
from amigo_async.models import converter, structure_response

ROOT = Path(__file__).resolve().parent.parent

_RENAMED = {
    "get_roles_v1__organization__role__get": "get-roles",
    "get_webhook_destinations": "get-webhook-destinations",
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_api", ROOT / "scripts/generate_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_api", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _generator()


def test_checked_in_files_are_what_the_generator_writes(generator: ModuleType) -> None:
    stale = [
        relative
        for relative, text in generator.generate(snapshot()).items()
        if not (ROOT / relative).is_file() or (ROOT / relative).read_text("utf-8") != text
    ]
    assert stale == [], "stale; run: python scripts/generate_api.py"


_HAND_WRITTEN_MODELS = {"__init__", "_behaviour", "_converter", "_unions", "facts", "tool_repo"}
"""Model modules written by hand: the converter and union strategy, the behaviour the
snapshot cannot express, facts it states only in prose, and the tool repo it omits."""


def test_every_area_s_models_are_generated(generator: ModuleType) -> None:
    generated = {
        Path(relative).stem
        for relative in generator.generate(snapshot())
        if relative.startswith("amigo_async/models/")
    }
    assert {"admin", "tools", "organization"} <= generated
    present = {path.stem for path in (ROOT / "amigo_async/models").glob("*.py")}
    assert present - generated == _HAND_WRITTEN_MODELS


@pytest.mark.parametrize("module", ["admin", "tools", "organization"])
def test_a_hand_edit_to_a_model_module_is_reported_stale(
    generator: ModuleType, module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for relative in (generator.DATA, generator.SCHEMAS):
        data = tmp_path / relative
        data.parent.mkdir(parents=True, exist_ok=True)
        data.write_text((ROOT / relative).read_text("utf-8"), "utf-8")
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert generator.main([]) == 0  # writes every generated file into the copy
    assert generator.main(["--check"]) == 0
    edited = tmp_path / f"amigo_async/models/{module}.py"
    edited.write_text(edited.read_text("utf-8").replace("kw_only=True", "kw_only=False", 1))
    assert generator.main(["--check"]) == 1


def test_every_snapshot_operation_and_method_has_a_row() -> None:
    rows = {(row.id, row.method) for row in ROWS}
    rows |= {(key, method) for key, methods in EXTRA_METHODS.items() for method in methods}
    documented = {
        (_RENAMED.get(op["operationId"], op["operationId"]), method)
        for method, _, op in snapshot_operations()
    }
    assert rows == documented
    assert {row.id for row in ROWS} <= set(OPERATIONS)


def test_git_interface_row_is_the_get_the_client_sends() -> None:
    assert OPERATIONS["access-git-interface"].method == "GET"
    assert EXTRA_METHODS == {"access-git-interface": ("POST",)}


def test_row_limits_are_the_429_texts() -> None:
    limits = {row.id: row.per_minute for row in ROWS}
    for _, _, op in snapshot_operations():
        response = op["responses"].get("429")
        expected = None
        if response is not None:
            expected = op["x-limit-per-minute"]
        assert limits[_RENAMED.get(op["operationId"], op["operationId"])] == expected


def test_areas_and_authentication_follow_tags_and_security() -> None:
    rows = {row.id: row for row in ROWS}
    for _, _, op in snapshot_operations():
        row = rows[_RENAMED.get(op["operationId"], op["operationId"])]
        assert row.area == op["tags"][0].lower().replace(" ", "_")
        security = op.get("security")
        assert row.authenticated == (
            security is None or any("Bearer-Authorization" in s for s in security)
        )
    assert not rows["sign-in-with-email"].authenticated
    assert not rows["sign-in-with-api-key"].authenticated


def test_every_continuation_token_list_has_paging_and_nothing_else() -> None:
    paged = {
        _RENAMED.get(op["operationId"], op["operationId"])
        for _, _, op in snapshot_operations()
        if any(p["name"] == "continuation_token" for p in op.get("parameters", []))
    }
    assert {row.id for row in ROWS if row.paging is not None} == paged


def test_paging_examples_from_the_snapshot_text() -> None:
    users = OPERATIONS["get-users"].paging
    assert users is not None
    assert (users.items_field, users.cap, users.default_limit, users.first_token) == (
        "users",
        100,
        100,
        0,
    )
    assert "user_stats.last_message_time" in users.sort_fields
    scenarios = OPERATIONS["get-simulation-scenarios"].paging
    assert scenarios is not None and (scenarios.cap, scenarios.default_limit) == (200, 50)


# -- every generated model reads a sample built from its schema -----------------------


def _sample(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits `schema`: every property filled, the first member of each union."""
    schemas = snapshot()["components"]["schemas"]
    if "$ref" in schema:
        return _sample(schemas[schema["$ref"].rsplit("/", 1)[1]], depth + 1)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            members = [m for m in schema[key] if not m.get("$ref", "").endswith("_NotSet")]
            return _sample(members[0], depth)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _sample(p, depth + 1) for name, p in props.items() if depth < 12}
    if kind == "array":
        if "prefixItems" in schema:
            return [_sample(item, depth + 1) for item in schema["prefixItems"]]
        return [_sample(schema.get("items", {}), depth + 1)] if depth < 12 else []
    if kind == "string":
        return "2024-05-01T12:00:00Z" if schema.get("format") == "date-time" else "text"
    return {"integer": 1, "number": 1.5, "boolean": True, "null": None}.get(kind, "any")  # type: ignore[arg-type]


def _generated_classes() -> list[tuple[str, str, str]]:
    writer = _generator().ModelWriter(snapshot())
    return [
        (module, cls, schema)
        for module, classes in writer.classes_of().items()
        for cls, schema in classes.items()
    ]


@pytest.mark.parametrize(("module", "cls", "schema"), _generated_classes())
def test_every_generated_model_structures_a_sample(module: str, cls: str, schema: str) -> None:
    target = getattr(importlib.import_module(f"amigo_async.models.{module}"), cls)
    sample = _sample(snapshot()["components"]["schemas"][schema])
    value = converter.structure(sample, target)
    if attrs.has(target):
        assert isinstance(value, target)
    else:  # a union: the first member's sample, never the unknown variant
        assert not type(value).__name__.startswith("Unknown")


def test_an_unknown_tag_is_kept_and_a_known_tag_with_a_bad_body_raises() -> None:
    from amigo_async.models.role import Condition, EqualCondition, UnknownCondition

    unknown = converter.structure({"type": "Later", "x": 1}, Condition)  # type: ignore[arg-type]
    assert unknown == UnknownCondition("Later", {"type": "Later", "x": 1})
    assert converter.unstructure(unknown) == {"type": "Later", "x": 1}
    assert converter.structure({"type": "Equals", "value": 3}, Condition) == EqualCondition(value=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidResponseError, match=r"required field missing @ \$\.value"):
        structure_response({"type": "Equals"}, Condition, "get-role")  # type: ignore[arg-type]


# -- the in-repo data: the snapshot's facts without its prose --------------------------


def test_check_needs_nothing_outside_the_repository(generator: ModuleType) -> None:
    assert generator.main(["--check"]) == 0


def test_extraction_keeps_facts_and_drops_prose(generator: ModuleType) -> None:
    snapshot_like = {
        "openapi": "3.1.0",
        "info": {"title": "Amigo", "version": "1", "description": "prose"},
        "security": [],
        "components": {
            "schemas": {
                "Thing": {
                    "title": "Thing",
                    "description": "A thing described at length.",
                    "properties": {
                        "description": {"type": "string", "title": "Description"},
                        "title": {"type": "string", "examples": ["x"], "default": "t"},
                    },
                    "type": "object",
                }
            }
        },
        "paths": {
            "/v1/{organization}/thing": {
                "get": {
                    "operationId": "get_webhook_destinations",
                    "summary": "Get things",
                    "description": "Long prose.",
                    "tags": ["Thing"],
                    "parameters": [
                        {
                            "name": "sort_by",
                            "in": "query",
                            "description": "Supported fields are `name` and `id`.",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        }
                    ],
                    "responses": {
                        "429": {
                            "description": "The user has exceeded the rate limit of 7 "
                            "requests per minute for this endpoint."
                        }
                    },
                }
            }
        },
    }
    data = generator.extract(snapshot_like)
    thing = data["components"]["schemas"]["Thing"]
    assert thing == {
        "properties": {
            "description": {"type": "string"},
            "title": {"type": "string", "default": "t"},
        },
        "type": "object",
    }
    operation = data["paths"]["/v1/{organization}/thing"]["get"]
    assert operation["operationId"] == "get-webhook-destinations"
    assert operation["x-limit-per-minute"] == 7
    assert operation["parameters"][0]["x-sort-fields"] == ["name", "id"]
    assert "description" not in operation and "summary" not in operation
    assert operation["responses"]["429"] == {}
    assert data["info"] == {"version": "1"}


def test_the_data_holds_no_prose() -> None:
    prose = {"description", "summary", "title", "examples", "example"}
    found: list[str] = []

    def walk(node: Any, names: bool, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, False, where)
        elif isinstance(node, dict):
            for key, value in node.items():
                if not names and key in prose:
                    found.append(f"{where}/{key}")
                if not names and key in ("default", "const", "enum"):
                    continue
                maps = ("properties", "schemas", "mapping", "paths", "responses", "content")
                walk(value, not names and key in maps, f"{where}/{key}")

    walk(snapshot(), False, "")
    assert found == []


def test_a_class_that_moved_keeps_its_old_import_path_and_name() -> None:
    """Organization shares the user area's preferences and dimensions now; old imports run."""
    from amigo_async.models import user
    from amigo_async.models.organization import UserDimension, UserPreferences

    assert user.PreferencesOutput is user.UserPreferences is UserPreferences
    assert user.UserDimensionOutput is UserDimension
