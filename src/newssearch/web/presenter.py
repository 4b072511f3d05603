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
import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import nh3
from flask import url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..article import Article
from ..fields import Facet, Schema
from ..search import FacetValue, SearchIndex, SearchRequest, SearchResult, TimelineBar, search
from .params import filters, params

DATE_LABELS = {"from-date": "From", "to-date": "To"}
PAGE_SIZES = (10, 25, 50, 100)
"""The page sizes the page offers (``page-size``); the first is the default."""
VIEW_PARAMS = ("facet", "facet-q")
"""Parameters of the page only, not of the search: the facet shown in full (``facet``) and the
text its values are filtered by (``facet-q``). Kept in the page's links, left out of the
article, export and feed links."""
CHART_WIDTH, CHART_HEIGHT, MAX_BAR_WIDTH, MIN_BAR_HEIGHT = 600, 120, 48, 8.0
ALLOWED_TAGS = {"mark", "p"}
_MONTH = re.compile(r"\d{4}-\d{2}")


class SearchLinks:
    """URLs of the current search with one thing changed and every other parameter kept.

    Any change but a page number goes back to the first page.
    """

    def __init__(self, args: MultiDict[str, str], schema: Schema) -> None:
        self.schema = schema
        self.pairs = [(name, value) for name in (*params(schema), *VIEW_PARAMS) for value in args.getlist(name) if value.strip()]

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

    def page_size(self, size: int) -> str:
        """This search at ``size`` results a page, from the first page; the default size is left out of the URL."""
        return self.removing("page-size") if size == PAGE_SIZES[0] else self.replacing("page-size", str(size))

    def clearing_filters(self) -> str:
        return self._url(self._without("page", "from-date", "to-date", *filters(self.schema)))

    def showing_facet(self, name: str | None) -> str:
        """This page with the facet ``name`` listed in full (None: every facet back to its top values)."""
        pairs = self._without("facet", "facet-q")
        return self._url([*pairs, ("facet", name)] if name else pairs)

    def feed(self) -> str:
        return self._url(self._without("page", "sort", "page-size", *VIEW_PARAMS), "web.atom_feed")

    def export(self, form: str) -> str:
        """The export of every result of this search (up to the result window) as ``form``: csv or json."""
        return self._url(self._without("page", "page-size", *VIEW_PARAMS), f"web.api_export_{form}")

    def article(self, article_id: str, q: str | None = None) -> str:
        """An article's page carrying this search, so its "Results for ..." link returns to exactly these results.

        ``q``: the query the results are for, when not the one typed (results of a respelling:
        the article page marks the respelled words, and its way back finds the same results)."""
        pairs = self._without(*VIEW_PARAMS)
        if q is not None:
            pairs = [("q", q), *(pair for pair in pairs if pair[0] != "q")]
        return url_for("web.article_page", article_id=article_id) + self._query(pairs)

    def narrowing_to(self, bar: ChartBar) -> str:
        """The results of one bar of the timeline: its year or month filter; for a week or a day,
        From/To dates (kept within the dates already chosen: a week may start before them)."""
        if bar.unit in ("year", "month"):
            return self.replacing(bar.unit, bar.period)
        since = max([bar.start.isoformat(), *self.values("from-date")[:1]])  # ISO dates sort as dates
        until = min([bar.end.isoformat(), *self.values("to-date")[:1]])
        order = params(self.schema)
        pairs = [*self._without("page", "from-date", "to-date"), ("from-date", since), ("to-date", until)]
        return self._url(sorted(pairs, key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order)))  # spelled as the page's links are

    def results(self) -> str:
        """The results page this search came from: its query, filters, sort, page and page size."""
        return self._url(self._without(*VIEW_PARAMS))

    def hidden(self, *names: str) -> list[tuple[str, str]]:
        """The parameters a form must carry as hidden inputs, besides its own ``names``."""
        return self._without("page", *names)

    def chips(self) -> list[tuple[str, str, str]]:
        """(label, value as shown, URL without it) for each active filter: "Year", "Undated"; "Topic", "Mergers/Acquisitions"."""
        facets = {facet.param: facet for facet in self.schema.facets}
        labels = {param: facet.label for param, facet in facets.items()} | DATE_LABELS
        return [(labels[k], facets[k].label_of(v) if k in facets else v, self.removing(k, v)) for k, v in self.pairs if k in labels]

    def _without(self, *names: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.pairs if k not in names]

    def _url(self, pairs: list[tuple[str, str]], endpoint: str = "web.search_page") -> str:
        return url_for(endpoint) + self._query(pairs)

    @staticmethod
    def _query(pairs: list[tuple[str, str]]) -> str:
        return f"?{urlencode(pairs)}" if pairs else ""


@dataclass(frozen=True)
class FacetLink:
    value: str
    label: str  # what the page shows: the facet's readable label of the value (fields.Facet.label_of)
    count: int
    active: bool
    url: str  # adds the filter, or removes it when active


@dataclass(frozen=True)
class FacetGroup:
    name: str
    label: str
    param: str
    links: list[FacetLink]
    hidden: int = 0  # values left out of a facet shown by its top values: a "show all" link says how many
    expanded: bool = False  # listed in full (``facet=name``), and filtered by ``within`` when it is set
    within: str = ""

    @property
    def long(self) -> bool:
        """Whether the facet has more values than its limit: it gets "show all" and a filter box."""
        return self.hidden > 0 or self.expanded


