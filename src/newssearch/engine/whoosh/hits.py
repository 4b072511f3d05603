"""A Whoosh search's hits as the service gets them, whichever way they were ranked (searching.py,
oneoff.py): stored fields under the table's names, read when first looked at, their snippets,
and the collector that sees every match."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from whoosh import query as q
from whoosh.collectors import Collector, TimeLimit, WrappingCollector
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ...fields import Schema
from ..base import Match
from .snippets import query_words, snippet

if TYPE_CHECKING:  # docvalues imports numpy, which a one-off query does without (oneoff.py)
    from .docvalues import LRU

TOO_LONG = "the search ran past its time limit and was stopped: make the query more specific"


def stored(schema: Schema, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An article's stored fields under the table's names: ``date`` is the datetime Whoosh keeps
    as ``published`` (None when undated), a keyword field's values a tuple, a number as it is
    (None when missing), a missing text ""."""
    result: dict[str, Any] = {}
    for field in schema.stored:
        if field.kind == "datetime":
            result[field.name] = fields.get("published")
        elif field.kind == "number":
            result[field.name] = fields.get(field.name)  # 0.0 is a number, not a missing one
        elif field.kind == "keyword":
            value = fields.get(field.name) or ()
            result[field.name] = tuple(v for v in value.split(",") if v) if isinstance(value, str) else tuple(value)
        else:
            result[field.name] = fields.get(field.name) or ""
    return result


class Stored(Mapping[str, Any]):
    """A hit's stored fields, read when first looked at: of a window of hits folded for
    near-duplicates, only the page's are shown (reading them all doubled a deep page's time).
    Read in the thread that searched, whose searcher is open until its next search; taken
    from ``kept`` (the index version's recent ones, docvalues.STORED_KEPT) when given."""

    __slots__ = ("_searcher", "_schema", "_docnum", "_kept", "_fields")

    def __init__(self, searcher: Searcher, schema: Schema, docnum: int, kept: LRU[dict[str, Any]] | None = None) -> None:
        self._searcher, self._schema, self._docnum, self._kept = searcher, schema, docnum, kept
        self._fields: dict[str, Any] | None = None

    def _loaded(self) -> dict[str, Any]:
        if self._fields is None:
            read = partial(self._searcher.stored_fields, self._docnum)
            self._fields = stored(self._schema, read() if self._kept is None else self._kept.get(self._docnum, read))
        return self._fields

    def __getitem__(self, name: str) -> Any:
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def few_columns(reader: IndexReader, docnums: list[int]) -> tuple[dict[int, str], dict[int, bytes]]:
    """The ids and near-duplicate sketches of a few documents, read for them alone: a process that
    searches once would read the whole columns (docvalues.py) for a page of hits."""
    return {docnum: value.decode("utf-8") for docnum, value in _column(reader, "id", docnums).items()}, _column(reader, "sketch", docnums)


def _column(reader: IndexReader, name: str, docnums: list[int]) -> dict[int, bytes]:
    """The values of a bytes column for a few documents, segment by segment (a segment where
    no document has a value has no column: b"")."""
    values: dict[int, bytes] = {}
    for leaf, offset in reader.leaf_readers():
        mine = [docnum for docnum in docnums if offset <= docnum < offset + leaf.doc_count_all()]
        if mine:
            column = leaf.column_reader(name, translate=False) if leaf.has_column(name) else None
            values.update((docnum, column[docnum - offset] if column is not None else b"") for docnum in mine)
    return values


def snippets_of(searcher: Searcher, query: q.Query) -> Callable[[list[Match]], list[str]]:
    """Snippets of the body marking the words ``query`` looks for (found when the page is cut)."""

    def snippets(hits: list[Match]) -> list[str]:
        words = query_words(query, searcher.reader())
        return [snippet(hit.stored.get("body", ""), words) for hit in hits]

    return snippets


class Matched(WrappingCollector):
    """Records every matching document, for the count and the facets, and stops a search
    that runs past its deadline.

    It goes under Whoosh's filter, so it sees only documents the filter lets through;
    Whoosh's TimeLimitCollector would have to wrap the filter, and in a server thread it
    cannot use its alarm signal.
    """

    def __init__(self, child: Collector, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline
        self.docs: set[int] = set()

    def collect(self, sub_docnum: int) -> Any:
        if time.thread_time() > self.deadline:
            raise TimeLimit
        self.docs.add(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)
