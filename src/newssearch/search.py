"""The search service: one function from a request to a result, shared by CLI, web and API.

Engine-neutral: it validates a request against the table of fields and facets
(fields.py), asks the engine (engine/base.py) for the matches, folds near-duplicates,
cuts the page, and builds the one ``SearchResult`` contract, whichever the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .article import Article, display_title
from .duplicates import fold
from .engine import open_engine
from .engine.base import Engine, Match, Query
from .errors import ArticleNotFound, QueryError
from .fields import SCHEMA, Schema

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
TIMELINE_MAX_DAYS = 31
"""Spans of at most this many days (a month chosen, or From/To dates within one) are drawn per day."""
TIMELINE_MAX_WEEK_DAYS = 92
"""Spans of up to about three months are drawn per week (ISO weeks, Monday to Sunday)."""


@dataclass(frozen=True)
class SearchRequest:
    """What to search for. Every field has a default, so ``SearchRequest("cocoa")`` works."""

    q: str = ""
    page: int = 1
    page_size: int = 10
    sort: str = "relevance"
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Facet name (fields.py) -> values: any of a facet's values, all of the facets ({"source": ("Reuters",)})."""
    since: date | None = None
    until: date | None = None
    recency: bool = False  # blend relevance with freshness (the engine's ranking)
    fold: bool = True  # fold near-duplicates into the best-ranked copy (see duplicates.py)
    facets: bool = False
    correct: bool = True  # when the query finds nothing and its respelling does, show the respelling's results

    def validated(self, schema: Schema = SCHEMA) -> SearchRequest:
        """This request, or a QueryError naming the parameter to fix."""
        for name, values in self.filters.items():
            try:
                facet = schema.facet(name)
            except KeyError:
                raise QueryError(f"unknown filter {name!r}; use one of: {', '.join(f.name for f in schema.facets)}") from None
            for value in values:
                if (problem := facet.check(value)) is not None:
                    raise QueryError(problem)
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
    added: datetime | None = None  # when the article entered the index (fields.py ``added``), in UTC; None if the index lacks it
    similar: list[Hit] = field(default_factory=list)  # near-duplicates folded into this hit

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: asdict deep-copies, a cost per hit
        data["date"] = self.date.isoformat() if self.date else None
        data["added"] = self.added.isoformat() if self.added else None
        data["similar"] = [hit.to_dict() for hit in self.similar]
        return data


@dataclass
class FacetValue:
    value: str
    count: int


@dataclass
class TimelineBar:
    """Matching articles in one year ("1987"), month ("1987-03"), ISO week ("1987-W10") or day ("1987-03-02")."""

    period: str
    count: int

    @property
    def unit(self) -> str:
        """year, month, week or day: what the period is."""
        if "W" in self.period:
            return "week"
        return ("year", "month", "day")[self.period.count("-")]

    @property
    def start(self) -> date:
        """The period's first day."""
        match self.unit:
            case "year":
                return date(int(self.period), 1, 1)
            case "month":
                return date.fromisoformat(f"{self.period}-01")
            case "week":
                year, week = self.period.split("-W")
                return date.fromisocalendar(int(year), int(week), 1)
        return date.fromisoformat(self.period)

    @property
    def end(self) -> date:
        """The period's last day."""
        match self.unit:
            case "year":
                return date(int(self.period), 12, 31)
            case "month":
                following = self.start.replace(day=28) + timedelta(days=4)
                return following - timedelta(days=following.day)
            case "week":
                return self.start + timedelta(days=6)
        return self.start


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
    undated: int | None = None  # with the timeline: matches without a date, which it leaves out
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
            data["timeline"] = [
                {"period": bar.period, "count": bar.count, "start": bar.start.isoformat(), "end": bar.end.isoformat()} for bar in self.timeline
            ]
            data["undated"] = self.undated
        return data


