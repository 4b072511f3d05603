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

import heapq
import time
from array import array
from collections.abc import Container

from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from .docvalues import DocValues
from .query import ALL_WORDS_BOOST, PROXIMITY_BOOST, PROXIMITY_SLOP, WordQuery
from .schema import SEARCH_FIELDS

CHECK_BATCH = 50
"""Articles whose word positions are read at a time for the proximity bonus."""


def rank_words(
    searcher: Searcher, words: WordQuery, values: DocValues, allowed: Container[int] | None, top: int, deadline: float
) -> dict[int, float]:
    """Score of every article with at least one of the words, among ``allowed`` ones.

    The scores of the best ``top`` are exact; below them the proximity bonus may be
    left out (see _add_proximity). Raises Whoosh's TimeLimit when the postings are not
    read by ``deadline`` (time.thread_time()).
    """
    per_field = {field: [_term_scores(searcher, field, word, values, deadline) for word in words.words] for field in SEARCH_FIELDS}
    per_word = [_summed([per_field[field][i] for field in SEARCH_FIELDS]) for i in range(len(words.words))]
    scores: dict[int, float] = {}
    for weight, word_scores in zip(words.weights, per_word):
        for docnum, score in word_scores.items():
            if allowed is None or docnum in allowed:
                scores[docnum] = scores.get(docnum, 0.0) + weight * score
    if len(per_word) > 1:
        everything = set(scores).intersection(*per_word)
        plain = {docnum: sum(word_scores[docnum] for word_scores in per_word) for docnum in everything}
        for docnum in everything:
            scores[docnum] += ALL_WORDS_BOOST * plain[docnum]
        _add_proximity(searcher, words, per_field, plain, scores, top)
    return scores


def _add_proximity(
    searcher: Searcher, words: WordQuery, per_field: dict[str, list[dict[int, float]]], plain: dict[int, float], scores: dict[int, float], top: int
) -> None:
    """Add the bonus for the words close together and in order, as Whoosh's sloppy Phrase scores it,
    to the articles with every word that can reach the best ``top``.

    In each field where the words are close, the bonus is PROXIMITY_BOOST times their
    score in that field: at most PROXIMITY_BOOST times their whole score. Articles are
    checked from the highest possible score down, and checking stops once no article
    left could reach the best ``top`` even with that whole bonus. Reading positions
    for every article with the words would cost more than the rest of the search.
    """
    ceiling = {docnum: scores[docnum] + PROXIMITY_BOOST * words_score for docnum, words_score in plain.items()}
    candidates = sorted(ceiling, key=ceiling.__getitem__, reverse=True)
    best: list[float] = []  # the best `top` exact scores so far, as a min-heap
    for start in range(0, len(candidates), CHECK_BATCH):
        batch = candidates[start : start + CHECK_BATCH]
        if len(best) == top and ceiling[batch[0]] <= best[0]:
            return
        for field in SEARCH_FIELDS:
            for docnum in _close_together(searcher, field, words.words, batch):
                scores[docnum] += PROXIMITY_BOOST * sum(word_scores[docnum] for word_scores in per_field[field])
        for docnum in batch:
            (heapq.heappushpop if len(best) == top else heapq.heappush)(best, scores[docnum])


def _close_together(searcher: Searcher, field: str, words: tuple[str, ...], docnums: list[int]) -> list[int]:
    """Those of ``docnums`` where ``words`` occur in ``field`` in this order, each at most PROXIMITY_SLOP positions after the one before."""
    found = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        local = sorted(d - offset for d in docnums if offset <= d < offset + reader.doc_count_all())
        if not local or any((field, word) not in reader for word in words):
            continue
        postings = [reader.postings(field, word) for word in words]
        for docnum in local:
            positions = []
            for matcher in postings:
                if matcher.is_active():
                    matcher.skip_to(docnum)
                if not matcher.is_active() or matcher.id() != docnum:
                    break
                positions.append(matcher.value_as("positions"))
            else:
                if _in_order_nearby(positions):
                    found.append(docnum + offset)
    return found


def _in_order_nearby(positions: list[list[int]]) -> bool:
    ends = positions[0]
    for following in positions[1:]:
        ends = [p for p in following if any(1 <= p - end <= PROXIMITY_SLOP for end in ends)]
        if not ends:
            return False
    return True


def _summed(parts: list[dict[int, float]]) -> dict[int, float]:
    total = dict(parts[0])
    for part in parts[1:]:
        for docnum, score in part.items():
            total[docnum] = total.get(docnum, 0.0) + score
    return total


def _term_scores(searcher: Searcher, field: str, word: str, values: DocValues, deadline: float) -> dict[int, float]:
    """BM25F of one word in one field, in every article that has it there."""
    if time.thread_time() > deadline:
        raise TimeLimit
    docnums, weights = values.postings.get((field, word), lambda: _postings(searcher, field, word))
    if not docnums:
        return {}
    lengths = values.lengths(field)
    scorer = searcher.weighting.scorer(searcher, field, word)
    # whoosh.scoring.bm25(idf, tf, length, avgfl, B, K1), unrolled: it runs once per posting.
    idf_k1, k1_short, k1_long = scorer.idf * (scorer.K1 + 1), scorer.K1 * (1 - scorer.B), scorer.K1 * scorer.B / scorer.avgfl
    return {docnum: idf_k1 * tf / (tf + k1_short + k1_long * lengths[docnum]) for docnum, tf in zip(docnums, weights)}


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
