"""Did-you-mean: a query's rare words respelled as the far more frequent words they are near.

A typed word is looked up in the archive's word counts (vocabulary.py: words as written,
not stems, so ``interst`` is judged as typed even though the stemmer would match it
to ``interstate``). A word is suspect when it is rare: seen at most RARE_PER_MILLION
times per million words of the archive (or never). For a suspect word SymSpell
(symspellpy) lists the archive's words within MAX_DISTANCE edits, measured as
Damerau-Levenshtein (optimal string alignment: a swap of two neighbouring letters is one
edit); the closest word at least RATIO times as frequent as the typed one replaces it,
the most frequent among equally close ones. A query whose words are all common gets no
suggestion, even if it matches nothing.

SymSpell precomputes the deletions of every dictionary word, which costs time (about
0.3 s for Reuters' 22,000 words seen 3 or more times): it is built only when a query
has a suspect word, once per index generation and process, and only from words seen
MIN_COUNT or more times, since only those can be "far more frequent".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from pathlib import Path

from symspellpy import SymSpell, Verbosity
from whoosh.reading import IndexReader

from . import vocabulary
from .schema import SEARCH_FIELDS, text_analyzer

MAX_DISTANCE = 2
SHORT_WORD = 4
"""Words this short are respelled at most 1 edit away: 2 edits change half of them."""
RARE_PER_MILLION = 10.0
NOISE_PER_MILLION = 1.0
RATIO = 100
"""How many times more frequent a respelling must be than the word typed."""
MIN_COUNT = 3
PREFIX_LENGTH = 5
"""SymSpell's prefix: deletions are computed over a word's first 5 letters only, a
fifth of the build time of the default 7, the same suggestions on the benchmark."""
MAX_RESPELLED = 3
"""Suspect words looked up per query; the rest are left as typed."""
_WORD = re.compile(r"(?<![\w*?])[^\W\d_]{3,}(?![\w*?:])")
"""Plain words of 3 or more letters: not numbers, prefix*, wild?cards or field: names."""
_FIELD_VALUE = re.compile(r'(\w+):("[^"]*"?|\[[^\]]*\]?|\S*)')
_OPERATORS = {"AND", "OR", "NOT", "TO"}


class Speller:
    """Respells words from one index generation's word counts."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        words = sum(counts.values())
        self.rare_limit = words * RARE_PER_MILLION / 1e6
        self.noise_limit = words * NOISE_PER_MILLION / 1e6

    @cached_property
    def symspell(self) -> SymSpell:
        speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=PREFIX_LENGTH)
        for word, count in self.counts.items():
            if count >= MIN_COUNT:
                speller.create_dictionary_entry(word, count)
        return speller

    def suspect(self, word: str) -> bool:
        """Whether a folded word is rare enough to look for a better spelling."""
        return self.counts.get(word, 0) <= self.rare_limit

    def respell(self, word: str) -> str | None:
        """The best respelling of a suspect folded word, or None if no near word is far more frequent.

        A word the archive has at most NOISE_PER_MILLION times per million words (in Reuters
        twice: most such are typos in articles) is treated as unseen: it takes the closest
        word seen MIN_COUNT times or more. A word seen more often is doubted less: only for a
        word 1 edit away and RATIO times as frequent, and never if it has SHORT_WORD letters
        or fewer (``pond`` is 1 edit from ``bond``, as ``interst`` from ``interest``), nor for a word
        with its stem, which finds the same articles (``productions``, ``production``).
        """
        seen = self.counts.get(word, 0)
        unseen = seen <= self.noise_limit
        if not unseen and len(word) <= SHORT_WORD:
            return None
        distance = MAX_DISTANCE if unseen and len(word) > SHORT_WORD else 1
        least = MIN_COUNT if unseen else RATIO * seen
        stem = _stem(word) if seen else None
        candidates = self.symspell.lookup(word, Verbosity.ALL, max_edit_distance=distance)  # by distance, then count
        fits = [c for c in candidates if c.count >= least and c.term != word and _stem(c.term) != stem]
        if not fits:
            return None
        best = fits[0]  # the word; then its form: of those as close with its stem, the one of the length typed
        forms = [c for c in fits if c.distance == best.distance and _stem(c.term) == _stem(best.term)]
        return min(forms, key=lambda c: abs(len(c.term) - len(word))).term  # min keeps the first of equals: the most frequent


_ANALYZER = text_analyzer()


def _stem(word: str) -> str:
    """The word as the index holds it (a stop word: as it is)."""
    return next((token.text for token in _ANALYZER(word)), word)


@lru_cache(maxsize=4)
def _speller(words_file: Path) -> Speller | None:
    try:
        return Speller(vocabulary.load(words_file))
    except FileNotFoundError:  # a reindex removed it after this searcher opened: no suggestion this once
        return None


def speller(index_dir: Path, reader: IndexReader) -> Speller | None:
    """The speller of the index generation ``reader`` reads, loaded once per process."""
    return _speller(vocabulary.path(index_dir, reader.generation()))


def suggest(speller: Speller | None, text: str) -> str | None:
    """The query with its suspect words respelled, everything else as typed; None if nothing changed."""
    if speller is None:
        return None
    budget = MAX_RESPELLED
    pieces: list[str] = []
    end = 0
    for match in _words(text):
        word = match[0]
        folded = vocabulary.fold(word)
        if not speller.suspect(folded):
            continue
        if budget == 0:
            break
        budget -= 1  # a lookup is cheap, but every suspect word costs one
        if (better := speller.respell(folded)) is not None:
            pieces += [text[end : match.start()], _shaped(better, word)]
            end = match.end()
    return "".join([*pieces, text[end:]]) if pieces else None


def _words(text: str) -> Iterator[re.Match[str]]:
    """The words of a query that may be respelled: not operators, nor values of fields other than the text."""
    protected = [m.span(2) for m in _FIELD_VALUE.finditer(text) if m[1].lower() not in SEARCH_FIELDS]
    for match in _WORD.finditer(text):
        if match[0] not in _OPERATORS and not any(start <= match.start() < stop for start, stop in protected):
            yield match


def _shaped(word: str, typed: str) -> str:
    """``word`` written like ``typed``: ALL CAPITALS, Capitalised or as it is."""
    if typed.isupper():
        return word.upper()
    return word.capitalize() if typed[0].isupper() else word
