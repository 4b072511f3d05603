"""Term-at-a-time ranking of plain words and "quoted phrases", the searches people type most.

The score is the one Whoosh gives the relaxed query (query.py): each word's BM25F
score over headline and body, times the times it was typed; in a short query,
articles with every word score ALL_WORDS_BOOST times more and articles with the
words close together get the proximity bonus. One signal goes beyond that query:
a word typed as an acronym (START) weighs INEXACT_WEIGHT as much in an article that
does not have it in capitals (housing starts). Whoosh computes it document by document through a tree of
matchers in Python, most of the cost of a search (150 ms for a seven-word question
on Reuters). Here each word's postings are read and scored with numpy once per index version
(and kept: docvalues.py), and added up over the articles that have any of the words,
which gives the same scores in a fraction of the time. A phrase is scored as
Whoosh scores its Phrase query (see _rank_phrase).
"""

from __future__ import annotations

import heapq
import time
from itertools import chain

import numpy as np
from whoosh.collectors import TimeLimit
from whoosh.searching import Searcher

from . import private
from .docvalues import DocValues, places, postings
from .query import ALL_WORDS_BOOST, INEXACT_WEIGHT, PROXIMITY_BOOST, PROXIMITY_SLOP, SEARCH_FIELDS, TermSum, WordQuery

PLACES_SHARE = 64
"""A phrase reads every place of its words in a field (kept per index version: docvalues.places)
when they are at most this many times as many postings as the articles with all its words;
otherwise only those articles' places, each time. Reading a few articles' places still reads
and decodes the blocks (up to 128 postings) that hold them."""
CHECK_BATCH = 50
"""Articles whose word positions are read at a time for the proximity bonus."""


def rank_words(
    searcher: Searcher, words: WordQuery, values: DocValues, allowed: np.ndarray | None, top: int, deadline: float
) -> tuple[np.ndarray, np.ndarray]:
    """The articles with at least one of the words, among the ``allowed`` ones (a mask),
    and their scores: two arrays in document order.

    The scores of the best ``top`` are exact; below them the proximity bonus may be
    left out (see _add_proximity). Raises Whoosh's TimeLimit when the postings are not
    read by ``deadline`` (time.thread_time()).
    """
    if words.phrase:
        return _rank_phrase(searcher, words, values, allowed, deadline)
    scored = []  # per word: the times it was typed, and per field its articles and score in each
    for word, weight, acronym in zip(words.words, words.weights, words.acronyms or ("",) * len(words.words), strict=True):
        fields = []
        for field in SEARCH_FIELDS:
            docnums, field_score = _term_scores(searcher, field, word, values, deadline)
            fields.append((docnums, field_score * _acronym_factor(searcher, acronym, values, docnums) if acronym else field_score))
        scored.append((weight, fields))
    # Scores are added up over the articles with any of the words, not over every article:
    # at 10x, a dozen passes over all 216,000 articles cost more than the words' postings.
    articles = _union(values.size, [docnums for _, fields in scored for docnums, _ in fields])
    close_bonus = words.all_first and len(words.words) > 1
    scores, plain = np.zeros(len(articles)), np.zeros(len(articles))  # plain: without the times each word was typed
    in_field = {field: np.zeros(len(articles)) for field in SEARCH_FIELDS} if close_bonus else {}  # the words' score in each field
    found = np.zeros(len(articles), dtype=np.int32)  # how many of the words each article has
    position = np.empty(values.size, dtype=np.int64)  # of each article in ``articles`` (set only for those)
    position[articles] = np.arange(len(articles))
    for weight, fields in scored:
        word_score = np.zeros(len(articles))
        for field, (docnums, field_score) in zip(SEARCH_FIELDS, fields, strict=True):
            at = position[docnums]  # a binary search per posting cost 3 ms for "interest rates" at 10x
            word_score[at] += field_score  # a document appears once in a word's postings
            if close_bonus:
                in_field[field][at] += field_score
        scores += weight * word_score
        plain += word_score
        found += word_score > 0  # BM25 with Lucene's idf is above 0 for every posting
    matched = found > 0 if allowed is None else (found > 0) & allowed[articles]
    for word in words.excluded:
        for field in SEARCH_FIELDS:
            matched &= ~_among(articles, _term_scores(searcher, field, word, values, deadline)[0])
    if close_bonus:
        everything = np.flatnonzero(matched & (found == len(words.words)))
        scores[everything] += ALL_WORDS_BOOST * plain[everything]
        _add_proximity(searcher, words, values, articles, in_field, plain, scores, everything, top, deadline)
    return articles[matched], scores[matched]


