"""Snippets and marked articles: the query's words found in a text and put in <mark>.

A word matches when the index's analyzer (tokenise, split hyphens, lower-case, fold
accents, stem) makes of it one of the query's terms. Each word's analysis never
changes, so it is remembered per distinct word: a text is then one regular-expression
scan and a dictionary lookup per word. Whoosh's highlighter, which ran the analyzer and
its fragmenter over every token of every hit, was half the time of a search; snippets
and the article page now share this one way of finding and marking the words.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from whoosh import query as q
from whoosh.analysis import STOP_WORDS
from whoosh.reading import IndexReader

from .analysis import TOKEN_PATTERN, text_analyzer
from .prose import MINSIZE, fold
from .query import SEARCH_FIELDS

SNIPPET_CHARS = 300
MATCHES_CHARS = 70
"""Matched words within this many characters of a passage's first one belong to it."""
SURROUND = 40
"""Characters of context before the first and after the last matched word of a passage:
a passage is at most MATCHES_CHARS + 2 * SURROUND = 150 characters, two make SNIPPET_CHARS."""
MAX_REMEMBERED = 200_000
"""Distinct words whose analysis is kept (a news archive's everyday vocabulary)."""


Analysed = tuple[tuple[str, int, int], ...]
"""(term, start, end) of each token the analyzer makes of one word."""


class _RememberingAnalyzer:
    """The text fields' analyzer, with its result for each distinct word remembered.

    The filters work word by word, so a word's tokens do not depend on its neighbours. The
    new words of a text are analysed together, as prose.ProseField indexes a text: the
    chain's steps a list at a time and the stems in one call of the C stemmer. Running the
    chain itself cost about 17 µs a word: ten cold snippets of short Reuters articles took
    5.9 ms, now 2.5 ms. tests/test_snippets.py compares the two on real articles.
    """

    def __init__(self) -> None:
        self._stem_words = text_analyzer().items[-1].stem_words
        self._words: dict[str, Analysed] = {}

    def analyses(self, words: Iterable[str]) -> dict[str, Analysed]:
        """Each distinct one of ``words`` (matches of TOKEN_PATTERN) with (term, start, end) of
        each token the analyzer makes of it, as at indexing, stop words kept (a hyphenated
        word: its parts and the joined word). Safe across a server's threads: what a call
        returns is its own, whoever clears the table meanwhile."""
        found: dict[str, Analysed] = {}
        new: list[str] = []
        for word in set(words):
            known = self._words.get(word)
            if known is None:
                new.append(word)
            else:
                found[word] = known
        tokens: list[tuple[list[tuple[str, int, int]], bool]] = []
        to_stem: list[str] = []
        for word in new:
            text = fold(word.lower())
            if "-" in text:  # HyphenFilter: the parts, then the joined word, offsets counted in the folded text
                parts, start = [], 0
                for part in text.split("-"):
                    parts.append((part, start, start + len(part)))
                    start += len(part) + 1
                parts.append((text.replace("-", ""), 0, len(text)))
            else:
                parts = [(text, 0, len(word))]
            stemmed = len(text) >= MINSIZE and text not in STOP_WORDS  # StopFilter: a stop word is kept, not stemmed
            tokens.append((parts, stemmed))
            if stemmed:
                to_stem += [part for part, _, _ in parts]
        stems = iter(self._stem_words(to_stem))
        for word, (parts, stemmed) in zip(new, tokens, strict=True):
            found[word] = tuple((next(stems) if stemmed else part, start, end) for part, start, end in parts)
        if len(self._words) + len(new) > MAX_REMEMBERED:
            self._words.clear()
        self._words.update((word, found[word]) for word in new)
        return found


_ANALYZER = _RememberingAnalyzer()


