"""The validation pass reads the data file without keeping it decoded whole
(amigo_async._validation._read_facts): what it draws from it must be exactly the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amigo_async import _validation
from amigo_async._validation import api_data


def test_the_named_schemas_read_one_by_one_are_the_data_s() -> None:
    schemas = api_data()["components"]["schemas"]
    lazily = _validation._read_facts(_validation._DATA).schemas
    assert len(schemas) > 300
    for name, schema in schemas.items():
        assert lazily[name] == schema, name


def test_the_operations_drawn_from_the_scan_are_those_of_the_whole_data() -> None:
    facts = _validation._read_facts(_validation._DATA)
    assert facts.operations == _validation._operations_of(api_data()["paths"])


def test_a_schema_is_decoded_when_first_named_and_once() -> None:
    schemas = _validation._read_facts(_validation._DATA).schemas
    name = next(iter(api_data()["components"]["schemas"]))
    assert schemas._decoded == {}
    assert schemas[name] is schemas[name]
    assert list(schemas._decoded) == [name]


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"paths": {}, "components": {"schemas": {"A": {}}}})[:-1] + "]",
        '{"paths": {} "components": {}}',
        '["paths"]',
    ],
)
def test_a_data_file_the_generator_did_not_write_is_refused(tmp_path: Path, text: str) -> None:
    broken = tmp_path / "api.json"
    broken.write_text(text)
    with pytest.raises(ValueError, match=r"api\.json"):
        _validation._read_facts(broken)