def _union(size: int, docnums: list[np.ndarray]) -> np.ndarray:
    """The documents in any of ``docnums``, in order: through a mask of one byte per article, not a sort of every posting."""
    mask = np.zeros(size, dtype=bool)
    for part in docnums:
        mask[part] = True
    return np.flatnonzero(mask)


def rank_terms(searcher: Searcher, terms: TermSum, values: DocValues, allowed: np.ndarray | None, deadline: float) -> tuple[np.ndarray, np.ndarray]:
    """The articles with any of the terms and none of the excluded ones, among the ``allowed``
    ones (a mask), and their scores as Whoosh gives them (query.TermSum): two arrays in document order."""
    scores, matched = np.zeros(values.size), np.zeros(values.size, dtype=bool)
    for field, word in terms.terms:
        docnums, term_scores = _term_scores(searcher, field, word, values, deadline)
        scores[docnums] += term_scores  # in query order, as Whoosh's tree of unions adds them
        matched[docnums] = True
    for field, word in terms.excluded:
        matched[_term_scores(searcher, field, word, values, deadline)[0]] = False
    if allowed is not None:
        matched &= allowed
    docnums = np.flatnonzero(matched)
    return docnums, scores[docnums] + terms.bonus


def _rank_phrase(
    searcher: Searcher, words: WordQuery, values: DocValues, allowed: np.ndarray | None, deadline: float
) -> tuple[np.ndarray, np.ndarray]:
    """A "quoted phrase": the articles with its words one right after the other in headline or
    body, scored as Whoosh scores its Phrase queries: the words' score in each field where the
    phrase occurs. Positions are read only for articles with every word in that field, or
    kept for every article (PLACES_SHARE)."""
    scores = np.zeros(values.size)
    matched = np.zeros(values.size, dtype=bool)
    for field in SEARCH_FIELDS:
        terms = [_term_scores(searcher, field, word, values, deadline) for word in words.words]
        candidates = terms[0][0]
        for docnums, _ in terms[1:]:
            candidates = np.intersect1d(candidates, docnums, assume_unique=True)
        if allowed is not None:
            candidates = candidates[allowed[candidates]]
        if not len(candidates):
            continue
        every = _every_place(searcher, values, field, words.words, len(candidates), deadline)
        if every is not None:
            found = _in_order(every, slop=1)
            found = found[_among(found, candidates)]
        else:
            found = np.array(_close_together(searcher, field, words.words, candidates.tolist(), slop=1), dtype=np.int64)
        if not len(found):
            continue
        matched[found] = True
        for docnums, term_scores in terms:
            scores[found] += term_scores[np.searchsorted(docnums, found)]  # postings are in document order
    docnums = np.flatnonzero(matched)
    return docnums, scores[docnums]


def _every_place(
    searcher: Searcher, values: DocValues, field: str, words: tuple[str, ...], articles: int, deadline: float
) -> list[np.ndarray] | None:
    """Every place of each word in ``field`` (docvalues.places), kept per index version, when
    that is worth it (PLACES_SHARE) against reading the places of ``articles`` articles; else None.
    Never in a one-off process, where nothing is kept for the next search: at 50x, a common
    pair of words has millions of places, and the proximity bonus checks a few batches."""
    if not values.kept:
        return None
    unread = sum(len(_term_scores(searcher, field, word, values, deadline)[0]) for word in set(words) if (field, word) not in values.places)
    if unread > PLACES_SHARE * articles * len(words):
        return None
    if time.thread_time() > deadline:
        raise TimeLimit
    return [_places(searcher, values, field, word) for word in words]


