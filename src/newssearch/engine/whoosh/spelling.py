"""Did-you-mean: a query's rare words respelled as the far more frequent words they are near.

A typed word is looked up in the archive's word counts (vocabulary.py: words as written,
not stems, so ``interst`` is judged as typed although the stemmer makes ``interstate``
``interst`` too, and suggestions read ``prices``, not the stem ``price``). A word is suspect
when it is rare: seen at most RARE_PER_MILLION times per million words of the archive.
SymSpell (symspellpy) lists the archive's words a few edits from it, the edits counted as
Damerau-Levenshtein (optimal string alignment: two neighbouring letters swapped is one
edit); ``Speller.respell`` says which of them, if any, replaces it. A query whose words
are all common gets no suggestion, even if it finds nothing.

Why SymSpell: it finds every word within 2 edits by looking up precomputed deletions
instead of comparing the word with the whole vocabulary, so a lookup costs milliseconds.
The precomputing costs about 0.3 s of CPU for Reuters' 22,000 words seen 3 or more
times: it is done only when a query has a suspect word, once per index generation and
process, and only over words seen MIN_COUNT or more times, the only ones that can be
"far more frequent". Measured on ``benchmarks/spelling.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.reading import IndexReader

from . import vocabulary
from .analysis import text_analyzer
from .query import SEARCH_FIELDS

if TYPE_CHECKING:
    from symspellpy import SymSpell

MAX_DISTANCE = 2
SHORT_WORD = 4
"""Words this short are respelled at most 1 edit away (2 edits change half of them), and only if unseen."""
RARE_PER_MILLION = 10.0
NOISE_PER_MILLION = 1.0
RATIO = 100
"""How many times more frequent a respelling must be than the word typed."""
MIN_COUNT = 3
PREFIX_LENGTH = 5
"""SymSpell's prefix: deletions are computed over a word's first 5 letters only, a
fifth of the build time of the default 7, the same suggestions on the benchmark."""
CHOICES = 5
CONTEXT_WORDS = 3
"""The query's words nearest a suspect word that judge its respellings (each costs a read of its postings)."""
SMOOTHING = 20
"""Articles' worth of weight given to the prior when judging how often a respelling goes with the other words."""
MAX_RESPELLED = 3
"""Suspect words looked up per query; the rest are left as typed."""
_WORD = re.compile(r"(?<![\w*?])[^\W\d_]{3,}(?![\w*?:])")
"""Plain words of 3 or more letters: not numbers, prefix*, wild?cards or field: names."""
_FIELD_VALUE = re.compile(r'(\w+):("[^"]*"?|\[[^\]]*\]?|\S*)')
_OPERATORS = {"AND", "OR", "NOT", "TO"}


Together = Callable[[str], float]
"""How likely an article with this word holds the query's other words too."""


class Speller:
    """Respells words from one index generation's word counts."""

    def __init__(self, counts: vocabulary.Vocabulary) -> None:
        self.counts = counts
        self.rare_limit = counts.total * RARE_PER_MILLION / 1e6
        self.noise_limit = counts.total * NOISE_PER_MILLION / 1e6

    @cached_property
    def symspell(self) -> SymSpell:
        from symspellpy import SymSpell  # here: a query whose words are all common needs none of it

        speller = SymSpell(max_dictionary_edit_distance=MAX_DISTANCE, prefix_length=PREFIX_LENGTH)
        for word, count in self.counts.items():
            if count >= MIN_COUNT:
                speller.create_dictionary_entry(word, count)
        return speller

    def suspect(self, word: str) -> bool:
        """Whether a folded word is rare enough to look for a better spelling."""
        return self.counts.get(word, 0) <= self.rare_limit

    def respell(self, word: str, together: Together | None = None) -> str | None:
        """The best respelling of a suspect folded word, or None if no near word is far more frequent.

        A word the archive has at most NOISE_PER_MILLION times per million words (in Reuters
        twice: most such are typos in articles) is treated as unseen: it takes the closest
        word seen MIN_COUNT times or more. A word seen more often is doubted less: only for a
        word 1 edit away and RATIO times as frequent, and never if it has SHORT_WORD letters
        or fewer (``pond`` is 1 edit from ``bond``, as ``interst`` from ``interest``), nor for a word
        with its stem, which finds the same articles (``productions``, ``production``).

        Of the CHOICES most frequent words equally close, the most likely wins: the more
        frequent, and (given ``together``) the more often found with the query's other words,
        so ``soth korea`` is ``south korea`` though ``both`` is more frequent.
        """
        from symspellpy import Verbosity  # here, as in symspell: only a suspect word needs it

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
        closest = [c for c in fits if c.distance == fits[0].distance][:CHOICES]
        best = max(closest, key=lambda c: c.count * together(c.term)) if together else closest[0]
        forms = [c.term for c in fits if c.distance == best.distance and _stem(c.term) == _stem(best.term)]
        return _form(forms, word)


