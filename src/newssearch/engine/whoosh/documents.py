"""Adding a document to a segment writer, a field's postings at a time.

Whoosh's ``SegmentWriter.add_document`` hands the pool each posting of each field as a
tuple of its own, one method call each: with the pool's own work, about a sixth of a
writer process's time for Reuters (py-spy). Here each field's postings go to the engine's
pool in one call (``GroupedPostingPool.add_field``), which adds them in one loop. The
rest is Whoosh's method as it is (stored values, lengths, columns), for a schema
without spelling fields and term vectors, which the engine's has none of: the segment
is the same, byte for byte (tests/test_pool.py).
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import Schema
from whoosh.writing import SegmentWriter

from .pool import GroupedPostingPool


def fits(writer: Any) -> bool:
    """Whether ``add_document`` can stand in for ``writer``'s: a plain segment writer (not the
    parallel writer, which hands documents to its workers) with the engine's pool, of a
    schema without spelling fields or term vectors."""
    return type(writer) is SegmentWriter and isinstance(writer.pool, GroupedPostingPool) and _plain(writer.schema)


def _plain(schema: Schema) -> bool:
    return not any(field.separate_spelling() or field.vector for _, field in schema.items())


def add_document(writer: SegmentWriter, **fields: Any) -> None:
    """``SegmentWriter.add_document``, each field's postings added to the pool in one call."""
    writer._check_state()
    perdocwriter, schema, docnum = writer.perdocwriter, writer.schema, writer.docnum
    pool: GroupedPostingPool = writer.pool
    docboost = writer._doc_boost(fields)
    fieldnames = sorted(name for name in fields if not name.startswith("_"))
    writer._check_fields(schema, fieldnames)
    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                boost = writer._field_boost(fields, fieldname, docboost)
                frequencies = pool.add_field(fieldname, docnum, field.index(value), boost)
                if field.scorable:
                    length = frequencies
            stored = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
    except Exception:
        perdocwriter.cancel_doc()
        raise
    perdocwriter.finish_doc()
    writer._added = True
    writer.docnum += 1
