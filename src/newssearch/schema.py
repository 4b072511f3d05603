"""The index's fields and analyzers: the only place that knows field names.

Text is tokenised keeping hyphenated words together, lower-cased, accent-folded
(``café`` finds ``cafe``), stop-worded and Porter-stemmed. Whoosh highlights the
original words, so snippets show whole words, not stems.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.support.charset import accent_map

from .archive import ArchiveFile
from .article import Article

SCHEMA_VERSION = 1
"""Bump when the fields or analyzers change: an older index then needs ``reindex --full``."""

TITLE_BOOST = 2.0
SEARCH_FIELDS = ("title", "body")
QUERY_FIELDS = ("title", "body", "source", "author", "tags", "section", "date")
"""Fields a user may name in a query (``source:reuters``); others are searched as words."""


class HyphenFilter(Filter):
    """Make ``co-operation`` and ``cooperation`` find each other.

    At index time a hyphenated word yields its parts and the joined word; at query
    time only the joined word, which matches either spelling in the text.
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


def text_analyzer(stem: bool = True) -> Analyzer:
    analyzer = RegexTokenizer(r"\w+(?:[-.]\w+)*") | HyphenFilter() | LowercaseFilter() | CharsetFilter(accent_map)
    return analyzer | StopFilter() | StemFilter(cachesize=100_000) if stem else analyzer


def build_schema() -> Schema:
    words = text_analyzer()
    names = text_analyzer(stem=False)
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=words, stored=True, field_boost=TITLE_BOOST),
        body=TEXT(analyzer=words, stored=True),
        date=DATETIME(stored=True, sortable=True),
        undated=NUMERIC(int, bits=8, sortable=True),  # sorts undated articles last, oldest-first too
        year=ID(sortable=True),
        month=ID(sortable=True),
        source=TEXT(analyzer=names, stored=True),
        source_facet=ID(sortable=True),
        author=TEXT(analyzer=names, stored=True),
        section=TEXT(analyzer=names, stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        url=ID(stored=True),
        path=ID(stored=True),
        filekey=ID(sortable=True),  # "path\0signature": reindex sees changed files from this column alone
    )


def filekey(file: ArchiveFile) -> str:
    return f"{file.relpath}\0{file.signature}"


def to_document(article: Article, file: ArchiveFile) -> dict[str, object]:
    """The Whoosh document for an article read from ``file``."""
    document: dict[str, object] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "undated": int(article.date is None),
        "source": article.source,
        "source_facet": article.source or "(unknown)",
        "author": article.author,
        "section": article.section,
        "tags": ",".join(article.tags),
        "url": article.url,
        "path": article.path,
        "filekey": filekey(file),
    }
    if article.date is not None:
        document["date"] = article.date
        document["year"] = f"{article.date:%Y}"
        document["month"] = f"{article.date:%Y-%m}"
    return document
