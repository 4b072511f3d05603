"""Snippets and marked articles: the query's words found in a text and put in <mark>.

Whoosh's highlighter finds them by running the text through the index's analyzer
again (tokenise, split hyphens, lower-case, fold accents, stem) and was half the
time of a search. Each word's analysis never changes, so it is remembered per
distinct word: a text is then one regular-expression scan and a dictionary
lookup per word, and the marks are the same.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from whoosh import query as q
from whoosh.analysis import Token
from whoosh.highlight import ContextFragmenter, HtmlFormatter, WholeFragmenter, highlight
from whoosh.reading import IndexReader

from .schema import SEARCH_FIELDS, TOKEN_PATTERN, text_analyzer

SNIPPET_CHARS = 300
MAX_REMEMBERED = 200_000
"""Distinct words whose analysis is kept (a news archive's everyday vocabulary)."""


class _RememberingAnalyzer:
    """The text fields' analyzer, with the result for each distinct word remembered.

    Called as Whoosh's highlighter calls an analyzer (``chars=True``); the filters
    work word by word, so a word's tokens do not depend on its neighbours.
    """

    def __init__(self) -> None:
        self._analyzer = text_analyzer()
        self._words: dict[str, tuple[tuple[str, int, int, bool], ...]] = {}

    def __call__(self, text: str, mode: str = "index", **_: Any) -> Iterator[Token]:
        token = Token(positions=True, chars=True, removestops=False, mode=mode)
        position = 0
        for match in TOKEN_PATTERN.finditer(text):
            offset = match.start()
            for term, start, end, stopped in self._analysed(match.group(), mode):
                token.text, token.stopped, token.boost, token.pos = term, stopped, 1.0, position
                token.startchar, token.endchar = offset + start, offset + end
                yield token
            position += 1

    def _analysed(self, word: str, mode: str) -> tuple[tuple[str, int, int, bool], ...]:
        key = word if mode == "index" else f"{mode}\0{word}"
        analysed = self._words.get(key)
        if analysed is None:
            if len(self._words) >= MAX_REMEMBERED:
                self._words.clear()
            tokens = self._analyzer(word, chars=True, mode=mode, removestops=False)
            analysed = self._words[key] = tuple((t.text, t.startchar, t.endchar, t.stopped) for t in tokens)
        return analysed


class _MarkFormatter(HtmlFormatter):
    """Whoosh's HTML formatter (which escapes the text) with plain <mark> around matches."""

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{self._text(token.text if replace else text[token.startchar : token.endchar])}</mark>"


_ANALYZER = _RememberingAnalyzer()
_SNIPPET_FORMATTER = _MarkFormatter(between=" … ")
_SNIPPET_FRAGMENTER = ContextFragmenter(maxchars=SNIPPET_CHARS // 2, surround=60, charlimit=None)  # None: long articles too
_WHOLE_FORMATTER = HtmlFormatter(tagname="mark", between="")  # escapes the text; nh3 then drops its class attributes


def query_words(query: q.Query, reader: IndexReader) -> frozenset[str]:
    """The words of the article text (as indexed) that ``query`` looks for, prefixes and wildcards expanded."""
    # Leaf by leaf: Query.existing_terms on the whole tree skips every field after the first (a Whoosh bug).
    terms = {term for leaf in query.leaves() for term in leaf.existing_terms(reader, expand=True)}
    return frozenset(term.decode("utf-8") for field, term in terms if field in SEARCH_FIELDS)


def snippet(text: str, words: frozenset[str]) -> str:
    """HTML: up to two passages of ``text`` around the words, escaped, the words in <mark>;
    the opening of the text if none of them occurs."""
    marked = highlight(text, words, _ANALYZER, _SNIPPET_FRAGMENTER, _SNIPPET_FORMATTER, top=2, mode="index") if words else ""
    return " ".join((marked or _lead(text)).split())


def marked(text: str, words: frozenset[str]) -> str:
    """HTML: the whole ``text`` escaped, with the words in <mark>; empty if none occurs."""
    return highlight(text, words, _ANALYZER, WholeFragmenter(charlimit=None), _WHOLE_FORMATTER, top=1, mode="index") if words else ""


def _lead(body: str) -> str:
    """The opening of an article, escaped, for hits whose body has no matched word."""
    return html.escape(body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + (" …" if len(body) > SNIPPET_CHARS else ""), quote=False)
