"""The search service: one function from a request to a result, shared by CLI, web and API."""

from __future__ import annotations

import html
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from whoosh import query as q
from whoosh import sorting
from whoosh.collectors import Collector, TimeLimit, WrappingCollector
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.searching import Hit as WhooshHit, Results, Searcher

from .article import Article
from .duplicates import fold
from .errors import ArticleNotFound, QueryError
from .schema import TAG_SEPARATOR, day_range
from .ranking import recency_searcher
from .spelling import suggest
from .store import SearchIndex

SORTS = ("relevance", "newest", "oldest")
MAX_PAGE_SIZE = 100
TIME_LIMIT_SECONDS = 5.0
"""A pathological query is cut off after this long instead of tying up a server thread."""
FOLD_WINDOW = 3
"""Hits fetched per hit shown when folding near-duplicates, so a page stays full."""
SNIPPET_CHARS = 300
FACET_FIELDS = {"source": "source_facet", "year": "year", "month": "month", "tags": "tagset"}
"""Facet name in results -> the column it counts."""
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

    def validated(self) -> SearchRequest:
        """This request, or a QueryError naming the parameter to fix."""
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of: {', '.join(SORTS)}")
        if self.page < 1:
            raise QueryError(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {self.page_size}")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"the start date {self.since} is after the end date {self.until}")
        return self


@dataclass
class Hit:
    id: str
    title: str
    date: datetime | None
    source: str
    tags: list[str]
    url: str
    path: str
    score: float | None
    snippet: str  # HTML: escaped text with the matched words in <mark>
    similar: list[Hit] = field(default_factory=list)  # near-duplicates folded into this hit

    def to_dict(self) -> dict[str, Any]:
        data = {**asdict(self), "date": self.date.isoformat() if self.date else None}
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
    suggestion: str | None = None  # "did you mean": the query respelled from the index's vocabulary

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

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
        }
        if self.facets is not None:
            data["facets"] = {name: [asdict(v) for v in values] for name, values in self.facets.items()}
        if self.timeline is not None:
            data["timeline"] = [asdict(bar) for bar in self.timeline]
        return data


class _MarkFormatter(HtmlFormatter):
    """Whoosh's HTML formatter (which escapes the text) with plain <mark> around matches."""

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{self._text(token.text if replace else text[token.startchar : token.endchar])}</mark>"


