"""One search in a process that then exits (``newssearch query``): Whoosh's own matchers, nothing read per article.

The usual path (searching.py) is built for a server: it reads columns of every article
once (docvalues.py) and scores plain words with numpy (wordrank.py), which pays from the
second search on. A process that runs one search pays for all of it at once, and
importing numpy alone takes longer than searching for a word with Whoosh's matchers.
Here every query goes through those matchers, as searching.py runs any query that is not
plain words, and only the hits' ids and fingerprints are read. The answer is the same:
wordrank.py scores plain words as Whoosh scores the relaxed query (tests/test_search.py),
and the one signal it adds, a word typed as an acronym, is given to Whoosh by
ranking.AcronymWeighting (tests/test_oneoff.py compares both paths).

Only where that is cheaper: in order of relevance (a date order or the recency blend read
a column of every article), without facets (counted over every article), and for plain
words in few enough places for their shape (MAX_POSTINGS, COSTS), without minus words
(``_has_and_not``) (Whoosh's matchers cost microseconds a posting where numpy costs
nanoseconds; past that its import pays for itself). Any other search is None here, and
goes the usual way.
"""

from __future__ import annotations

from whoosh import query as q
from whoosh.collectors import FilterCollector, TimeLimit, TopCollector
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from ...errors import QueryError
from ...fields import Schema
from ..base import Match, Matches, Query
from .filters import whoosh_filter
from .hits import TOO_LONG, Matched, Stored, few_columns, snippets_of
from .query import SEARCH_FIELDS, QueryBuilder, WordQuery, expand
from .ranking import AcronymWeighting

MAX_POSTINGS = 25_000
"""How many postings of a single word (headline and body) Whoosh's matchers beat the usual
path (numpy, started with one BLAS thread: cli.py; it reads the hits' ids and sketches alone,
hits.few_columns). Both grow with the archive, so the limit does not: at 1x the usual path
costs about 75 ms over the process's floor and Whoosh about 3 µs a posting; at 10x about
200 ms and 10 µs. Measured one process per search, CPU: on Reuters (21,578 articles)
``shares``, 4,646 postings, 201 against 254 ms; at 10x (215,771 articles), ``dollar``,
14,940 postings, 347 against 377 ms, and ``shares``, about 46,000, 727 against 417 ms.
A limit that grew with the archive (0.25 an article) sent ``shares`` through Whoosh's
matchers at 50x: 1.7 s."""
COSTS = {"word": 1, "phrase": 2, "sentence": 3, "several": 5}
"""What a posting costs Whoosh, against one of a single word: a "phrase" reads positions; a
sentence (more than ALL_WORDS_MAX words, query.py) sums each word's score in each field; a
short query of several words scores each word, all of them and the words close together.
Measured as above: ``"net loss"``, 7,700 postings, about 5 µs each; ``why are coffee prices
falling in brazil``, 6,439, 237 against 295 ms, and ``what did the bundesbank say about
interest rates``, 12,578, 305 against 265 ms (about 9 µs each); ``gold mine``, 1,108, 210
against 262 ms, and ``oil prices``, 5,957, 288 against 270 ms (about 15 µs each)."""


def search(searcher: Searcher, queries: QueryBuilder, schema: Schema, query: Query) -> Matches | None:
    """The matches of ``query`` as searching.search gives them, or None where that path is cheaper."""
    if query.facets or query.days or query.recency or query.sort != "relevance" or not query.text.strip():
        return None
    parsed = queries.parse(query.text)
    if _has_and_not(parsed.query):
        return None
    reader = searcher.reader()
    if parsed.words is not None and _postings(reader, parsed.words) > MAX_POSTINGS:
        return None
    allowed = None
    if (filtered := whoosh_filter(searcher, schema, query)) is not None:
        allowed = set(searcher.docs_for_query(filtered))
        if not allowed:  # Whoosh would read an empty filter as no filter
            return Matches(total=0, hits=[], facets=None, snippets=snippets_of(searcher, parsed.query))
    ranker = searcher
    if parsed.words is not None and parsed.words.acronyms:
        typed = {word: acronym for word, acronym in zip(parsed.words.words, parsed.words.acronyms, strict=True) if acronym}
        ranker = Searcher(reader, weighting=AcronymWeighting(typed), closereader=False)
    # Every match scored, as searching.py does: Whoosh's block skipping would lose some of the best.
    top = TopCollector(limit=max(query.window, 1), usequality=False, replace=0)
    matched = Matched(top, query.deadline)
    try:
        expanded = expand(parsed.query, reader, query.deadline)
        ranker.search_with_collector(expanded, FilterCollector(matched, allow=allowed))
    except TimeLimit:
        raise QueryError(TOO_LONG) from None
    best = top.results().top_n[: query.window]
    ids, sketches = few_columns(reader, [docnum for _, docnum in best])
    hits = [Match(ids[docnum], score, Stored(searcher, schema, docnum), sketches[docnum]) for score, docnum in best]
    return Matches(total=len(matched.docs), hits=hits, facets=None, snippets=snippets_of(searcher, expanded))


def _has_and_not(node: q.Query) -> bool:
    """Whether a query excludes words with Whoosh's AndNot (``cocoa -brazil``), whose matcher lets
    through some articles that have them (reuters-2521 for that query): the usual path leaves them out."""
    return isinstance(node, q.AndNot) or any(_has_and_not(child) for child in node.children())


def _postings(reader: IndexReader, words: WordQuery) -> int:
    """The postings of ``words`` as Whoosh's matchers would weigh them (COSTS)."""
    postings = sum(int(reader.doc_frequency(field, word)) for word in words.words for field in SEARCH_FIELDS)
    return postings * COSTS[_shape(words)]


def _shape(words: WordQuery) -> str:
    if words.phrase:
        return "phrase"
    if len(words.words) == 1:
        return "word"
    return "several" if words.all_first else "sentence"
