"""Term-at-a-time ranking of queries of plain words, the searches people type most.

The score is the one Whoosh gives the relaxed query (query.py): each word's BM25F
score over headline and body, times the times it was typed; articles with every
word score ALL_WORDS_BOOST times more; articles with the words close together get
the proximity bonus. Whoosh computes it document by document through a tree of
matchers, most of the cost of a search (150 ms for a seven-word question on
Reuters). Here each word's postings are read once into a dictionary and the
dictionaries are summed, which gives the same scores in a fraction of the time.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Container

from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from .docvalues import DocValues
from .query import ALL_WORDS_BOOST, WordQuery
from .schema import SEARCH_FIELDS


def rank_words(searcher: Searcher, words: WordQuery, values: DocValues, allowed: Container[int] | None, deadline: float) -> dict[int, float]:
    """Score of every article matching at least one of the words, among ``allowed`` ones.

    Raises Whoosh's TimeLimit when the postings are not read by ``deadline`` (time.monotonic()).
    """
    per_word = [_word_scores(searcher, word, values, deadline) for word in words.words]
    scores: Counter[int] = Counter()
    for weight, word_scores in zip(words.weights, per_word):
        for docnum, score in word_scores.items():
            scores[docnum] += weight * score
    if len(per_word) > 1:
        for docnum in set(per_word[0]).intersection(*per_word[1:]):
            scores[docnum] += ALL_WORDS_BOOST * sum(word_scores[docnum] for word_scores in per_word)
    if words.near is not None:
        for docnum, score in searcher.search(words.near, limit=None).items():
            scores[docnum] += score
    if allowed is not None:
        return {docnum: score for docnum, score in scores.items() if docnum in allowed}
    return scores


def _word_scores(searcher: Searcher, word: str, values: DocValues, deadline: float) -> dict[int, float]:
    """BM25F of one word in every article that has it: headline and body scores summed."""
    scores: dict[int, float] = {}
    for field in SEARCH_FIELDS:
        if time.monotonic() > deadline:
            raise TimeLimit
        docnums, weights = values.postings.get((field, word), lambda: _postings(searcher, field, word))
        if not docnums:
            continue
        lengths = values.lengths[field]
        scorer = searcher.weighting.scorer(searcher, field, word)
        # whoosh.scoring.bm25(idf, tf, length, avgfl, B, K1), unrolled: it runs once per posting.
        idf_k1, k1_short, k1_long = scorer.idf * (scorer.K1 + 1), scorer.K1 * (1 - scorer.B), scorer.K1 * scorer.B / scorer.avgfl
        for docnum, tf in zip(docnums, weights):
            score = idf_k1 * tf / (tf + k1_short + k1_long * lengths[docnum])
            scores[docnum] = scores.get(docnum, 0.0) + score
    return scores


def _postings(searcher: Searcher, field: str, word: str) -> tuple[array[int], array[float]]:
    """The live articles with ``word`` in ``field`` and its weight (frequency times field boost) in each.

    Whoosh's public per-posting calls (is_active, id, weight, next) cost more than the
    scoring itself; this reads the blocks (up to 128 postings) of its W3 codec directly.
    """
    docnums, weights = array("l"), array("f")
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if (field, word) not in reader:
            continue
        deleted = reader.is_deleted if reader.has_deletions() else None
        matcher = reader.postings(field, word)
        matcher = getattr(matcher, "child", matcher)  # the codec's matcher under Whoosh's filter of deletions
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            for docnum, weight in zip(matcher._ids, matcher._weights):
                if not (deleted and deleted(docnum)):
                    docnums.append(docnum + offset)
                    weights.append(weight)
            matcher._next_block()
    return docnums, weights
