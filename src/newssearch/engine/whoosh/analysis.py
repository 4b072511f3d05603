"""How text becomes terms: the analyzers of the text and name fields.

Text is tokenised keeping hyphenated words together, lower-cased, accent-folded
(``café`` finds ``cafe``), stop-worded and stemmed with Snowball's English stemmer
(PyStemmer). Whoosh highlights the original words, so snippets show whole words, not
stems. Names (sources, authors, acronyms) are folded the same way but not stemmed.

The filters are pickled with the index's schema, by module path: moving them makes
older indexes unreadable, which the schema version (fields.SCHEMA) already says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import Stemmer
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.support.charset import accent_map

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
        stemmer = Stemmer.Stemmer("english")  # keeps its own cache of 10,000 words
        self._stem = stemmer.stemWord
        self.stem_words = stemmer.stemWords
        """Stem a list of words in one call (prose.ProseField indexes with it)."""

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


def text_analyzer(stem: bool = True) -> Analyzer:
    """Words of prose (stemmed), or of a name (``stem=False``)."""
    analyzer = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
    return analyzer | StopFilter() | HyphenFilter() | SnowballFilter() if stem else analyzer | HyphenFilter()
