"""The index's fields and facets, declared once: the one place that names them.

Everything else is derived from this table: each engine's schema or mapping, the
documents the indexer builds, the search service's filters and facet counts, the CLI's
filter options (``--source``, ``--year`` ...), and the web page's parameters and labels.
Adding a facet is one ``Facet`` here (or in a ``Schema`` of your own passed to
``reindex``, ``SearchIndex``, ``make_cli`` and ``create_app``), with no other edit.

It imports nothing of the project but the record type: neither the ingestion side
(readers, archive, furniture) nor an engine, so the query side does not stand on them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from .article import Article

FieldKind = Literal["key", "text", "name", "keyword", "datetime", "number", "bytes"]
"""How an engine holds a field:

- ``key``: one exact term, unique per article (the id), or exact per file (path);
- ``text``: words of prose, tokenised, accent-folded, stemmed (headline, body);
- ``name``: words of a name, tokenised and folded, not stemmed (source, author);
- ``keyword``: exact values, several per article, counted by facets (tags, year);
- ``datetime``: a point in time, for date filters, date sorts and the timeline;
- ``number``: a number per article, for sorting and scoring, not searched;
- ``bytes``: opaque bytes per article, read back by the indexer or the service.
"""


@dataclass(frozen=True)
class Field:
    """One field of an indexed article."""

    name: str
    kind: FieldKind
    stored: bool = False  # returned with hits and articles (``Article``'s attribute of this name, or derived by the indexer)
    searched: bool = False  # a query's plain words look in it (the text of the article)
    boost: float = 1.0  # how much a match in it counts, for searched fields
    index_as: Callable[[Any], Any] | None = None  # what to index when it is not the stored value itself
    doc: str = ""


@dataclass(frozen=True)
class Facet:
    """A facet: counted over a search's matches, and a filter of the CLI, the page and the API.

    Values of one facet are OR'ed, different facets AND'ed. Its values come from
    ``values(article)``; an engine indexes them as a ``keyword`` field named ``field``.
    """

    name: str  # the key in SearchResult.facets and SearchRequest.filters
    label: str  # shown on the page
    param: str  # the URL parameter and the CLI option (--param), repeatable
    values: Callable[[Article], Iterable[str]]
    order: Literal["count", "value"] = "count"  # most frequent first, or by value (years, months)
    shown: int | None = None  # values the page lists before "show more" (None: all)
    pattern: str | None = None  # a value must match this (the whole value), e.g. r"\d{4}"
    form: str = ""  # how a value is written, for the error when it does not match ("YYYY")
    fold_case: bool = False  # a filter value matches whatever its case (sources are typed by hand)
    help: str = ""  # the CLI option's help
    labels: Callable[[], Mapping[str, str]] | None = None  # value -> readable label, loaded on first use

    def label_of(self, value: str) -> str:
        """How the page shows a value: its readable label where the facet has one ("acq" -> "Mergers/Acquisitions")."""
        return self.labels().get(value, value) if self.labels else value

    @property
    def field(self) -> str:
        """The keyword field an engine counts and filters this facet on."""
        return f"facet_{self.name}"

    def check(self, value: str) -> str | None:
        """Why ``value`` is not a value of this facet, or None if it may be."""
        if self.pattern and not re.fullmatch(self.pattern, value):
            return f"{self.param} must be written {self.form}, not {value[:40]!r}"
        return None


@dataclass(frozen=True)
class Schema:
    """The fields and facets of an index."""

    fields: tuple[Field, ...]
    facets: tuple[Facet, ...]
    version: int  # bump when fields or analysis change: an older index then needs ``reindex --full``

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def facet(self, name: str) -> Facet:
        """The facet of that name, or KeyError."""
        for facet in self.facets:
            if facet.name == name:
                return facet
        raise KeyError(name)

    @property
    def searched(self) -> tuple[Field, ...]:
        """The fields a query's plain words look in, in query order."""
        return tuple(f for f in self.fields if f.searched)

    @property
    def stored(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.stored)

    def with_facet(self, facet: Facet) -> Schema:
        """This schema with one more facet (how a deployment, or a test, adds one)."""
        return replace(self, facets=(*self.facets, facet))

    def facet_of_tag(self, tag: str) -> tuple[Facet, str] | None:
        """The facet that counts an article's tag, and the tag's value there: ``place:usa`` ->
        (Place, "usa"), ``labour`` -> (Tag, "labour"); None if no facet does. For the article
        page, which links each tag to its filter (``?place=usa``) under its label ("USA")."""
        tagged, untagged = Article("", "", "", "", tags=(tag,)), Article("", "", "", "")
        for facet in self.facets:
            baseline = set(facet.values(untagged))  # what the facet counts of an article without tags ("(unknown)" source)
            values = [value for value in facet.values(tagged) if value not in baseline]
            if values:
                return facet, values[0]
        return None


def _source(article: Article) -> list[str]:
    return [article.source or "(unknown)"]


UNDATED = "undated"
"""The Year facet's value for an article without a date (``year=undated``, ``--year undated``):
selectable like a year, so the undated matches of a search can be counted and listed."""


def _year(article: Article) -> list[str]:
    return [f"{article.date:%Y}" if article.date else UNDATED]


