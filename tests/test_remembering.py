"""A writer's short fields remember their values' postings (engine/whoosh/remembering.py): what they
give, first time or remembered, is exactly what Whoosh's own field of the same settings gives."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from helpers import SAMPLE
from whoosh.fields import ID, KEYWORD, TEXT, FieldType, Schema

from newssearch import reindex
from newssearch.engine.whoosh import documents, remembering
from newssearch.engine.whoosh.remembering import Remembering, remember_values
from newssearch.engine.whoosh.schema import build_schema


@pytest.fixture(scope="module")
def sample_documents(tmp_path_factory: pytest.TempPathFactory) -> tuple[Schema, list[dict[str, Any]]]:
    """The writer's schema, and the Whoosh documents it is given, as the sample archive is indexed."""
    added: list[dict[str, Any]] = []
    schemas: list[Schema] = []
    engines_add = documents.add_document

    def recording(writer: Any, **fields: Any) -> None:
        added.append(fields)
        schemas.append(writer.schema)
        engines_add(writer, **fields)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(documents, "add_document", recording)
        reindex(SAMPLE, tmp_path_factory.mktemp("sample") / "index")
    return schemas[0], added


def whooshs(field: FieldType) -> FieldType:
    """The same field as the Whoosh class it was adopted from (or is a subclass of)."""
    plain = copy.copy(field)
    plain.__class__ = next(base for base in type(field).__mro__ if base in (ID, KEYWORD, TEXT))
    plain.__dict__.pop("_remembered", None)
    return plain


def test_the_writers_short_fields_remember_and_its_prose_fields_do_not(sample_documents: tuple[Schema, list[dict[str, Any]]]) -> None:
    schema, _ = sample_documents
    remembering_fields = {name for name, field in schema.items() if isinstance(field, Remembering)}
    assert {"id", "source", "author", "tags", "language", "acronyms", "date", "facet_topics"} <= remembering_fields
    assert not {"body", "title"} & remembering_fields


def test_every_value_indexes_as_whoosh_indexes_it_first_time_and_remembered(sample_documents: tuple[Schema, list[dict[str, Any]]]) -> None:
    schema, added = sample_documents
    fields = {name: field for name, field in schema.items() if isinstance(field, Remembering)}
    plain = {name: whooshs(field) for name, field in fields.items()}
    compared = 0
    for document in added:
        for name, value in document.items():
            if name in fields:
                expected = list(plain[name].index(value))
                assert list(fields[name].index(value)) == expected, (name, value)
                assert list(fields[name].index(value)) == expected, (name, value)  # remembered by now
                compared += 1
    assert compared > 10 * len(added)
    assert len(fields["source"]._remembered) < 20 < len(fields["id"]._remembered)


def test_a_field_remembers_a_bounded_number_of_short_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remembering, "REMEMBERED", 3)
    field = build_schema()["facet_topics"]
    remember_values(Schema(facet_topics=field))
    for value in (["acq"], ["earn", "acq"], "x" * (remembering.LONGEST + 1), ["grain"], ["crude"], ["acq"]):
        assert list(field.index(value)) == list(whooshs(field).index(value))
    assert list(field._remembered) == [("acq",), ("earn", "acq"), ("grain",)]


def test_the_remembered_values_are_not_pickled_with_the_schema(sample_documents: tuple[Schema, list[dict[str, Any]]]) -> None:
    schema, _ = sample_documents
    read_back = pickle.loads(pickle.dumps(schema))
    assert len(pickle.dumps(schema)) < 2 * len(pickle.dumps(build_schema()))
    assert "_remembered" not in read_back["source"].__dict__
    assert list(read_back["source"].index("Reuters")) == list(whooshs(schema["source"]).index("Reuters"))