def query_words(query: q.Query, reader: IndexReader) -> frozenset[str]:
    """The words of the article text (as indexed) that ``query`` looks for, prefixes and wildcards expanded."""
    # Leaf by leaf: Query.existing_terms on the whole tree skips every field after the first (a Whoosh bug).
    terms = {term for leaf in query.leaves() for term in leaf.existing_terms(reader, expand=True)}
    return frozenset(term.decode("utf-8") for field, term in terms if field in SEARCH_FIELDS)


def snippet(text: str, words: frozenset[str]) -> str:
    """HTML: up to two passages of ``text`` around the words, escaped, the words in <mark>;
    the opening of the text if none of them occurs.

    A passage holds the matched words within MATCHES_CHARS of its first one, with up to
    SURROUND characters of context either side; the two passages with the most matched
    words are shown, in text order. (Whoosh's fragmenter, which this replaces, chose much
    the same passages but looked at every token of the text: half the time of a search.)
    """
    matches = _matches(text, words)
    if not matches:
        return " ".join(_lead(text).split())
    groups: list[list[tuple[int, int]]] = []
    for match in matches:
        if groups and match[1] - groups[-1][0][0] <= MATCHES_CHARS:
            groups[-1].append(match)
        else:
            groups.append([match])
    spans: list[tuple[int, int]] = []
    for group in sorted(sorted(groups, key=len, reverse=True)[:2]):
        start, end = _around(text, group[0][0], group[-1][1])
        if spans and start <= spans[-1][1]:  # overlapping context: one passage
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return " … ".join(" ".join(_marked_span(text, start, end, matches).split()) for start, end in spans)


def _matches(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text`` that is one of ``words`` once analysed; a part of a
    hyphenated word (operation in co-operation) too, unless the whole word matches.

    Each distinct word of the text is looked up once, not at each of its occurrences, and
    the text is scanned for offsets only when one of them matched."""
    matching = {}  # word of the text -> the span within it that matches (the longest)
    for word, analysed in _ANALYZER.analyses(TOKEN_PATTERN.findall(text)).items():
        spans = [(start, end) for term, start, end in analysed if term in words]
        if spans:
            matching[word] = max(spans, key=lambda span: span[1] - span[0])
    if not matching:
        return []
    found: list[tuple[int, int]] = []
    for match in TOKEN_PATTERN.finditer(text):
        if (span := matching.get(match.group())) is not None:
            offset = match.start()
            found.append((offset + span[0], offset + span[1]))
    return found


def _around(text: str, first: int, last: int) -> tuple[int, int]:
    """From ``first`` to ``last`` with SURROUND characters of context either side, cut at whole words."""
    start, end = max(0, first - SURROUND), min(len(text), last + SURROUND)
    if start > 0 and (space := text.find(" ", start, first)) >= 0:
        start = space + 1
    if end < len(text) and (space := text.rfind(" ", last, end)) >= 0:
        end = space
    return start, end


def _marked_span(text: str, start: int, end: int, matches: list[tuple[int, int]]) -> str:
    """``text[start:end]`` escaped, with the matches in it in <mark>."""
    parts, position = [], start
    for match_start, match_end in matches:
        if start <= match_start and match_end <= end:
            parts += [html.escape(text[position:match_start], quote=False), f"<mark>{html.escape(text[match_start:match_end], quote=False)}</mark>"]
            position = match_end
    parts.append(html.escape(text[position:end], quote=False))
    return "".join(parts)


def marked(text: str, words: frozenset[str]) -> str:
    """HTML: the whole ``text`` escaped, with the words in <mark>; empty if none occurs."""
    matches = _matches(text, words)
    return _marked_span(text, 0, len(text), matches) if matches else ""


def _lead(body: str) -> str:
    """The opening of an article, escaped, for hits whose body has no matched word: a body
    longer than SNIPPET_CHARS is cut at a word, a shorter one is shown whole."""
    if len(body) <= SNIPPET_CHARS:
        return html.escape(body, quote=False)
    return html.escape(body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …", quote=False)
