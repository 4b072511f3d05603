"""Pseudo-relevance feedback for long questions: RM3, as Anserini's BM25+RM3.

A question names its topic in a few of the words an article about it uses. The best
articles of a first ranking mostly are about the topic, so the words they share say
more about it: each article's words, weighted by their share of its text and by the
article's score, make a relevance model; its FEEDBACK_TERMS strongest words, mixed
half and half with the question's own words, rank the articles again. Only long
questions get this (query.py): a short keyword query means exactly its words.

The articles' words come from re-analysing their stored headline and body (the index
keeps no term vectors): FEEDBACK_DOCS articles of a few kilobytes, a few milliseconds.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh.searching import Searcher

from .query import WordQuery
from .schema import SEARCH_FIELDS

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 10
ORIGINAL_WEIGHT = 0.5
"""The question's own words keep half the weight (Anserini's default)."""
MAX_DOC_SHARE = 0.1
"""Words in more than this share of the articles say nothing about a topic (Anserini's filter)."""


def expand(searcher: Searcher, words: WordQuery, docnums: np.ndarray, scores: np.ndarray) -> WordQuery:
    """``words`` with the relevance model of the best-scored of ``docnums`` mixed in."""
    best = np.argsort(-scores, kind="stable")[:FEEDBACK_DOCS]
    model: Counter[str] = Counter()
    analyzer = searcher.schema[SEARCH_FIELDS[-1]].analyzer
    for docnum, score in zip(docnums[best].tolist(), scores[best].tolist()):
        stored = searcher.stored_fields(docnum)
        counts = Counter(token.text for field in SEARCH_FIELDS for token in analyzer(stored.get(field) or ""))
        length = sum(counts.values())
        for term, count in counts.items():
            model[term] += score * count / length
    articles = searcher.doc_count_all()
    chosen = []
    for term, weight in model.most_common():
        if len(chosen) == FEEDBACK_TERMS:
            break
        if len(term) > 1 and max(searcher.doc_frequency(f, term) for f in SEARCH_FIELDS) <= MAX_DOC_SHARE * articles:
            chosen.append((term, weight))
    combined: Counter[str] = Counter()
    typed = sum(words.weights)
    for term, weight in zip(words.words, words.weights):
        combined[term] += ORIGINAL_WEIGHT * weight / typed
    total = sum(weight for _, weight in chosen) or 1.0
    for term, weight in chosen:
        combined[term] += (1 - ORIGINAL_WEIGHT) * weight / total
    acronyms = dict(zip(words.words, words.acronyms)) if words.acronyms else {}
    terms = tuple(combined)
    return WordQuery(
        terms,
        tuple(combined[t] for t in terms),
        acronyms=tuple(acronyms.get(t, "") for t in terms) if acronyms else (),
    )
