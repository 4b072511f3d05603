"""The index's settings and mapping, derived from the field table (fields.py), and the
conversion of documents to and from what the cluster stores.

Analysis mirrors the Whoosh engine's, so that the parsed query's terms (already analysed
by the one parser, querytree.py) match as indexed: words of letters and digits with
hyphenated or dotted parts kept together, lower-cased, accent-folded, without Whoosh's
stop words (and without a gap where they were), hyphenated words indexed as their parts and joined, and Snowball's English
stemmer (Lucene's is the same Porter2 as PyStemmer's). Each text field has an ``exact``
subfield, folded but not stemmed, for did-you-mean. The Whoosh engine indexes the body
with its headline before it; here headline and body are both copied (``copy_to``) into
INDEXED_BODY, which queries on ``body`` search, while ``body`` itself holds the body
alone, for snippets (a highlighter reading a field that other fields copy into would
show their text too).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from ...fields import Field, Schema
from ..base import Document, Stored

TOKEN_PATTERN = r"\w+(?:[-.]\w+)*"
WHOOSH_STOP_WORDS = (
    "a an and are as at be by can for from have if in is it may not of on or tbd that the this to us we when will with yet you your"
).split()
"""Whoosh's StopFilter list, not Lucene's English one: the parser drops these words from queries."""
INDEXED_BODY = "body_indexed"
"""Headline and body together, as the Whoosh engine indexes ``body``: not stored, only searched."""
MAX_ID_BYTES = 512
"""OpenSearch's limit on a document _id; a longer article id (a long URL) is stored under its hash."""

