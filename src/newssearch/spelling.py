"""Did-you-mean: better spellings of a query's words from the index's own vocabulary.

Whoosh keeps the unstemmed words of title and body in spelling fields
(``TEXT(spelling=True)``); a query word missing from them is replaced by the
closest known word, ranked by edit distance (a swap of two letters counts one)
and then by how many articles use it. Candidates share the word's first letter (a
typo there is rare, and scanning only that part of the vocabulary is many times faster).
"""

from __future__ import annotations

import re

from whoosh.analysis import STOP_WORDS
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map

from .schema import SEARCH_FIELDS

_WORD = re.compile(r"(?<![\w:*\-])[^\W\d_]{3,}(?![\w:*])")  # plain words, not field:values, prefixes* or numbers
_OPERATORS = {"AND", "OR", "NOT", "TO"}
MAX_DISTANCE = 2
MAX_RESPELLED = 3
"""Unknown words looked up per query; the rest are left as typed."""


def suggest(searcher: Searcher, text: str) -> str | None:
    """The query with unknown words respelled, or None if every word is known or none has a fix."""
    changed = False
    budget = MAX_RESPELLED

    def respell(match: re.Match[str]) -> str:
        nonlocal changed, budget
        word = match[0]
        if word in _OPERATORS or word.lower() in STOP_WORDS or budget == 0:  # stop words are not in the vocabulary
            return word
        folded = word.lower().translate(accent_map)
        if _known(searcher, folded):
            return word
        budget -= 1  # looking for a respelling costs a scan of the vocabulary: a few per query
        better = _best(searcher, folded)
        if better is None:
            return word
        changed = True
        return better.upper() if word.isupper() else better

    suggestion = _WORD.sub(respell, text)  # words inside "phrases" too; the quotes stay
    return suggestion if changed else None


def _spelling_fields(searcher: Searcher) -> list[str]:
    return [searcher.schema[name].spelling_fieldname(name) for name in SEARCH_FIELDS]


def _known(searcher: Searcher, word: str) -> bool:
    reader = searcher.reader()
    return any((field, word) in reader for field in _spelling_fields(searcher))


def _best(searcher: Searcher, word: str) -> str | None:
    """The closest known word to an unknown one, or None if nothing is close."""
    fields = _spelling_fields(searcher)
    reader = searcher.reader()
    candidates = {c for name in SEARCH_FIELDS for c in searcher.corrector(name).suggest(word, limit=8, maxdist=MAX_DISTANCE, prefix=1)}
    scored = [(_distance(word, c), -sum(reader.doc_frequency(f, c) for f in fields), c) for c in candidates]
    scored = [s for s in scored if s[0] <= MAX_DISTANCE]
    return min(scored)[2] if scored else None


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
