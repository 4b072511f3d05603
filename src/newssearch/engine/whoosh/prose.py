"""A TEXT field that indexes prose in a few bulk steps instead of Whoosh's token chain.

Whoosh indexes a field by running its analyzer as a chain of generators, one Python
call per filter per token, then pickles each word's positions: about a third of a
reindex's writer time. ``ProseField.index`` computes the very same postings (word,
frequency, weight, encoded positions) from the same parts (analysis.py's pattern, stop
words and stemmer) a list at a time: one regex pass, lower-casing, accent-folding only
the words that need it, stop words by set lookup, and PyStemmer's ``stemWords`` over
the words the field has not stemmed before. Queries, snippets and highlights still run
the analyzer itself, so the two must agree exactly: tests/test_prose.py compares them on
real articles.

Other values (a list of words, keyword arguments) go through Whoosh's own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import pairwise
from pickle import dumps
from typing import Any

from whoosh.analysis import STOP_WORDS
from whoosh.fields import TEXT
from whoosh.formats import Positions
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

from .analysis import TOKEN_PATTERN, text_analyzer

MINSIZE = 2
"""StopFilter's default: shorter words are dropped as stop words are."""
STEMS_KEPT = 100_000
"""Words whose stems a field remembers (ProseField._stems), about 200 bytes each; past this
it starts afresh. Reuters' bodies hold 55,000 different words."""

_findall = TOKEN_PATTERN.findall
_pack_count: Callable[[int], bytes] = pack_uint


class ProseField(TEXT):
    """A stemmed TEXT field with positions (analysis.text_analyzer()) that indexes in bulk."""

    def __init__(self, field_boost: float = 1.0, stored: bool = False) -> None:
        super().__init__(analyzer=text_analyzer(), stored=stored, field_boost=field_boost)
        self._start_stemming()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._start_stemming()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_stem_words"], state["_stemmed"]  # a bound method of the C stemmer and a cache: made again on load
        return state

    def _start_stemming(self) -> None:
        self._stem_words = self.analyzer.items[-1].stem_words
        self._stemmed: dict[str, str] = {}

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str) or type(self.format) is not Positions:
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for word, positions in self._positions(value).items():
            freq = len(positions)
            yield word.encode("utf-8"), freq, freq * boost, _encode(positions)

    def _positions(self, text: str) -> dict[str, list[int]]:
        """Each stem's positions, as the analyzer numbers them, in order of first occurrence."""
        if text.isascii():  # lower-casing ASCII keeps every character a word character, so it may come first
            words = _findall(text.lower())
        else:
            words = [fold(word.lower()) for word in _findall(text)]
        first = next((at for at, word in enumerate(words) if len(word) >= MINSIZE and word not in STOP_WORDS), None)
        if first is None:
            return {}
        kept = [word for word in words[first:] if len(word) >= MINSIZE and word not in STOP_WORDS]
        # StopFilter numbers the words it keeps afresh from the first one's position
        positions: list[int] | range = range(first, first + len(kept))
        if any("-" in word for word in kept):
            kept, positions = _split_hyphens(kept, first)
        stems = self._stems(kept)
        found: dict[str, list[int]] = {}
        for stem, position in zip(stems, positions, strict=True):
            at = found.get(stem)
            if at is None:
                found[stem] = [position]
            else:
                at.append(position)
        return found

    def _stems(self, words: list[str]) -> list[str]:
        """The stem of each word, looked up in this field's table of words stemmed before; the new
        ones stemmed together, where PyStemmer makes a Python string a word even for those in its
        own cache of 10,000: the 290,000 words of 3,000 Reuters articles took 89 ms, not 118 ms
        (fastest of 7 runs each, from an empty table)."""
        stemmed = self._stemmed
        new = set(words).difference(stemmed)
        if new:
            if len(stemmed) + len(new) > STEMS_KEPT:
                stemmed.clear()
                new = set(words)
            fresh = list(new)
            stemmed.update(zip(fresh, self._stem_words(fresh), strict=True))
        return list(map(stemmed.__getitem__, words))


def fold(word: str) -> str:
    """CharsetFilter(accent_map) on a lower-cased word: only non-ASCII ones change."""
    return word if word.isascii() else word.translate(accent_map)


def _split_hyphens(words: list[str], first: int) -> tuple[list[str], list[int]]:
    """HyphenFilter at index time: a hyphenated word's parts, then the joined word, all at its position."""
    out: list[str] = []
    positions: list[int] = []
    for position, word in enumerate(words, first):
        if "-" in word:
            parts = word.split("-")
            parts.append(word.replace("-", ""))
            out += parts
            positions += [position] * len(parts)
        else:
            out.append(word)
            positions.append(position)
    return out, positions


_ONE: dict[int, bytes] = {}
"""The encoding of a single position, by position: most words occur once in an article."""
_ONE_LIMIT = 20_000
"""Positions past this (a very long text's) are encoded each time, so the table stays small."""


def _encode(positions: list[int]) -> bytes:
    """``Positions.encode``: the count, then the pickled gaps between positions (the same bytes)."""
    if len(positions) == 1:
        position = positions[0]
        encoded = _ONE.get(position)
        if encoded is None:
            encoded = _pack_count(1) + dumps([position], 2)
            if position < _ONE_LIMIT:
                _ONE[position] = encoded
        return encoded
    gaps = [positions[0]]
    gaps += [after - before for before, after in pairwise(positions)]
    return _pack_count(len(gaps)) + dumps(gaps, 2)
