"""Search results -> what the templates show: links that keep the search's state, facets, the timeline chart, article text.

Sanitising: archive text is untrusted. Jinja autoescapes every value; the only HTML that
reaches a template from the archive (snippets and article text: escaped text plus
``<mark>``) goes through ``clean_html``, an nh3 allow-list of ``<mark>`` and ``<p>``
without attributes. Links from article data are made only for http(s) URLs. nh3, not
bleach: bleach stopped all maintenance, security fixes included, on 2026-06-05; nh3
(Python bindings to the Rust sanitiser ammonia) is its maintained successor, and about
20x faster here.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import nh3
from flask import url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from whoosh.searching import TimeLimit

from ..article import Article
from ..errors import QueryError
from ..engine.whoosh.query import expand
from ..search import TIME_LIMIT_SECONDS, FacetValue, SearchResult, TimelineBar
from ..engine.whoosh.snippets import marked, query_words
from ..engine.whoosh.store import SearchIndex
from .params import FACET_PARAMS, FILTERS, PARAMS

LABELS = {"source": "Source", "year": "Year", "month": "Month", "tag": "Tag", "from-date": "From", "to-date": "To"}
FACET_LIMITS = {"source": 12, "year": None, "month": None, "tags": 20}
"""How many values of each facet to show, the most frequent first (None: all)."""
CHART_WIDTH, CHART_HEIGHT, MAX_BAR_WIDTH = 600, 120, 48
ALLOWED_TAGS = {"mark", "p"}


class SearchLinks:
    """URLs of the current search with one thing changed and every other parameter kept.

    Any change but a page number goes back to the first page.
    """

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.pairs = [(name, value) for name in PARAMS for value in args.getlist(name) if value.strip()]

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def adding(self, name: str, value: str) -> str:
        return self._url([*self._without("page"), (name, value)])

    def removing(self, name: str, value: str | None = None) -> str:
        """Without one value of a parameter, or without the parameter if ``value`` is None."""
        return self._url([(k, v) for k, v in self._without("page") if k != name or value not in (None, v)])

    def replacing(self, name: str, value: str) -> str:
        return self._url([*self._without("page", name), (name, value)])

    def respelled(self, q: str) -> str:
        """This search for ``q`` instead, with respelling back on (a did-you-mean link)."""
        return self._url([("q", q), *self._without("page", "q", "as-typed")])

    def toggling(self, name: str) -> str:
        """With ``name=1`` added, or removed if it is set: a switch such as the recency blend."""
        return self.removing(name) if self.values(name) == ["1"] else self.replacing(name, "1")

    def page(self, number: int) -> str:
        return self._url([*self._without("page"), *([("page", str(number))] if number > 1 else [])])

    def clearing_filters(self) -> str:
        return self._url(self._without("page", "from-date", "to-date", *FILTERS))

    def feed(self) -> str:
        return self._url(self._without("page", "sort", "page-size"), "web.atom_feed")

    def hidden(self, *names: str) -> list[tuple[str, str]]:
        """The parameters a form must carry as hidden inputs, besides its own ``names``."""
        return self._without("page", *names)

    def chips(self) -> list[tuple[str, str, str]]:
        """(label, value, URL without it) for each active filter."""
        names = (*FILTERS, "from-date", "to-date")
        return [(LABELS[k], v, self.removing(k, v)) for k, v in self.pairs if k in names]

    def _without(self, *names: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.pairs if k not in names]

    def _url(self, pairs: list[tuple[str, str]], endpoint: str = "web.search_page") -> str:
        return url_for(endpoint) + (f"?{urlencode(pairs)}" if pairs else "")


@dataclass(frozen=True)
class FacetLink:
    value: str
    count: int
    active: bool
    url: str  # adds the filter, or removes it when active


@dataclass(frozen=True)
class FacetGroup:
    name: str
    param: str
    links: list[FacetLink]


def facet_groups(result: SearchResult, links: SearchLinks) -> list[FacetGroup]:
    """The facets beside the results; months only once a year or month is chosen."""
    groups = []
    for name, values in (result.facets or {}).items():
        param = FACET_PARAMS[name]
        if not values or (name == "month" and not links.values("year") + links.values("month")):
            continue
        chosen = {value.lower(): value for value in links.values(param)}  # filters ignore case
        groups.append(FacetGroup(name, param, [_facet_link(v, param, chosen, links) for v in values[: FACET_LIMITS[name]]]))
    return groups


def _facet_link(value: FacetValue, param: str, chosen: dict[str, str], links: SearchLinks) -> FacetLink:
    spelled = chosen.get(value.value.lower())
    url = links.removing(param, spelled) if spelled else links.adding(param, value.value)
    return FacetLink(value.value, value.count, spelled is not None, url)


@dataclass(frozen=True)
class ChartBar:
    """One bar of the timeline, in a CHART_WIDTH x CHART_HEIGHT drawing."""

    period: str
    count: int
    x: float
    width: float
    y: float
    height: float

    @property
    def param(self) -> str:
        """The filter a click on this bar sets."""
        return "month" if "-" in self.period else "year"


def timeline_chart(timeline: list[TimelineBar]) -> list[ChartBar]:
    """Bar geometry for the server-drawn SVG timeline; the tallest bar is full height."""
    if not timeline:
        return []
    tallest = max(bar.count for bar in timeline) or 1
    slot = CHART_WIDTH / len(timeline)
    width = min(slot * 0.8, MAX_BAR_WIDTH)
    bars = []
    for number, bar in enumerate(timeline):
        height = max(bar.count / tallest * CHART_HEIGHT, 2.0) if bar.count else 0.0
        x = number * slot + (slot - width) / 2
        bars.append(ChartBar(bar.period, bar.count, round(x, 2), round(width, 2), round(CHART_HEIGHT - height, 2), round(height, 2)))
    return bars


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and a few around the current one; None marks a gap."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def clean_html(fragment: str) -> Markup:
    """Archive HTML made safe: only <mark> and <p> survive, without attributes; the rest is text."""
    return Markup(nh3.clean(fragment, tags=ALLOWED_TAGS, attributes={}))


def http_url(url: str) -> str | None:
    """The URL if it is an http(s) link, else None: a javascript: or data: URL never becomes a link."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def url_host(url: str) -> str:
    return urlsplit(url).hostname or url


def day(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def period(value: str) -> str:
    """'1987-03' -> 'March 1987'; a year stays as it is (strptime would reject year 0000)."""
    year, _, month = value.partition("-")
    return f"{calendar.month_name[int(month)]} {year}" if month else year


def article_html(index: SearchIndex, body: str, q: str) -> Markup:
    """The body as <p> paragraphs with the words of ``q`` in <mark>: escaped first, marked, then sanitised."""
    text = _highlighted(index, body, q) or str(escape(body))
    return clean_html("".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n")))


def _highlighted(index: SearchIndex, text: str, q: str) -> str:
    """``text`` escaped, with the query's words in <mark>; empty if none occurs (or q does not parse)."""
    if not q.strip():
        return ""
    reader = index.searcher().reader()
    try:
        parsed = expand(index.queries.build(q), reader, time.thread_time() + TIME_LIMIT_SECONDS)
    except (QueryError, TimeLimit):
        return ""
    return marked(text, query_words(parsed, reader))


def article_dict(article: Article) -> dict[str, Any]:
    """The article's JSON; ``location`` (a record's line in its file) is the reader's, not the index's."""
    fields = {name: value for name, value in asdict(article).items() if name != "location"}
    return {
        **fields, "display_title": article.display_title,
        "date": article.date.isoformat() if article.date else None, "tags": list(article.tags),
    }  # fmt: skip
