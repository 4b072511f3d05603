"""The search service: one function from a request to a result, shared by CLI, web and API."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

import numpy as np
from whoosh import query as q
from whoosh.collectors import Collector, FilterCollector, TimeLimit, TopCollector, WrappingCollector
from whoosh.searching import Hit as WhooshHit, Results, Searcher

from .article import Article, display_title
from .engine.whoosh.docvalues import FACET_FIELDS, Allowed, DocValues, doc_values
from .duplicates import fold
from .errors import ArticleNotFound, QueryError
from .engine.whoosh.query import Parsed, expand
from .engine.whoosh.ranking import RecencyWeighting
from .engine.whoosh.schema import day_range
from .engine.whoosh.snippets import query_words, snippet
from .engine.whoosh.spelling import speller, suggest
from .engine.whoosh.store import SearchIndex
from .engine.whoosh.wordrank import rank_words

SORTS = ("relevance", "newest", "oldest")
MAX_PAGE_SIZE = 100
RESULT_WINDOW = 1_000
"""Only the first this many results of a search can be paged to (as Elasticsearch's
index.max_result_window): a page costs as much as every result before it, so a deep
page is refused before any work, and pagers link only to pages within the window."""
TIME_LIMIT_SECONDS = 5.0
"""A pathological query is cut off after this much CPU time instead of tying up a server
thread. CPU time of the thread, not wall time: a search waiting for the GIL behind
other threads' searches is not itself slow."""
FOLD_WINDOW = 3
"""Hits fetched per hit shown when folding near-duplicates, so a page stays full."""
TIMELINE_MAX_MONTHS = 36
"""Longer spans are drawn per year."""


@dataclass(frozen=True)
class SearchRequest:
    """What to search for. Every field has a default, so ``SearchRequest("cocoa")`` works."""

    q: str = ""
    page: int = 1
    page_size: int = 10
    sort: str = "relevance"
    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    years: tuple[str, ...] = ()
    recency: bool = False  # blend relevance with freshness (see ranking.py)
    fold: bool = True  # fold near-duplicates into the best-ranked copy (see duplicates.py)
    months: tuple[str, ...] = ()  # "1987-03"
    tags: tuple[str, ...] = ()
    facets: bool = False
    correct: bool = True  # when the query finds nothing and its respelling does, show the respelling's results

    def validated(self) -> SearchRequest:
        """This request, or a QueryError naming the parameter to fix."""
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of: {', '.join(SORTS)}")
        if self.page < 1:
            raise QueryError(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {self.page_size}")
        if self.page * self.page_size > RESULT_WINDOW:
            raise QueryError(
                f"page {self.page} at {self.page_size} results a page is beyond the first {RESULT_WINDOW:,} results, the most that can be paged to;"
                " narrow the search (more words, a source or date filter) or sort it the other way"
            )
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"the start date {self.since} is after the end date {self.until}")
        return self


