"""The validation pass keeps the named schemas as text and decodes each on first use
(amigo_async._validation._Schemas): what it draws from the data files must be exactly
the data, read here without the package's code (tests/_snapshot.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _snapshot import snapshot

from amigo_async import _validation


def test_the_named_schemas_read_one_by_one_are_the_data_s() -> None:
    schemas = snapshot()["components"]["schemas"]
    lazily = _validation._Schemas(_validation._schema_texts())
    assert len(schemas) > 300
    for name, schema in schemas.items():
        assert lazily[name] == schema, name


def test_the_operations_are_those_of_the_whole_data() -> None:
    assert _validation._facts().operations == _validation._operations_of(snapshot()["paths"])


def test_the_fake_s_whole_data_is_the_data() -> None:
    assert _validation.api_data() == snapshot()


def test_a_schema_is_decoded_when_first_named_and_once() -> None:
    schemas = _validation._Schemas(_validation._schema_texts())
    name = next(iter(snapshot()["components"]["schemas"]))
    assert schemas._decoded == {}
    assert schemas[name] is schemas[name]
    assert list(schemas._decoded) == [name]


def test_a_schemas_file_the_generator_did_not_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "schemas.txt"
    broken.write_text('A\t{"type": "object"}\nB {"type": "string"}\n')
    monkeypatch.setattr(_validation, "_SCHEMAS", broken)
    with pytest.raises(ValueError, match=r"schemas\.txt: a line without a tab after 'B"):
        _validation._schema_texts()
