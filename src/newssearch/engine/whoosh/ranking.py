"""How articles are scored: BM25F with Lucene's idf, and the recency blend for news.

Whoosh's own idf, ln(N / (n + 1)) + 1, is flat: a word in half the articles weighs
almost as much as a rare one. Lucene's, ln(1 + (N - n + 0.5) / (n + 0.5)), separates
them and is never negative; on the CISI relevance benchmark it raised MAP by 0.009.

The recency blend ranks recent and relevant first, without a hard date sort: each
article's relevance is multiplied by a freshness factor that halves
its bonus every ``HALF_LIFE_DAYS`` before the newest article in the index (not
before today: an archive of 1987 is not all equally stale). Undated articles get
the floor of the factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import log
from typing import TYPE_CHECKING, Any

from whoosh import scoring
from whoosh.searching import Searcher

from .query import INEXACT_WEIGHT, SEARCH_FIELDS

if TYPE_CHECKING:  # numpy is not imported here: a one-off query's store opens its searcher with NewsWeighting
    import numpy as np

HALF_LIFE_DAYS = 30.0
FLOOR = 0.5
"""The oldest articles keep half their relevance: a strong match still shows."""
_DAY = 86_400.0
ACRONYMS = "acronyms"
"""The field of the words an article writes in capitals (fields.py)."""


class NewsWeighting(scoring.BM25F):
    """BM25F with Lucene's idf."""

    def idf(self, searcher: Searcher, fieldname: str, text: bytes) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        return log(1 + (parent.doc_count_all() - n + 0.5) / (n + 0.5))


class RecencyWeighting(NewsWeighting):
    """NewsWeighting with a document-level freshness factor applied to the final score."""

    use_final = True

    def __init__(self, timestamps: np.ndarray, newest: float) -> None:
        super().__init__()
        self._timestamps = timestamps
        self._newest = newest

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        return score * float(self.freshness(docnum))

    def freshness(self, docnums: int | np.ndarray) -> float | np.ndarray:
        """From 1 for the newest article down to FLOOR; undated articles (timestamp 0) get FLOOR.
        For one document number or an array of them."""
        age_days = ((self._newest - self._timestamps[docnums]) / _DAY).clip(0.0)  # an array's or a numpy float's own method
        freshness: float | np.ndarray = FLOOR + (1 - FLOOR) * 0.5 ** (age_days / HALF_LIFE_DAYS)
        return freshness


class AcronymWeighting(NewsWeighting):
    """NewsWeighting, where a word typed as an acronym (START) weighs INEXACT_WEIGHT of its score in
    an article that does not write it in capitals (housing starts).

    The signal wordrank.py adds to the relaxed query of plain words, given to Whoosh's own
    matchers (oneoff.py) so that they score those words as wordrank.py does: in headline and
    body, in every clause the word is in (the words, all of them, the words close together).
    """

    def __init__(self, acronyms: Mapping[str, str]) -> None:
        super().__init__()
        self._acronyms = acronyms  # the word as indexed -> the acronym typed for it (START -> "start": "start")

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes | str, qf: int = 1) -> scoring.BaseScorer:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        acronym = self._acronyms.get(text.decode("utf-8") if isinstance(text, bytes) else text)
        if acronym is None or fieldname not in SEARCH_FIELDS:
            return scorer
        reader = searcher.reader()  # a segment's, numbered as the matchers this scorer scores
        capitals = frozenset(reader.postings(ACRONYMS, acronym).all_ids()) if (ACRONYMS, acronym) in reader else frozenset()
        return _InexactScorer(scorer, capitals)


class _InexactScorer(scoring.BaseScorer):
    """A scorer whose score is INEXACT_WEIGHT as much in the articles not in ``capitals``."""

    def __init__(self, scorer: scoring.BaseScorer, capitals: frozenset[int]) -> None:
        self._scorer, self._capitals = scorer, capitals

    def supports_block_quality(self) -> bool:
        return False  # a block's best score would have to know which of its articles are in capitals

    def max_quality(self) -> float:
        return float(self._scorer.max_quality())

    def score(self, matcher: Any) -> float:
        score = float(self._scorer.score(matcher))
        return score if matcher.id() in self._capitals else score * INEXACT_WEIGHT
