"""The Whoosh schema and documents, derived from the table of fields and facets (fields.py).

Kinds become Whoosh field types: ``text`` a stemmed TEXT field with the table's boost
(prose.ProseField, which indexes the analyzer's terms in bulk),
``name`` an unstemmed one, ``keyword`` a comma-separated KEYWORD field, ``key`` an ID,
``datetime`` a ``DayField`` of days plus the columns a date sort and the recency score
read, ``number`` a numeric column, ``bytes`` a bytes column. Each facet is an ID field
of its own (``Facet.field``) given the list of its values, each indexed whole.

The analyzers are in analysis.py.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any, assert_never

from whoosh import columns
from whoosh import query as q
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, FieldType
from whoosh.fields import Schema as WhooshSchema
from whoosh.qparser.common import QueryParserError

from ...fields import SCHEMA, Field, Schema
from ..base import Document
from .analysis import text_analyzer
from .prose import ProseField
from .remembering import Remembering

SCHEMA_VERSION = SCHEMA.version
"""An index of another version is not read (store.INDEX_NAME): it needs ``reindex --full``."""
SEARCH_FIELDS = tuple(f.name for f in SCHEMA.searched)
"""The fields a query's plain words look in, in query order (title, body)."""
UNIQUE = "id"
"""The field ``Writer.replace`` replaces by."""
COLUMNS = frozenset({"id", "filekey"})
"""Key fields also kept as columns: read back per article by ``writing.indexed``."""
PUBLISHED, TIMESTAMP, UNDATED = "published", "timestamp", "undated"
"""What a ``datetime`` field adds beside its day term: the datetime itself (stored, for
display), seconds since 1970 (a column, for date sorts and recency) and whether there is
none (a column: undated articles sort last either way). One ``datetime`` field per schema."""


class DayField(Remembering, ID):
    """Publication day as a ``YYYY-MM-DD`` term, queried as ``date:2023``, ``date:2023-03``,
    ``date:2023-03-03`` or ``date:[2023-01-01 TO 2023-03-31]``.

    One term per day keeps date ranges a handful of terms wide, where Whoosh's
    DATETIME (one term per microsecond) made a month's range cost half a second.
    """

    _PARTIAL = re.compile(r"^\d{4}(-\d\d(-\d\d)?)?$")

    def self_parsing(self) -> bool:
        return True

    def _check(self, text: str) -> str:
        if not self._PARTIAL.match(text):
            raise QueryParserError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        return text

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> q.Query:
        text = self._check(qstring.strip())
        if len(text) == 10:
            return q.Term(fieldname, text, boost=boost)
        return q.Prefix(fieldname, text + "-", boost=boost)

    def parse_range(self, fieldname: str, start: str | None, end: str | None, startexcl: bool, endexcl: bool, boost: float = 1.0) -> q.Query:
        low = self._check(start.strip()) if start else None
        high = self._check(end.strip()) + "~" if end else None  # "~" sorts after any "-MM-DD" suffix
        return q.TermRange(fieldname, low, high, startexcl, endexcl, boost=boost)


def build_schema(schema: Schema = SCHEMA) -> WhooshSchema:
    """The Whoosh schema of the table ``schema``."""
    types: dict[str, FieldType] = {}
    for field in schema.fields:
        types.update(_field_types(field))
    for facet in schema.facets:
        types[facet.field] = ID()  # given a list: each value one term, whole (docvalues counts them)
    return WhooshSchema(**types)


def _field_types(field: Field) -> dict[str, FieldType]:
    name, stored = field.name, field.stored
    match field.kind:
        case "key":
            return {name: ID(stored=stored, unique=name == UNIQUE, sortable=_bytes_column() if name in COLUMNS else False)}
        case "text":
            # no spelling fields: did-you-mean counts words apart (vocabulary.py)
            return {name: ProseField(stored=stored, field_boost=field.boost)}
        case "name":
            # a field not shown (acronyms) is looked up word by word, never as a phrase: no positions
            return {name: TEXT(analyzer=text_analyzer(stem=False), stored=stored, phrase=stored, field_boost=field.boost)}
        case "keyword":
            return {name: KEYWORD(stored=stored, commas=True, lowercase=True, scorable=True)}
        case "datetime":
            types: dict[str, FieldType] = {
                name: DayField(),
                TIMESTAMP: COLUMN(columns.NumericColumn("d")),
                UNDATED: COLUMN(columns.NumericColumn("B")),
            }
            if stored:
                types[PUBLISHED] = STORED()
            return types
        case "number":
            return {name: _column(columns.NumericColumn("d"), stored)}
        case "bytes":
            return {name: _column(_bytes_column(), stored)}
        case _:
            assert_never(field.kind)


def _bytes_column() -> columns.VarBytesColumn:
    """A column of byte strings that keeps each value's offset on disk, whatever the segment's size.

    Whoosh keeps them only past 32,768 articles a segment; below that, every reader of the
    column adds up all the lengths in a Python loop first: about 2.5 ms a column at 10,000
    articles, paid by each one-off search for each column it reads (ids, sketches, snippets' blocks)."""
    return columns.VarBytesColumn(write_offsets_cutoff=0)


def _column(column: columns.Column, stored: bool) -> COLUMN:
    """A value per article kept in a column (read by document number), and stored if asked."""
    field = COLUMN(column)
    field.stored = stored  # COLUMN takes no such argument; the writer reads the attribute
    return field


def to_whoosh(document: Document, schema: Schema = SCHEMA) -> dict[str, Any]:
    """The Whoosh document of an engine-neutral one (base.Document).

    The searched body is indexed with the headline before it, as one text (fields.TITLE_BOOST);
    ``_stored_body`` keeps the body alone for snippets and the article page.
    """
    whoosh: dict[str, Any] = {}
    for field in schema.fields:
        value = document.get(field.name)
        if field.kind == "datetime":
            whoosh[UNDATED] = int(value is None)
            whoosh[TIMESTAMP] = 0.0  # written for every article: a column no article has cannot be sorted on
            if value is not None:
                whoosh[field.name] = f"{value:%Y-%m-%d}"
                whoosh[TIMESTAMP] = value.replace(tzinfo=UTC).timestamp()
                if field.stored:
                    whoosh[PUBLISHED] = value
        elif value is not None:
            indexed = field.index_as(value) if field.index_as else value
            whoosh[field.name] = ",".join(indexed) if field.kind == "keyword" else indexed
            if field.index_as and field.stored:
                whoosh[f"_stored_{field.name}"] = ",".join(value) if field.kind == "keyword" else value  # Whoosh stores this instead
    body, title = document["body"], document.get("title")
    whoosh["body"] = f"{title}\n{body}" if title else body
    whoosh["_stored_body"] = body
    for facet in schema.facets:
        whoosh[facet.field] = list(document[facet.field])
    return whoosh