STOP_WORDS_OUT = {
    # Whoosh numbers a text's words afresh once stop words are out ("bank of england": "bank"
    # and "england" adjacent), Lucene's stop filter leaves a gap: so they go before the
    # tokenizer, where a whole word stands alone (not inside U.S.A. or state-of-the-art).
    "type": "pattern_replace",
    "pattern": r"(?<!\w)(?<!\w[-.])(?:" + "|".join(WHOOSH_STOP_WORDS) + r"|\w)(?!\w)(?![-.]\w)",  # and 1-letter words, as Whoosh
    "flags": "CASE_INSENSITIVE|UNICODE_CHARACTER_CLASS",
    "replacement": "",
}
ANALYSIS: dict[str, Any] = {
    "char_filter": {"newssearch_stop_words": STOP_WORDS_OUT},
    "tokenizer": {"newssearch_words": {"type": "pattern", "pattern": TOKEN_PATTERN, "group": 0, "flags": "UNICODE_CHARACTER_CLASS"}},
    "filter": {
        # co-operation: "co", "operation" and "cooperation", at one position; U.S. and 3.5 stay whole
        "newssearch_hyphens": {
            "type": "word_delimiter_graph",
            "type_table": [". => ALPHANUM", "_ => ALPHANUM"],
            "generate_word_parts": True,
            "generate_number_parts": True,
            "catenate_words": True,
            "catenate_numbers": True,
            "catenate_all": True,
            "split_on_case_change": False,
            "split_on_numerics": False,
            "stem_english_possessive": False,
            "preserve_original": False,
        },
        "newssearch_stemmer": {"type": "snowball", "language": "English"},
    },
    "analyzer": {
        "newssearch_text": {
            "char_filter": ["newssearch_stop_words"],
            "tokenizer": "newssearch_words",
            "filter": ["lowercase", "asciifolding", "newssearch_hyphens", "flatten_graph", "newssearch_stemmer"],
        },
        "newssearch_name": {
            "tokenizer": "newssearch_words",
            "filter": ["lowercase", "asciifolding", "newssearch_hyphens", "flatten_graph"],
        },
        "newssearch_exact": {"tokenizer": "newssearch_words", "filter": ["lowercase", "asciifolding"]},
    },
    "normalizer": {"newssearch_lower": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}


def _field_mapping(field: Field, schema: Schema) -> dict[str, Any]:
    if field.kind == "text":
        mapping: dict[str, Any] = {
            "type": "text",
            "analyzer": "newssearch_text",
            "fields": {"exact": {"type": "text", "analyzer": "newssearch_exact"}},
        }
        if with_headline(schema) and field.name in ("title", "body"):
            mapping["copy_to"] = [INDEXED_BODY]
        return mapping
    if field.kind == "name":
        return {"type": "text", "analyzer": "newssearch_name", "fields": {"exact": {"type": "text", "analyzer": "newssearch_exact"}}}
    if field.kind == "key":
        return {"type": "keyword"}
    if field.kind == "keyword":
        return {"type": "keyword", "normalizer": "newssearch_lower"}
    if field.kind == "datetime":
        return {"type": "date"}
    if field.kind == "number":
        return {"type": "double"}
    return {"type": "binary"}  # bytes: kept in _source, not searched


def with_headline(schema: Schema) -> bool:
    """Whether the schema has a headline and a body to index together (INDEXED_BODY)."""
    return {"title", "body"} <= {field.name for field in schema.fields if field.kind == "text"}


def index_body(schema: Schema, shards: int, replicas: int) -> dict[str, Any]:
    """A new physical index's settings and mapping. It refreshes only when a full reindex has
    filled it; it has its replicas from the start (and the writer waits for them to be live),
    so that a node lost in the middle of the reindex loses no shard of it."""
    properties = {field.name: _field_mapping(field, schema) for field in schema.fields}
    if with_headline(schema):
        properties[INDEXED_BODY] = {"type": "text", "analyzer": "newssearch_text"}
    # a field indexed as something else than its stored value keeps that value apart, unindexed
    properties.update({_kept(field): {"type": "keyword", "index": False, "doc_values": False} for field in schema.fields if field.index_as})
    properties.update({facet.field: {"type": "keyword"} for facet in schema.facets})
    return {
        "settings": {
            "index": {"number_of_shards": shards, "number_of_replicas": replicas, "refresh_interval": "-1"},
            "analysis": ANALYSIS,
        },
        "mappings": {
            "dynamic": "strict",  # a field the table does not know is an error, not a guess
            "_meta": {"newssearch_schema": schema.version},
            "properties": properties,
        },
    }


def doc_id(article_id: str) -> str:
    """The _id of an article: its id, or the hash of an id too long for OpenSearch."""
    if len(article_id.encode("utf-8")) <= MAX_ID_BYTES:
        return article_id
    return "sha256:" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()


def to_source(document: Document, schema: Schema) -> dict[str, Any]:
    """A document as the cluster stores it: dates in ISO form, bytes in base64, tuples as lists."""
    source: dict[str, Any] = {}
    for field in schema.fields:
        value = document.get(field.name)
        if value is None or value == "" or value == b"":
            continue
        if field.kind == "bytes":
            value = base64.b64encode(value).decode("ascii")
        elif field.kind == "datetime":
            value = value.isoformat()
        if field.index_as is not None:
            source[_kept(field)] = _json(value)
            value = field.index_as(value)
        source[field.name] = _json(value)
    for facet in schema.facets:
        if values := list(document.get(facet.field, ())):
            source[facet.field] = values
    return source


def _kept(field: Field) -> str:
    """Where the stored value of a field indexed as something else is kept."""
    return f"{field.name}_stored"


def _json(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def from_source(source: dict[str, Any], schema: Schema, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields ``names`` of a stored document, with the types the indexer gave them."""
    values: dict[str, Any] = {}
    for name in names:
        field = schema.field(name)
        value = source.get(_kept(field) if field.index_as else name)
        if field.kind == "bytes":
            values[name] = base64.b64decode(value) if value else b""
        elif field.kind == "datetime":
            values[name] = datetime.fromisoformat(value) if value else None
        elif field.kind == "keyword":
            values[name] = tuple(value or ())
        elif field.kind == "number":
            values[name] = value  # None when the document has none (search._hit's "added")
        else:
            values[name] = value if value is not None else ""
    return values


def stored_keys(schema: Schema) -> list[str]:
    """The keys of ``_source`` that hold the stored fields."""
    return [_kept(field) if field.index_as else field.name for field in schema.stored]


def stored(source: dict[str, Any], schema: Schema) -> Stored:
    return from_source(source, schema, tuple(field.name for field in schema.stored))