def _places(searcher: Searcher, values: DocValues, field: str, word: str) -> np.ndarray:
    """Every place of ``word`` in ``field`` (docvalues.places), kept per index version."""
    return values.places.get((field, word), lambda: places(searcher.reader(), field, word))


def _add_proximity(
    searcher: Searcher, words: WordQuery, values: DocValues, articles: np.ndarray, in_field: dict[str, np.ndarray], plain: np.ndarray,
    scores: np.ndarray, everything: np.ndarray, top: int, deadline: float,
) -> None:  # fmt: skip
    """Add the bonus for the words close together and in order, as Whoosh's sloppy Phrase scores it,
    to the articles with ``everything`` (every word) that can reach the best ``top``. The
    arrays are over ``articles`` (document numbers, in order), as are the positions in ``everything``.

    In each field where the words are close, the bonus is PROXIMITY_BOOST times their
    score in that field: at most PROXIMITY_BOOST times their whole score. Articles are
    checked from the highest possible score down, and checking stops once no article
    left could reach the best ``top`` even with that whole bonus. Where the words' places
    are kept (docvalues.places), where they are close is found for every article at once;
    else the positions of the articles checked are read, a batch at a time.
    """
    if not len(everything):
        return
    kept = {}  # field -> each word's kept places in it
    for field in SEARCH_FIELDS:
        if (every := _every_place(searcher, values, field, words.words, len(everything), deadline)) is not None:
            kept[field] = every
    ceiling = scores[everything] + PROXIMITY_BOOST * plain[everything]
    if len(everything) > top:  # at least ``top`` articles score the top-th best score without a bonus: one that cannot is never checked
        floor = np.partition(scores[everything], len(everything) - top)[len(everything) - top]
        reachable = ceiling >= floor
        everything, ceiling = everything[reachable], ceiling[reachable]
    order = np.argsort(-ceiling, kind="stable")  # only the reachable: sorting all of a common pair's articles cost 0.65 ms at 10x
    candidates, ceiling = everything[order].tolist(), ceiling[order].tolist()
    best: list[float] = []  # the best `top` exact scores so far, as a min-heap
    for start in range(0, len(candidates), CHECK_BATCH):
        batch = candidates[start : start + CHECK_BATCH]
        if len(best) == top and ceiling[start] <= best[0]:
            return
        docnums = articles[batch]
        for field in SEARCH_FIELDS:
            if field in kept:
                near = _in_order([_places_of(places, np.sort(docnums)) for places in kept[field]], PROXIMITY_SLOP)
            else:
                near = np.array(_close_together(searcher, field, words.words, docnums.tolist()), dtype=np.int64)
            at = np.searchsorted(articles, near)  # each one article once
            scores[at] += PROXIMITY_BOOST * in_field[field][at]
        for position in batch:
            (heapq.heappushpop if len(best) == top else heapq.heappush)(best, float(scores[position]))


def _close_together(searcher: Searcher, field: str, words: tuple[str, ...], docnums: list[int], slop: int = PROXIMITY_SLOP) -> list[int]:
    """Those of ``docnums`` where ``words`` occur in ``field`` in this order, each at most ``slop`` positions after the one before."""
    found: list[int] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        end = offset + reader.doc_count_all()
        local = sorted(d - offset for d in docnums if offset <= d < end)
        if not local or any((field, word) not in reader for word in words):
            continue
        encoded = []  # per word: document -> its positions, encoded; only documents with every word so far are read
        for word in words:
            matcher = reader.postings(field, word)
            encoded.append(dict(private.values_of(matcher, local)))
            local = [docnum for docnum in local if docnum in encoded[-1]]
        decode = reader.schema[field].format.decoder("positions")  # a segment with deletions wraps its matchers
        every = [_places_in(local, [decode(values[docnum]) for docnum in local]) for values in encoded]
        found += (_in_order(every, slop) + offset).tolist()
    return found