def _month(article: Article) -> list[str]:
    return [f"{article.date:%Y-%m}"] if article.date else []


TAG_KINDS = ("topic", "place")
"""The kinds a reader may give a tag, by writing it ``kind:value`` (the Reuters reader:
``topic:acq``, ``place:usa``). Only these: a CMS tag such as ``EU: Brexit`` or
``nyt:politics`` stays a plain tag, colon and all, rather than vanish into an unknown kind."""


def split_tag(tag: str) -> tuple[str, str]:
    """A tag's kind and value: ``("topic", "acq")`` for ``topic:acq``, ``("", tag)`` for a plain tag."""
    kind, colon, value = tag.partition(":")
    if colon and value and kind.lower() in TAG_KINDS:
        return kind.lower(), value
    return "", tag


def tag_values(tags: Iterable[str], kind: str = "") -> list[str]:
    """The values of the tags of one kind ("" for plain tags), lower-cased as facets count them."""
    return list(dict.fromkeys(value.lower() for tag_kind, value in map(split_tag, tags) if tag_kind == kind and value))


def indexed_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """What the ``tags`` field indexes: every tag's value without its kind, so that the query
    ``tags:acq`` finds an article tagged ``topic:acq`` as it did before tags had kinds."""
    return tuple(dict.fromkeys(split_tag(tag)[1] for tag in tags))


@functools.cache
def _tag_labels() -> dict[str, dict[str, str]]:
    """tag_labels.toml: readable labels of tag values, by kind (its header says where they come from)."""
    import tomllib
    from importlib.resources import files

    return tomllib.loads(files(__package__).joinpath("tag_labels.toml").read_text(encoding="utf-8"))


def _tags_of_kind(kind: str, article: Article) -> list[str]:
    """A facet's values: partials of this (not lambdas), so that a schema can be pickled."""
    return tag_values(article.tags, kind)


def _labels_of_kind(kind: str) -> Mapping[str, str]:
    return _tag_labels().get(kind, {})


def _year_labels() -> Mapping[str, str]:
    return {UNDATED: "Undated"}


TITLE_BOOST = 0.5
"""The body is indexed with its headline, as one text the way single-field engines do; a
headline match then counts this much again. Scoring headline and body apart (with a
title boost of 1.5) ranked 5 to 12% below Lucene on CACM (benchmarks/RELEVANCE.md)."""

SCHEMA = Schema(
    version=9,
    fields=(
        Field("id", "key", stored=True, doc="stable across reindexes: the record's own id or URL, else from its path"),
        Field("title", "text", stored=True, searched=True, boost=TITLE_BOOST),
        Field("body", "text", stored=True, searched=True, doc="indexed with the headline before it"),
        Field("date", "datetime", stored=True, doc="absent for an undated article"),
        Field("added", "number", stored=True,
              doc="when the article entered the index (seconds since 1970): its archive file's modification time when read"),
        Field("source", "name", stored=True),
        Field("author", "name", stored=True),
        Field("section", "name", stored=True),
        Field("tags", "keyword", stored=True, index_as=indexed_tags, doc="stored as the reader wrote them (topic:acq), indexed without kinds"),
        Field("language", "keyword", stored=True, doc="a language tag (en, pt-BR); empty when unknown"),
        Field("url", "key", stored=True),
        Field("path", "key", stored=True, doc="the archive file, relative to the archive folder"),
        Field("acronyms", "name", doc="words written in capitals in ordinary text (acronyms.py), unstemmed"),
        Field("filekey", "key", doc='"path\\0signature": reindex sees changed files from it alone'),
        Field("sketch", "bytes", doc="near-duplicate fingerprint (duplicates.py)"),
        Field("blocks", "bytes", doc="a page's record for the furniture rule (furniture.py)"),
        Field("dropped", "bytes", doc="the lines left out of a page as furniture"),
        Field("copies", "bytes", doc="where each copy of a duplicated id is (indexer.py)"),
    ),
    facets=(
        Facet("source", "Source", "source", _source, shown=12, fold_case=True, help="Only articles from this source."),
        Facet("year", "Year", "year", _year, order="value", pattern=rf"\d{{4}}|{UNDATED}", form=f"YYYY or {UNDATED}", labels=_year_labels,
              help=f"Only articles of this year (YYYY), or without a date ({UNDATED})."),
        Facet("month", "Month", "month", _month, order="value", pattern=r"\d{4}-(0[1-9]|1[0-2])", form="YYYY-MM",
              help="Only articles of this month (YYYY-MM)."),
        Facet("tags", "Tag", "tag", functools.partial(_tags_of_kind, ""), shown=20, fold_case=True,
              help="Only articles with this tag (tags without a kind)."),
        Facet("topics", "Topic", "topic", functools.partial(_tags_of_kind, "topic"), shown=20, fold_case=True,
              labels=functools.partial(_labels_of_kind, "topic"), help="Only articles with this topic (a code: acq, money-fx)."),
        Facet("places", "Place", "place", functools.partial(_tags_of_kind, "place"), shown=20, fold_case=True,
              labels=functools.partial(_labels_of_kind, "place"), help="Only articles about this place (a code: usa, west-germany)."),
    ),
)  # fmt: skip
"""The schema newssearch indexes with."""