def facet_groups(result: SearchResult, links: SearchLinks) -> list[FacetGroup]:
    """The facets beside the results; months only once a year or month is chosen.

    A facet shows its first ``Facet.shown`` values, or all of them when the page asks for it
    (``facet=tags``), narrowed to those containing ``facet-q`` (any case): "show more"
    and a filter box that work as plain links and a GET form.
    """
    expanded = links.values("facet")[:1]
    within = " ".join(links.values("facet-q")).strip()
    groups = []
    for facet in links.schema.facets:
        values = (result.facets or {}).get(facet.name, [])
        if not values or (facet.name == "month" and not links.values("year") + links.values("month")):
            continue
        chosen = {_folded(facet, value): value for value in links.values(facet.param)}
        if [facet.name] == expanded:
            listed = [v for v in values if within.lower() in f"{v.value} {facet.label_of(v.value)}".lower()]  # its code or its label
            links_ = [_facet_link(v, facet, chosen, links) for v in listed]
            groups.append(FacetGroup(facet.name, facet.label, facet.param, links_, expanded=True, within=within))
        else:
            listed = values[: facet.shown]
            listed += [v for v in values[len(listed) :] if _folded(facet, v.value) in chosen]  # a chosen value stays in sight
            links_ = [_facet_link(v, facet, chosen, links) for v in listed]
            groups.append(FacetGroup(facet.name, facet.label, facet.param, links_, hidden=len(values) - len(listed)))
    return groups


def _folded(facet: Facet, value: str) -> str:
    return value.lower() if facet.fold_case else value  # such a filter ignores case


def _facet_link(value: FacetValue, facet: Facet, chosen: dict[str, str], links: SearchLinks) -> FacetLink:
    spelled = chosen.get(_folded(facet, value.value))
    url = links.removing(facet.param, spelled) if spelled else links.adding(facet.param, value.value)
    return FacetLink(value.value, facet.label_of(value.value), value.count, spelled is not None, url)


@dataclass(frozen=True)
class ChartBar:
    """One bar of the timeline, in a CHART_WIDTH x CHART_HEIGHT drawing."""

    period: str
    count: int
    x: float
    width: float
    y: float
    height: float
    unit: str  # year, month, week or day (search.TimelineBar.unit)
    start: date
    end: date

    @property
    def label(self) -> str:
        """The count shown under the bar: short enough for a narrow bar (1,234 -> 1.2k)."""
        return f"{self.count}" if self.count < 1000 else f"{self.count / 1000:.{0 if self.count >= 10_000 else 1}f}k"


def timeline_chart(timeline: list[TimelineBar]) -> list[ChartBar]:
    """Bar geometry for the server-drawn SVG timeline; the tallest bar is full height."""
    if not timeline:
        return []
    tallest = max(bar.count for bar in timeline) or 1
    slot = CHART_WIDTH / len(timeline)
    width = min(slot * 0.8, MAX_BAR_WIDTH)
    bars = []
    for number, bar in enumerate(timeline):
        height = max(bar.count / tallest * CHART_HEIGHT, MIN_BAR_HEIGHT) if bar.count else 0.0  # one article still shows
        x = number * slot + (slot - width) / 2
        geometry = (round(x, 2), round(width, 2), round(CHART_HEIGHT - height, 2), round(height, 2))
        bars.append(ChartBar(bar.period, bar.count, *geometry, unit=bar.unit, start=bar.start, end=bar.end))
    return bars


def newest_month(index: SearchIndex) -> str | None:
    """The month ("1987-10") of the newest dated article in the index, from the month facet of
    an empty search; None when no article has a date. The no-results tips take their
    ``date:`` examples from it, so they always name dates the archive has."""
    facets = search(index, SearchRequest(page_size=1, fold=False, facets=True)).facets or {}
    months = [v.value for v in facets.get("month", []) if _MONTH.fullmatch(v.value)]
    return max(months, default=None)


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


def day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def period(value: str) -> str:
    """A timeline period or a month as read: '1987-03' -> 'March 1987', '1987-03-02' -> '2 March 1987',
    '1987-W10' -> 'week of 2 March 1987'; a year stays as it is (strptime would reject year 0000)."""
    year, _, rest = value.partition("-")
    if not rest or len(rest) == 2:  # a year or a month, as a filter may spell it (month=0000-03)
        return f"{calendar.month_name[int(rest)]} {year}" if rest else year
    bar = TimelineBar(value, 0)  # a week or a day of the timeline: real dates
    return f"week of {day(bar.start)}" if bar.unit == "week" else day(bar.start)


def article_html(index: SearchIndex, body: str, q: str) -> Markup:
    """The body as <p> paragraphs with the words of ``q`` in <mark>: escaped first, marked, then sanitised."""
    text = _highlighted(index, body, q) or str(escape(body))
    return clean_html("".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n")))


def _highlighted(index: SearchIndex, text: str, q: str) -> str:
    """``text`` escaped, with the query's words in <mark>; empty if none occurs (or q does not parse)."""
    return index.engine.mark(text, q) if q.strip() else ""


def tag_links(tags: tuple[str, ...], schema: Schema) -> list[tuple[str, str]]:
    """(label, URL of its filter) for each of an article's tags: ``place:usa`` -> ("USA", "/?place=usa");
    a tag no facet counts is shown as written, without a link ("")."""
    shown = []
    for tag in tags:
        found = schema.facet_of_tag(tag)
        if found is None:
            shown.append((tag, ""))
        else:
            facet, value = found
            shown.append((facet.label_of(value), url_for("web.search_page", **cast("dict[str, Any]", {facet.param: value}))))
    return shown


def article_dict(article: Article) -> dict[str, Any]:
    """The article's JSON; ``location`` (a record's line in its file) is the reader's, not the index's."""
    fields = {name: value for name, value in asdict(article).items() if name != "location"}
    return {
        **fields, "display_title": article.display_title,
        "date": article.date.isoformat() if article.date else None, "tags": list(article.tags),
    }  # fmt: skip