def _in_order(places: list[np.ndarray], slop: int) -> np.ndarray:
    """The documents where words occur in this order, each at most ``slop`` positions after the one
    before, given each word's places (document * 2**32 + position); numpy over all the documents at once."""
    ends = places[0]
    for following in places[1:]:  # the places of each word that follow one of the previous word's
        after = np.zeros(len(following), dtype=bool)
        for step in range(1, slop + 1):
            after |= _among(following, ends + step)
        ends = following[after]
    documents = ends >> 32  # sorted, as the places are; np.unique would import numpy.ma (10 ms of a one-off query)
    return documents[np.concatenate(([True], documents[1:] != documents[:-1]))] if len(documents) else documents


def _places_of(places: np.ndarray, docnums: np.ndarray) -> np.ndarray:
    """Those of a word's ``places`` (document * 2**32 + position) in ``docnums`` (sorted)."""
    starts, ends = np.searchsorted(places, docnums << 32), np.searchsorted(places, (docnums + 1) << 32)
    counts = ends - starts
    before = np.cumsum(counts) - counts  # where each document's places go in the result
    chosen: np.ndarray = places[np.repeat(starts - before, counts) + np.arange(counts.sum())]
    return chosen


def _among(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``ordered`` (sorted): a binary search each, where np.isin
    would sort (or hash) both arrays again."""
    if not len(ordered):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(ordered, values), len(ordered) - 1)
    found: np.ndarray = ordered[at] == values
    return found


def _places_in(docnums: list[int], positions: list[list[int]]) -> np.ndarray:
    """The places (document * 2**32 + position) of a word in ``docnums``, given its positions in each."""
    counts = [len(p) for p in positions]
    documents = np.repeat(np.array(docnums, dtype=np.int64), counts) << 32
    return documents | np.fromiter(chain.from_iterable(positions), dtype=np.int64, count=sum(counts))


def _acronym_factor(searcher: Searcher, acronym: str, values: DocValues, docnums: np.ndarray) -> np.ndarray:
    """For each of ``docnums`` (in order): 1 where ``acronym`` is written in capitals, INEXACT_WEIGHT
    elsewhere, even when no article has it in capitals (START is not "start")."""
    capitals = values.postings.get(("acronyms", acronym), lambda: postings(searcher.reader(), "acronyms", acronym))[0]
    return np.where(_among(docnums, capitals), 1.0, INEXACT_WEIGHT)


def _term_scores(searcher: Searcher, field: str, word: str, values: DocValues, deadline: float) -> tuple[np.ndarray, np.ndarray]:
    """The live articles with ``word`` in ``field``, and the word's BM25F score in each, kept per
    index version (docvalues.postings): a posting scores the same in every search of a version,
    and working the scores out again (Whoosh's term statistics, a pass over the postings) cost
    a tenth of a search at 10x."""
    if time.thread_time() > deadline:
        raise TimeLimit
    return values.postings.get((field, word), lambda: _bm25(searcher, field, word, values))


def _bm25(searcher: Searcher, field: str, word: str, values: DocValues) -> tuple[np.ndarray, np.ndarray]:
    docnums, weights = postings(searcher.reader(), field, word)
    if not len(docnums):
        return docnums, weights
    idf, k1, b, avgfl = private.bm25(searcher.weighting.scorer(searcher, field, word))
    # whoosh.scoring.bm25(idf, tf, length, avgfl, B, K1) for every posting at once.
    k1_short, k1_long = k1 * (1 - b), k1 * b / avgfl
    return docnums, idf * (k1 + 1) * weights / (weights + k1_short + k1_long * values.lengths(field)[docnums])