class SearchIndex:
    """A read-only handle on an index, shared by the CLI, the web app and the API: its engine
    (``open_engine``: Whoosh in ``index_dir`` unless NEWSSEARCH_ENGINE says otherwise) and
    the table of fields and facets it was built with. Thread-safe; close it when done
    (``close()`` or ``with``): it holds open files (or connections)."""

    def __init__(self, index_dir: str | Path, schema: Schema = SCHEMA, engine: Engine | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.schema = schema
        self.engine = engine if engine is not None else open_engine(self.index_dir, schema)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


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
    request = request.validated(index.schema)
    query = Query(
        text=request.q, filters={name: values for name, values in request.filters.items() if values},
        since=request.since, until=request.until, sort=request.sort,  # type: ignore[arg-type]  # validated
        recency=request.recency, window=request.page * request.page_size * (FOLD_WINDOW if request.fold else 1),
        facets=request.facets, days=request.facets, deadline=time.thread_time() + TIME_LIMIT_SECONDS,
    )  # fmt: skip
    matches = index.engine.search(query)
    groups = fold(matches.hits, lambda match: match.sketch) if request.fold else [(match, []) for match in matches.hits]
    first = (request.page - 1) * request.page_size
    page = groups[first : first + request.page_size]
    snippets = matches.snippets([lead for lead, _ in page]) if page else []
    hits = [replace(_hit(lead, snippet), similar=[_hit(match) for match in similar]) for (lead, similar), snippet in zip(page, snippets, strict=True)]
    facets, timeline, undated = None, None, None
    if matches.facets is not None:
        counts = {**matches.facets, **_selected_facet_counts(index, query)}
        facets = {facet.name: _facet_values(counts.get(facet.name, {}), facet.order) for facet in index.schema.facets}
        dated = matches.days if matches.days is not None else _months(matches.facets)
        timeline, undated = _timeline(dated), matches.total - sum(dated.values())
    return SearchResult(
        query=request.q,
        total=matches.total,
        page=request.page,
        page_size=request.page_size,
        hits=hits,
        facets=facets,
        timeline=timeline,
        undated=undated,
        suggestion=index.engine.suggest(request.q) if request.q.strip() else None,
        seconds=round(time.perf_counter() - started, 4),
    )


def _facet_values(counts: Mapping[str, int], order: str) -> list[FacetValue]:
    values = [FacetValue(value, count) for value, count in counts.items() if count]
    if order == "value":
        return sorted(values, key=lambda v: v.value)
    return sorted(values, key=lambda v: (-v.count, v.value))


def _selected_facet_counts(index: SearchIndex, query: Query) -> dict[str, Mapping[str, int]]:
    """The counts of each facet a value is chosen in, as if none were: every other filter
    applied, not its own (values of a facet OR'ed, facets AND'ed), so its other values stay
    listed with what choosing them too would add, as InstantSearch's refinement lists do.

    One count-only search (no hits) per such facet: at most one per facet of the table,
    all within the request's one deadline."""
    counts: dict[str, Mapping[str, int]] = {}
    for name in query.filters:
        others = {other: values for other, values in query.filters.items() if other != name}
        unfiltered = index.engine.search(replace(query, filters=others, window=0, days=False))
        counts[name] = (unfiltered.facets or {}).get(name, {})
    return counts


def _months(facets: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Matches per month from the month facet ("YYYY-MM" -> count): the timeline of an engine
    that does not count days (base.Query.days)."""
    return dict(facets.get("month", {}))


def _timeline(dated: Mapping[str, int]) -> list[TimelineBar]:
    """Matches per day ("YYYY-MM-DD" -> count; or per month, "YYYY-MM") as bars: per day when
    they span a month or less, per week up to about three months, per month up to three
    years, else per year. Gaps are zero."""
    if not dated:
        return []
    by_day = len(next(iter(dated))) == 10
    first, last = TimelineBar(min(dated), 0).start, TimelineBar(max(dated), 0).end
    span = (last - first).days + 1
    period: Callable[[date], str]
    if (last.year - first.year) * 12 + last.month - first.month >= TIMELINE_MAX_MONTHS:
        period, periods = _year, [str(year) for year in range(first.year, last.year + 1)]
    elif by_day and span <= TIMELINE_MAX_WEEK_DAYS:
        period = _day if span <= TIMELINE_MAX_DAYS else _week
        periods = [period(first + timedelta(days=n)) for n in range(span)]
    else:
        period, months = _month, range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        periods = [_month(date(month // 12, month % 12 + 1, 1)) for month in months]
    counts = dict.fromkeys(periods, 0)
    if period is _year or period is _month:  # the days of a month share a bar: added up per month first (a decade has thousands)
        per_month: dict[str, int] = {}
        for value, count in dated.items():
            per_month[value[:7]] = per_month.get(value[:7], 0) + count
        dated = per_month
    for value, count in dated.items():
        counts[period(TimelineBar(value, 0).start)] += count
    return [TimelineBar(p, c) for p, c in counts.items()]


def _year(day: date) -> str:
    return f"{day.year:04d}"


def _day(day: date) -> str:
    return day.isoformat()


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _month(day: date) -> str:
    return f"{day:%Y-%m}"


def _hit(match: Match, snippet: str = "") -> Hit:
    """A match as shown, with its snippet (folded copies show none)."""
    stored = match.stored
    return Hit(
        id=match.id,
        title=stored.get("title", ""),
        display_title=display_title(stored.get("title", ""), stored.get("body", "")),
        date=stored.get("date"),
        source=stored.get("source", ""),
        tags=list(stored.get("tags", ())),
        url=stored.get("url", ""),
        path=stored.get("path", ""),
        score=round(match.score, 4) if match.score is not None else None,
        snippet=snippet,
        added=datetime.fromtimestamp(added, UTC) if (added := stored.get("added")) is not None else None,
    )


def get_article(index: SearchIndex, article_id: str) -> Article:
    """The stored article with this id, or ArticleNotFound."""
    stored = index.engine.get(article_id)
    if stored is None:
        raise ArticleNotFound(article_id)
    return Article(
        id=stored["id"],
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        path=stored.get("path", ""),
        date=stored.get("date"),
        source=stored.get("source", ""),
        author=stored.get("author", ""),
        section=stored.get("section", ""),
        tags=tuple(stored.get("tags", ())),
        url=stored.get("url", ""),
    )


def related(index: SearchIndex, article_id: str, limit: int = 5) -> list[Hit]:
    """Articles most like this one (the engine's more-like-this), or ArticleNotFound."""
    matches = index.engine.related(article_id, limit)
    return [_hit(match, snippet) for match, snippet in zip(matches.hits, matches.snippets(matches.hits), strict=True)]
