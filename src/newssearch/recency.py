"""Recency blend for news: recent and relevant first, without a hard date sort.

Each article's relevance (BM25F) is multiplied by a freshness factor that halves
its bonus every ``HALF_LIFE_DAYS`` before the newest article in the index (not
before today: an archive of 1987 is not all equally stale). Undated articles get
the floor of the factor.
"""

from __future__ import annotations

from whoosh import scoring
from whoosh.searching import Searcher

HALF_LIFE_DAYS = 30.0
FLOOR = 0.5
"""The oldest articles keep half their relevance: a strong match still shows."""
_DAY = 86_400.0


class RecencyWeighting(scoring.BM25F):
    """BM25F with a document-level freshness factor applied to the final score."""

    use_final = True

    def __init__(self, searcher: Searcher) -> None:
        super().__init__()
        self._timestamps = searcher.reader().column_reader("timestamp")
        self._newest = max(self._timestamps, default=0.0)

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        age_days = max(0.0, (self._newest - self._timestamps[docnum]) / _DAY)
        return score * (FLOOR + (1 - FLOOR) * 0.5 ** (age_days / HALF_LIFE_DAYS))


def recency_searcher(searcher: Searcher) -> Searcher:
    """A searcher over the same reader that ranks with the recency blend."""
    return Searcher(searcher.reader(), weighting=RecencyWeighting(searcher), closereader=False)
