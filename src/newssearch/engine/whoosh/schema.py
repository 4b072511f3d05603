"""The index's fields and analyzers: the only place that knows field names.

Text is tokenised keeping hyphenated words together, lower-cased, accent-folded
(``café`` finds ``cafe``), stop-worded and stemmed with Snowball's English stemmer
(PyStemmer). Whoosh highlights the original words, so snippets show whole words, not
stems. Words written in capitals inside ordinary text (START, NATO, OPEC) are kept
apart as well, unstemmed, so that a query typing an acronym can prefer them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import Stemmer
from datetime import date, timezone
from typing import TYPE_CHECKING

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh import columns
from whoosh import query as q
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.qparser.common import QueryParserError
from whoosh.support.charset import accent_map

from ...article import Article
from ...acronyms import acronyms
from ...duplicates import sketch

if TYPE_CHECKING:
    from ... import furniture
    from ...archive import ArchiveFile

SCHEMA_VERSION = 6
"""Bump when the fields or analyzers change: an older index then needs ``reindex --full``."""

TITLE_BOOST = 0.5
"""The body field indexes the headline too (to_document), as one text the way single-field
engines do; a headline match then counts this much again. Scoring headline and body apart
(with TITLE_BOOST 1.5) ranked 5 to 12% below Lucene on CACM, whose titles are most of the
text (benchmarks/RELEVANCE.md)."""
SEARCH_FIELDS = ("title", "body")
TOKEN_PATTERN = re.compile(r"\w+(?:[-.]\w+)*")
"""A word: letters and digits, hyphenated or dotted parts kept together (co-operation, U.S., 3.5)."""


class HyphenFilter(Filter):
    """Make ``co-operation`` and ``cooperation`` find each other.

    At index time a hyphenated word yields its parts and the joined word; at query
    time only the joined word, which matches either spelling in the text. All of them
    take the word's one position (this filter runs after the StopFilter, which numbers
    positions afresh), so a quoted phrase with a hyphenated word in it still matches.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            text = token.text
            if "-" not in text:
                yield token
                continue
            joined = text.replace("-", "")
            if token.mode != "query":
                start = getattr(token, "startchar", 0)
                for part in text.split("-"):
                    token.text = part
                    if hasattr(token, "startchar"):
                        token.startchar, token.endchar = start, start + len(part)
                        start += len(part) + 1
                    yield token
                if hasattr(token, "startchar"):
                    token.startchar = token.endchar - len(text)
            token.text = joined
            yield token


class SnowballFilter(Filter):
    """Snowball's English stemmer (the "Porter2" revision) through PyStemmer, a C extension.

    It stems better than Whoosh's Porter (``generously``/``generous``, ``news`` stays
    ``news``) and faster. Pickled with the schema as its class alone: the C stemmer is
    made again when the index is opened.
    """

    is_morph = True  # it changes words: Whoosh then keeps the words as written in spelling fields

    def __init__(self) -> None:
        self._stem = Stemmer.Stemmer("english").stemWord  # keeps its own cache of 10,000 words

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = self._stem(token.text)
            yield token


class DayField(ID):
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


def day_range(since: date | None, until: date | None) -> q.Query:
    """Articles published from ``since`` to ``until``, both days included, either open."""
    return q.TermRange("date", since.isoformat() if since else None, until.isoformat() if until else None)


def text_analyzer(stem: bool = True) -> Analyzer:
    analyzer = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
    return analyzer | StopFilter() | HyphenFilter() | SnowballFilter() if stem else analyzer | HyphenFilter()


def build_schema() -> Schema:
    words = text_analyzer()
    names = text_analyzer(stem=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=words, stored=True, field_boost=TITLE_BOOST),
        body=TEXT(analyzer=words, stored=True),  # no spelling fields: did-you-mean counts words apart (vocabulary.py)
        date=DayField(),
        published=STORED(),  # the full datetime, for display
        timestamp=COLUMN(columns.NumericColumn("d")),  # for sorting by date
        undated=COLUMN(columns.NumericColumn("B")),  # sorts undated articles last, oldest-first too
        year=ID(),  # year, month, source_facet, tags: facets are counted from their terms (docvalues.py)
        month=ID(),
        source=TEXT(analyzer=names, stored=True),
        source_facet=ID(),
        author=TEXT(analyzer=names, stored=True),
        acronyms=TEXT(analyzer=names, phrase=False),  # acronyms() of headline and body, unstemmed
        section=TEXT(analyzer=names, stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        url=ID(stored=True),
        path=ID(stored=True),
        sketch=COLUMN(columns.VarBytesColumn()),  # near-duplicate fingerprint (duplicates.py)
        blocks=COLUMN(columns.VarBytesColumn()),  # a page's record for the furniture rule (furniture.py)
        dropped=COLUMN(columns.VarBytesColumn()),  # the lines left out of it as furniture, as text
        copies=COLUMN(columns.VarBytesColumn()),  # where each copy of a duplicated id is (indexer.py)
        filekey=ID(sortable=True),  # "path\0signature": reindex sees changed files from this column alone
    )


def filekey(file: ArchiveFile) -> str:
    return f"{file.relpath}\0{file.signature}"


def to_document(article: Article, file: ArchiveFile, page: furniture.Page | None, dropped: list[str]) -> dict[str, object]:
    """The Whoosh document for an article read from ``file``, with its furniture bookkeeping."""
    from ... import furniture  # here: a query imports this module, and furniture brings in the readers
    document: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "body": f"{article.title}\n{article.body}" if article.title else article.body,
        "_stored_body": article.body,  # snippets and the article page show the body alone
        "acronyms": acronyms(article.title, article.body),
        "undated": int(article.date is None),
        "timestamp": 0.0,  # written for every article: a column no article has cannot be sorted on
        "source": article.source,
        "source_facet": article.source or "(unknown)",
        "author": article.author,
        "section": article.section,
        "tags": ",".join(article.tags),
        "url": article.url,
        "path": article.path,
        "filekey": filekey(file),
        "sketch": sketch(article.title, article.body),
        "blocks": furniture.pack(page),
        "dropped": furniture.pack_lines(dropped),
    }
    if article.date is not None:
        document["date"] = f"{article.date:%Y-%m-%d}"
        document["published"] = article.date
        document["timestamp"] = article.date.replace(tzinfo=timezone.utc).timestamp()
        document["year"] = f"{article.date:%Y}"
        document["month"] = f"{article.date:%Y-%m}"
    return document