@dataclass
class Hit:
    id: str
    title: str  # the headline; empty for an article without one
    display_title: str  # what to show: the headline, or the body's opening words (article.display_title)
    date: datetime | None
    source: str
    tags: list[str]
    url: str
    path: str
    score: float | None
    snippet: str  # HTML: escaped text with the matched words in <mark>
    similar: list[Hit] = field(default_factory=list)  # near-duplicates folded into this hit

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: asdict deep-copies, a cost per hit
        data["date"] = self.date.isoformat() if self.date else None
        data["similar"] = [hit.to_dict() for hit in self.similar]
        return data


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class TimelineBar:
    """Matching articles in one month ("1987-03") or year ("1987")."""

    period: str
    count: int


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    seconds: float
    facets: dict[str, list[FacetValue]] | None = None
    timeline: list[TimelineBar] | None = None
    suggestion: str | None = None  # "did you mean": the query with its rare words respelled (spelling.py)
    showing_suggestion: bool = False  # the hits are for ``suggestion``: ``query`` as typed found nothing

    @property
    def pages(self) -> int:
        """Pages that can be shown: those within the RESULT_WINDOW."""
        return max(1, min(-(-self.total // self.page_size), RESULT_WINDOW // self.page_size))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
            "seconds": self.seconds,
            "hits": [hit.to_dict() for hit in self.hits],
            "suggestion": self.suggestion,
            "showing_suggestion": self.showing_suggestion,
        }
        if self.facets is not None:
            data["facets"] = {name: [{"value": v.value, "count": v.count} for v in values] for name, values in self.facets.items()}
        if self.timeline is not None:
            data["timeline"] = [{"period": bar.period, "count": bar.count} for bar in self.timeline]
        return data


def search(index: SearchIndex, request: SearchRequest) -> SearchResult:
    """Run a search: ranked (or date-sorted) hits for one page, with snippets and, if asked, facets.

    When the query as typed finds nothing and its respelling finds something, the result
    is the respelling's, marked ``showing_suggestion`` (unless ``request.correct`` is off).
    """
    started = time.perf_counter()
    result = _search(index, request)
    if not result.total and result.suggestion and request.correct:
        corrected = _search(index, replace(request, q=result.suggestion))
        if corrected.total:
            seconds = round(time.perf_counter() - started, 4)
            return replace(corrected, query=request.q, suggestion=result.suggestion, showing_suggestion=True, seconds=seconds)
    return result


def _search(index: SearchIndex, request: SearchRequest) -> SearchResult:
    started = time.perf_counter()
    deadline = time.thread_time() + TIME_LIMIT_SECONDS
    request = request.validated()
    searcher = index.searcher()
    values = doc_values(searcher)
    parsed = index.queries.parse(request.q)
    window = request.page * request.page_size * (FOLD_WINDOW if request.fold else 1)
    allowed = _allowed(searcher, values, request)
    try:
        if parsed.words is not None:
            results, matched = _rank_words(searcher, values, parsed, request, allowed, window, deadline)
        else:
            query = expand(parsed.query, searcher.reader(), deadline)  # bounded before Whoosh builds its matchers
            results, matched = _whoosh_search(searcher, values, query, request, allowed, window, deadline)
    except TimeLimit:
        raise QueryError(f"the search took over {TIME_LIMIT_SECONDS:g} s and was stopped: make the query more specific") from None
    scored = request.sort == "relevance" and bool(request.q.strip())
    words = query_words(results.q, searcher.reader())
    top = results[:window]
    groups = fold(top, lambda hit: values.sketches[hit.docnum]) if request.fold else [(hit, []) for hit in top]
    first = (request.page - 1) * request.page_size
    hits = [
        replace(_hit(lead, scored, words), similar=[_hit(hit, scored) for hit in similar])
        for lead, similar in groups[first : first + request.page_size]
    ]
    facets = None
    if request.facets:
        counts = values.count_facets(matched)
        facets = {name: _facet_values(counts[name], name) for name in FACET_FIELDS}
    return SearchResult(
        query=request.q,
        total=len(matched),
        page=request.page,
        page_size=request.page_size,
        hits=hits,
        facets=facets,
        timeline=_timeline(facets) if facets is not None else None,
        suggestion=suggest(speller(index.index_dir, searcher.reader()), request.q, searcher.reader()) if request.q.strip() else None,
        seconds=round(time.perf_counter() - started, 4),
    )


def _rank_words(
    searcher: Searcher, values: DocValues, parsed: Parsed, request: SearchRequest, allowed: Allowed | None, window: int, deadline: float
) -> tuple[Results, np.ndarray]:
    """A query of plain words, scored term-at-a-time (wordrank.py): the top ``window``, and every match."""
    assert parsed.words is not None
    docnums, scores = rank_words(searcher, parsed.words, values, allowed.mask if allowed else None, window, deadline)
    if (newest_first := _by_date(request)) is not None:
        top = _dated(values, docnums, newest_first, window)
    else:
        if request.recency:
            scores = scores * RecencyWeighting(values.timestamps, values.newest).freshness(docnums)
        best = np.argpartition(-scores, window)[:window] if len(scores) > window else np.arange(len(scores))
        best = best[np.lexsort((docnums[best], -scores[best]))]  # ties go to the lower document number, as in Whoosh
        top = list(zip(scores[best].tolist(), docnums[best].tolist()))
    return Results(searcher, parsed.query, top), docnums


def _whoosh_search(
    searcher: Searcher, values: DocValues, query: q.Query, request: SearchRequest, allowed: Allowed | None, window: int, deadline: float
) -> tuple[Results, np.ndarray]:
    """Any other query, through Whoosh's matchers: the top ``window``, and every match."""
    if allowed is not None and not allowed.docs:  # Whoosh would read an empty filter as no filter
        return Results(searcher, query, []), np.zeros(0, dtype=np.int64)
    ranker = searcher
    if request.recency and request.sort == "relevance":
        weighting = RecencyWeighting(values.timestamps, values.newest)
        ranker = Searcher(searcher.reader(), weighting=weighting, closereader=False)
    # No block skipping nor matcher replacing, which drop matches that cannot make the top:
    # every match must reach _Matches, for the count and the facets.
    matches = _Matches(TopCollector(limit=window, usequality=False, replace=0), deadline)
    collector = FilterCollector(matches, allow=allowed.docs if allowed else None)
    ranker.search_with_collector(query, collector)
    matched = np.fromiter(sorted(matches.docs), dtype=np.int64, count=len(matches.docs))
    if (newest_first := _by_date(request)) is not None:
        return Results(searcher, query, _dated(values, matched, newest_first, window)), matched
    return collector.results(), matched


class _Matches(WrappingCollector):
    """Records every matching document, for the count and the facets, and stops a search
    that runs past its deadline.

    It goes under Whoosh's filter, so it sees only documents the filter lets through;
    Whoosh's TimeLimitCollector would have to wrap the filter, and in a server thread it
    cannot use its alarm signal.
    """

    def __init__(self, child: Collector, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline
        self.docs: set[int] = set()

    def collect(self, sub_docnum: int) -> Any:
        if time.thread_time() > self.deadline:
            raise TimeLimit
        self.docs.add(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


def _allowed(searcher: Searcher, values: DocValues, request: SearchRequest) -> Allowed | None:
    """The articles the request's filters let through, or None when it has none."""
    query = _filter(searcher, request)
    if query is None:
        return None
    return values.filters.get(repr(query), lambda: Allowed(searcher.docs_for_query(query), values.size))


def _filter(searcher: Searcher, request: SearchRequest) -> q.Query | None:
    clauses: list[q.Query] = []
    if request.sources:
        wanted = {s.lower() for s in request.sources}  # filters ignore case: every spelling matches
        spellings = [s for s in _terms(searcher, "source_facet") if s.lower() in wanted]
        clauses.append(q.Or([q.Term("source_facet", s) for s in spellings or request.sources]))
    for name, values in (("year", request.years), ("month", request.months), ("tags", request.tags)):
        if values:  # several values of one facet: any of them; different facets: all
            clauses.append(q.Or([q.Term(name, v.lower() if name == "tags" else v) for v in values]))
    if request.since or request.until:
        clauses.append(day_range(request.since, request.until))
    return q.And(clauses) if clauses else None


def _terms(searcher: Searcher, fieldname: str) -> list[str]:
    return [term.decode("utf-8") for term in searcher.lexicon(fieldname)]


def _by_date(request: SearchRequest) -> bool | None:
    """Whether hits are listed newest first (True) or oldest first (False); None: by relevance.
    An empty query lists the newest."""
    if request.sort == "relevance" and request.q.strip():
        return None
    return request.sort != "oldest"


def _dated(values: DocValues, docnums: np.ndarray, newest_first: bool, window: int) -> list[tuple[None, int]]:
    """The first ``window`` of ``docnums`` by date (undated last either way), as Whoosh's (score, docnum)."""
    return [(None, docnum) for docnum in values.by_date(docnums, newest_first)[:window].tolist()]


def _facet_values(counts: Counter[str], name: str) -> list[FacetValue]:
    values = [FacetValue(value, count) for value, count in counts.items()]
    if name in ("year", "month"):
        return sorted(values, key=lambda v: v.value)
    return sorted(values, key=lambda v: (-v.count, v.value))


def _timeline(facets: dict[str, list[FacetValue]]) -> list[TimelineBar]:
    """Matches per month, or per year when the months span more than three years; gaps are zero."""
    months = facets["month"]
    if not months:
        return []
    first, last = (int(y) * 12 + int(m) - 1 for y, m in (months[0].value.split("-"), months[-1].value.split("-")))
    if last - first >= TIMELINE_MAX_MONTHS:
        counts = {v.value: v.count for v in facets["year"]}
        return [TimelineBar(str(y), counts.get(str(y), 0)) for y in range(first // 12, last // 12 + 1)]
    counts = {v.value: v.count for v in months}
    periods = (f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(first, last + 1))
    return [TimelineBar(p, counts.get(p, 0)) for p in periods]


def _hit(hit: WhooshHit, scored: bool, words: frozenset[str] | None = None) -> Hit:
    """A hit as shown; with a snippet of its body marking ``words``, unless None (folded copies show none)."""
    stored = hit.fields()
    return Hit(
        id=stored["id"],
        title=stored["title"],
        display_title=display_title(stored["title"], stored.get("body", "")),
        date=stored.get("published"),
        source=stored.get("source", ""),
        tags=list(_tags(stored)),
        url=stored.get("url", ""),
        path=stored.get("path", ""),
        score=round(hit.score, 4) if scored and hit.score is not None else None,
        snippet=snippet(stored.get("body", ""), words) if words is not None else "",
    )


def _tags(stored: dict[str, Any]) -> tuple[str, ...]:
    return tuple(t for t in stored.get("tags", "").split(",") if t)


def get_article(index: SearchIndex, article_id: str) -> Article:
    """The stored article with this id, or ArticleNotFound."""
    stored = index.searcher().document(id=article_id)
    if stored is None:
        raise ArticleNotFound(article_id)
    return _article(stored)


def _article(stored: dict[str, Any]) -> Article:
    return Article(
        id=stored["id"],
        title=stored["title"],
        body=stored.get("body", ""),
        path=stored.get("path", ""),
        date=stored.get("published"),
        source=stored.get("source", ""),
        author=stored.get("author", ""),
        section=stored.get("section", ""),
        tags=_tags(stored),
        url=stored.get("url", ""),
    )


def related(index: SearchIndex, article_id: str, limit: int = 5) -> list[Hit]:
    """Articles most like this one (Whoosh's more-like-this on the body's key terms)."""
    searcher = index.searcher()
    docnum = searcher.document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(article_id)
    results = searcher.more_like(docnum, "body", top=limit, numterms=12)
    words = query_words(results.q, searcher.reader())
    return [_hit(hit, scored=True, words=words) for hit in results]