_FORMATTER = _MarkFormatter(between=" … ")
_FRAGMENTER = ContextFragmenter(maxchars=SNIPPET_CHARS // 2, surround=60, charlimit=None)  # None: long articles too


def search(index: SearchIndex, request: SearchRequest) -> SearchResult:
    """Run a search: ranked (or date-sorted) hits for one page, with snippets and, if asked, facets."""
    started = time.perf_counter()
    request = request.validated()
    searcher = index.searcher()
    parsed = index.queries.build(request.q)
    ranker = recency_searcher(searcher) if request.recency and request.sort == "relevance" else searcher
    window = request.page * request.page_size * (FOLD_WINDOW if request.fold else 1)
    collector = ranker.collector(
        limit=window,
        filter=_filter(searcher, request),
        sortedby=_sort_facet(request),
        groupedby=_facets() if request.facets else None,
    )
    try:
        ranker.search_with_collector(parsed, _with_deadline(collector))
    except TimeLimit:
        raise QueryError(f"the search took over {TIME_LIMIT_SECONDS:g} s and was stopped: make the query more specific") from None
    results = collector.results()
    _use_snippets(results)
    scored = request.sort == "relevance" and bool(request.q.strip())
    groups = _fold(searcher, results[:window]) if request.fold else [(hit, []) for hit in results[:window]]
    first = (request.page - 1) * request.page_size
    hits = [
        replace(_hit(lead, scored), similar=[_hit(hit, scored, snippet="") for hit in similar])
        for lead, similar in groups[first : first + request.page_size]
    ]
    facets = {name: _facet_values(results.groups(name), name) for name in FACET_FIELDS} if request.facets else None
    return SearchResult(
        query=request.q,
        total=len(results),
        page=request.page,
        page_size=request.page_size,
        hits=hits,
        facets=facets,
        timeline=_timeline(facets) if facets is not None else None,
        suggestion=suggest(searcher, request.q) if request.q.strip() else None,
        seconds=round(time.perf_counter() - started, 4),
    )


class _Deadline(WrappingCollector):
    """Stops a search that runs past its deadline, checked at every document collected.

    Whoosh's TimeLimitCollector must wrap the whole collector chain, where it skips the
    filter (FilterCollector) and, in a server thread, cannot use its alarm signal.
    """

    def __init__(self, child: Collector) -> None:
        super().__init__(child)
        self.deadline = time.monotonic() + TIME_LIMIT_SECONDS

    def collect(self, sub_docnum: int) -> Any:
        if time.monotonic() > self.deadline:
            raise TimeLimit
        return self.child.collect(sub_docnum)

    def computes_count(self) -> bool:  # as the collector it wraps: FilterCollector asks
        return self.child.computes_count()


def _with_deadline(collector: Collector) -> Collector:
    """Insert a deadline under the innermost wrapper, where every matching document passes."""
    holder = collector
    while isinstance(holder, WrappingCollector) and isinstance(holder.child, WrappingCollector):
        holder = holder.child
    if not isinstance(holder, WrappingCollector):
        return _Deadline(collector)
    holder.child = _Deadline(holder.child)
    return collector


def _fold(searcher: Searcher, hits: list[WhooshHit]) -> list[tuple[WhooshHit, list[WhooshHit]]]:
    sketches = searcher.reader().column_reader("sketch")
    return fold(hits, lambda hit: sketches[hit.docnum])


def _use_snippets(results: Results) -> Results:
    results.fragmenter, results.formatter = _FRAGMENTER, _FORMATTER
    return results


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


def _sort_facet(request: SearchRequest) -> sorting.FacetType | None:
    if request.sort == "relevance" and request.q.strip():
        return None
    # Undated articles last, whichever the direction; an empty query lists the newest.
    newest_first = request.sort != "oldest"
    return sorting.MultiFacet([sorting.FieldFacet("undated"), sorting.FieldFacet("timestamp", reverse=newest_first)])


def _facets() -> dict[str, sorting.FacetType]:
    return {name: sorting.FieldFacet(field, maptype=sorting.Count) for name, field in FACET_FIELDS.items()}


def _facet_values(groups: dict[Any, int], name: str) -> list[FacetValue]:
    counts: Counter[str] = Counter()
    for key, count in groups.items():
        # Tags are counted per set of tags (a column read, fast), then per tag here.
        for value in _text(key).split(TAG_SEPARATOR) if name == "tags" else [_text(key)]:
            counts[value] += count
    values = [FacetValue(value, count) for value, count in counts.items() if value]
    if name in ("year", "month"):
        return sorted(values, key=lambda v: v.value)
    return sorted(values, key=lambda v: (-v.count, v.value))


def _text(key: Any) -> str:
    if key is None:
        return ""
    return key.decode("utf-8") if isinstance(key, bytes) else str(key)


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


def _hit(hit: WhooshHit, scored: bool, snippet: str | None = None) -> Hit:
    stored = hit.fields()
    if snippet is None:
        snippet = " ".join((hit.highlights("body", top=2) or _lead(stored["body"])).split())
    return Hit(
        id=stored["id"],
        title=stored["title"],
        date=stored.get("published"),
        source=stored.get("source", ""),
        tags=list(_tags(stored)),
        url=stored.get("url", ""),
        path=stored.get("path", ""),
        score=round(hit.score, 4) if scored and hit.score is not None else None,
        snippet=snippet,
    )


def _tags(stored: dict[str, Any]) -> tuple[str, ...]:
    return tuple(t for t in stored.get("tags", "").split(",") if t)


def _lead(body: str) -> str:
    """The opening of an article, escaped, for hits whose body has no matched word."""
    return html.escape(body[:SNIPPET_CHARS].rsplit(" ", 1)[0] + (" …" if len(body) > SNIPPET_CHARS else ""), quote=False)


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
    results = _use_snippets(searcher.more_like(docnum, "body", top=limit, numterms=12))
    return [_hit(hit, scored=True) for hit in results]