def _form(forms: list[str], typed: str) -> str:
    """Of a word's forms equally close to what was typed (``king``, ``kings`` for ``kingg``), the likely one:
    the typed word less a doubled letter (a key held too long), else the one of its length (``fieldz``:
    ``fields``), else the first (the most frequent). Stemming makes them find the same articles; the
    suggestion should still read as meant."""
    undoubled = {typed[:i] + typed[i + 1 :] for i in range(1, len(typed)) if typed[i] == typed[i - 1]}
    return min(forms, key=lambda form: (form not in undoubled, abs(len(form) - len(typed))))  # min keeps the first of equals


_ANALYZER = text_analyzer()


def _terms(word: str) -> list[str]:
    """The word as the index holds it: its stem, or nothing for a stop word."""
    return [token.text for token in _ANALYZER(word)]


def _stem(word: str) -> str:
    """The word's stem, or a stop word as it is."""
    return next(iter(_terms(word)), word)


@lru_cache(maxsize=4)
def _speller(words_file: Path) -> Speller | None:
    try:
        return Speller(vocabulary.Vocabulary.load(words_file))
    except FileNotFoundError:  # a reindex removed it after this searcher opened: no suggestion this once
        return None


def speller(index_dir: Path, reader: IndexReader) -> Speller | None:
    """The speller of the index generation ``reader`` reads, loaded once per process."""
    return _speller(vocabulary.path(index_dir, reader.generation()))


def suggest(speller: Speller | None, text: str, reader: IndexReader | None = None) -> str | None:
    """The query with its suspect words respelled, everything else as typed; None if nothing changed.

    With the index's ``reader``, equally close respellings are told apart by the query's other words.
    """
    if speller is None:
        return None
    words = list(_words(text))
    suspects = [m for m in words if speller.suspect(vocabulary.fold(m[0]))][:MAX_RESPELLED]  # the rest left as typed
    pieces: list[str] = []
    end = 0
    for match in suspects:
        others = sorted((m for m in words if m is not match), key=lambda m: abs(m.start() - match.start()))[:CONTEXT_WORDS]
        together = _together(reader, [vocabulary.fold(m[0]) for m in others]) if reader else None
        if (better := speller.respell(vocabulary.fold(match[0]), together)) is not None:
            pieces += [text[end : match.start()], _shaped(better, match[0])]
            end = match.end()
    return "".join([*pieces, text[end:]]) if pieces else None


def _together(reader: IndexReader, others: list[str]) -> Together | None:
    """The share of a word's articles that hold every one of ``others`` (stop words aside); None if there
    are no others. Smoothed towards the share of all articles: a word in 3 articles, one of them with the
    others, is no sure sign."""
    sets = [_articles(reader, term) for word in others for term in _terms(word)]
    if not sets:
        return None
    context = set.intersection(*sets)
    base = len(context) / max(int(reader.doc_count_all()), 1)  # the share of all articles, the prior

    def share(word: str) -> float:
        articles = set().union(*(_articles(reader, term) for term in _terms(word)))
        return (len(context & articles) + SMOOTHING * base) / (len(articles) + SMOOTHING)

    return share


def _articles(reader: IndexReader, term: str) -> set[int]:
    """The articles whose headline or body holds an indexed term."""
    found: set[int] = set()
    for field in SEARCH_FIELDS:
        if (field, term) in reader:
            found.update(reader.postings(field, term).all_ids())
    return found


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
