"""The web UI, JSON API, Atom feed and OpenSearch description: a thin Flask face over the search service.

Every route parses its parameters (one parser, ``parse_search``, for the page, the API
and the feed), calls the Python API and renders. The index is only read.

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
import sys
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import nh3
from gunicorn.app.base import BaseApplication
from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from whoosh.searching import TimeLimit

from .article import Article
from .errors import ArticleNotFound, IndexNotFound, IndexOutdated, NewssearchError, QueryError
from .engine.whoosh.query import expand
from .engine.whoosh.snippets import marked, query_words
from .search import SORTS, TIME_LIMIT_SECONDS, FacetValue, SearchRequest, SearchResult, TimelineBar, get_article, related, search
from .engine.whoosh.store import SearchIndex

FILTERS = {"source": "sources", "year": "years", "month": "months", "tag": "tags"}
"""Repeatable query parameter -> SearchRequest field. Values of one are OR'ed, different ones AND'ed."""
FACET_PARAMS = {"source": "source", "year": "year", "month": "month", "tags": "tag"}
"""Facet name in a SearchResult -> the parameter that filters by it."""
PARAMS = ("q", "as-typed", "sort", "recency", "fold", "page-size", "from-date", "to-date", *FILTERS, "page")
"""Every parameter of a search, in the order links spell them."""
LABELS = {"source": "Source", "year": "Year", "month": "Month", "tag": "Tag", "from-date": "From", "to-date": "To"}
FACET_LIMITS = {"source": 12, "year": None, "month": None, "tags": 20}
"""How many values of each facet to show, the most frequent first (None: all)."""
FEED_SIZE = 20
CHART_WIDTH, CHART_HEIGHT, MAX_BAR_WIDTH = 600, 120, 48
ALLOWED_TAGS = {"mark", "p"}

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a search query in our URLs never reaches another site
}
ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
"""A syntactically valid host[:port]: DNS labels or an IPv4 address, or an [IPv6] address."""
_PATH = re.compile(r"[A-Za-z0-9._~/%-]*")
DEFAULT_PUBLIC_URL = "http://localhost"
"""Where absolute links point when no base URL is configured and the Host header is not a valid host[:port]."""
SEARCH_SLOTS = {"any": 2, "heavy": 1}
"""Searches one server process runs at once (any), and of those, heavy ones (see
``_heavy``). A search is CPU-bound Python and the threads of a process share one core,
so more at once would only make each one slower; the other threads stay free to answer
cheap requests and to refuse quickly."""
SHALLOW_RESULTS = 100
_EXPANDING = re.compile(r"[*?\[\]{}]|\bTO\b")
"""Query syntax of wildcards and ranges, which expand to many words."""
SLOT_WAIT_SECONDS = {"any": 2.0, "heavy": 0.5}
"""How long a request waits for a slot of each lane before it is refused with 503 and
Retry-After: briefly for the heavy one, so that clients sending heavy searches without
pause do not keep every thread waiting."""
RETRY_AFTER_SECONDS = 2

web = Blueprint("web", __name__)


# Parameters -------------------------------------------------------------------------------


def parse_search(args: MultiDict[str, str], *, facets: bool) -> SearchRequest:
    """The SearchRequest that query parameters describe, or a QueryError naming the one to fix."""
    filters = {field: _values(args, name) for name, field in FILTERS.items()}
    _check_format(filters["years"], _YEAR, "year", "YYYY")
    _check_format(filters["months"], _MONTH, "month", "YYYY-MM")
    return SearchRequest(
        q=args.get("q", ""),
        page=_integer(args, "page", 1),
        page_size=_integer(args, "page-size", 10),
        sort=args.get("sort", "").strip() or "relevance",
        recency=args.get("recency") == "1",
        fold=args.get("fold") != "0",
        correct=args.get("as-typed") != "1",  # as-typed=1: no results of a respelling in place of none
        since=_day(args, "from-date"),
        until=_day(args, "to-date"),
        facets=facets,
        **filters,
    ).validated()


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))


def _check_format(values: tuple[str, ...], pattern: re.Pattern[str], name: str, form: str) -> None:
    for value in values:
        if not pattern.fullmatch(value):
            raise QueryError(f"{name} must be written {form}, not {value[:40]!r}")


def _integer(args: MultiDict[str, str], name: str, default: int) -> int:
    value = args.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value[:40]!r}") from None


def _day(args: MultiDict[str, str], name: str) -> date | None:
    value = args.get(name, "").strip()
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise QueryError(f"{name} must be a date written YYYY-MM-DD, not {value[:40]!r}") from None


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


# What the templates show --------------------------------------------------------------------


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


# Routes -------------------------------------------------------------------------------------


class _LazyIndex:
    """Opens the index on first use, so the server starts before the first reindex (and says so)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._index: SearchIndex | None = None

    def get(self) -> SearchIndex:
        if self._index is None:
            self._index = SearchIndex(self.index_dir)
        return self._index


def _index() -> SearchIndex:
    index: _LazyIndex = current_app.extensions["newssearch"]
    return index.get()


@web.get("/")
def search_page() -> str:
    search_request = parse_search(request.args, facets=True)
    result = search(_index(), search_request)
    links = SearchLinks(request.args)
    sorts = SORTS if search_request.q.strip() else tuple(s for s in SORTS if s != "relevance")  # no query: newest
    return render_template(
        "search.html",
        result=result,
        links=links,
        facets=facet_groups(result, links),
        chart=timeline_chart(result.timeline or []),
        sorts=sorts,
        sort=search_request.sort if search_request.sort in sorts else "newest",
    )


@web.get("/api/search")
def api_search() -> Response:
    return jsonify(search(_index(), parse_search(request.args, facets=True)).to_dict())


@web.get("/article/<path:article_id>", merge_slashes=False)  # ids may be URLs: keep their "//"
def article_page(article_id: str) -> str:
    index = _index()
    article = get_article(index, article_id)
    q = request.args.get("q", "")
    return render_template(
        "article.html", article=article, body=article_html(index, article.body, q), related=related(index, article_id), q=q
    )


@web.get("/api/article/<path:article_id>", merge_slashes=False)
def api_article(article_id: str) -> Response:
    index = _index()
    article = get_article(index, article_id)
    return jsonify(article_dict(article) | {"related": [hit.to_dict() for hit in related(index, article_id)]})


@web.get("/search.atom")
def atom_feed() -> Response:
    """The newest articles matching a search, for a feed reader."""
    search_request = replace(parse_search(request.args, facets=False), sort="newest", page=1, page_size=FEED_SIZE)
    result = search(_index(), search_request)
    return _xml(_atom(result, SearchLinks(request.args)), "application/atom+xml")


def _atom(result: SearchResult, links: SearchLinks) -> ET.Element:
    now = datetime.now(timezone.utc)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", f"newssearch: {result.query}" if result.query.strip() else "newssearch: newest articles")
    _add(feed, "id", public_url(links.feed()))
    _add(feed, "updated", _atom_time(max((hit.date for hit in result.hits if hit.date), default=now)))
    _add(feed, "link", rel="self", href=public_url(links.feed()))
    _add(feed, "link", rel="alternate", type="text/html", href=public_url(links.replacing("sort", "newest")))
    _add(_add(feed, "author"), "name", "newssearch")
    for hit in result.hits:
        entry = _add(feed, "entry")
        url = public_url(url_for("web.article_page", article_id=hit.id))
        _add(entry, "title", hit.display_title)
        _add(entry, "id", url)
        _add(entry, "link", href=url)
        _add(entry, "updated", _atom_time(hit.date or now))
        _add(entry, "summary", nh3.clean(hit.snippet, tags=set()), type="html")  # escaped text, as Atom's "html" wants
        for tag in hit.tags:
            _add(entry, "category", term=tag)
    return feed


def _atom_time(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # the archive's times carry no zone
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@web.get("/opensearch.xml")
def opensearch() -> Response:
    """Lets browsers add the archive as a search engine."""
    description = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription")
    _add(description, "ShortName", "newssearch", ns=OPENSEARCH)
    _add(description, "Description", "Full-text search of the news archive", ns=OPENSEARCH)
    _add(description, "InputEncoding", "UTF-8", ns=OPENSEARCH)
    _add(description, "Image", public_url(url_for("static", filename="favicon.svg")), ns=OPENSEARCH, type="image/svg+xml")
    for kind, endpoint in (("text/html", "web.search_page"), ("application/atom+xml", "web.atom_feed")):
        _add(description, "Url", ns=OPENSEARCH, type=kind, method="get", template=public_url(url_for(endpoint)) + "?q={searchTerms}")
    _add(description, "Url", ns=OPENSEARCH, type="application/opensearchdescription+xml", rel="self", template=public_url(url_for("web.opensearch")))
    return _xml(description, "application/opensearchdescription+xml")


def public_url(path: str) -> str:
    """The absolute URL of ``path`` (as ``url_for`` gives it) for feeds and OpenSearch.

    Never built from an unchecked Host header, which a client chooses: from the
    configured base URL; without one, from the Host header only if it is a valid
    host[:port]; otherwise from DEFAULT_PUBLIC_URL.
    """
    base = current_app.config["NEWSSEARCH_BASE_URL"]
    if base is None:
        base = f"{request.scheme}://{request.host}" if _HOST.fullmatch(request.host) else DEFAULT_PUBLIC_URL
    return base + path.removeprefix(request.script_root)


def checked_base_url(url: str) -> str:
    """A public base URL as configured, without a trailing slash, or a NewssearchError saying what is wrong."""
    try:
        parts = urlsplit(url.strip())
        valid = parts.scheme in ("http", "https") and _HOST.fullmatch(parts.netloc) and _PATH.fullmatch(parts.path) and not (parts.query or parts.fragment)
    except ValueError:
        valid = False
    if not valid:
        raise NewssearchError(f"the base URL must be http(s)://host[:port][/path], for example https://news.example.org, not {url[:80]!r}")
    return url.strip().rstrip("/")


def _add(parent: ET.Element, tag: str, text: str | None = None, ns: str = ATOM, **attributes: str) -> ET.Element:
    """A child element; characters XML cannot hold (control characters) are dropped from its text."""
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attributes)
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _xml(root: ET.Element, mimetype: str) -> Response:
    ET.register_namespace("", root.tag[1:].split("}")[0])
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), mimetype=mimetype)


# Errors and headers -------------------------------------------------------------------------


def _error_response(status: int, title: str, message: str, command: str = "") -> tuple[Response | str, int]:
    """A JSON error under /api/, a friendly page elsewhere (with a command to run, if one helps); never a traceback."""
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, title=title, message=message, command=command), status


def _bad_request(error: QueryError) -> tuple[Response | str, int]:
    return _error_response(400, "Please check the search", str(error))


def _not_found(error: ArticleNotFound) -> tuple[Response | str, int]:
    return _error_response(404, "Article not found", str(error))


def _no_index(error: IndexNotFound | IndexOutdated) -> tuple[Response | str, int]:
    index: _LazyIndex = current_app.extensions["newssearch"]
    command = f"newssearch reindex --archive ARCHIVE-FOLDER --index {index.index_dir}"
    return _error_response(503, "The archive is not indexed yet", str(error), command + (" --full" if isinstance(error, IndexOutdated) else ""))


class _Busy(Exception):
    """Every search slot of a lane of this server process stayed taken for its SLOT_WAIT_SECONDS."""


@web.before_request
def _take_slot() -> None:
    """Wait briefly for a search slot: a saturated server refuses at once instead of queueing without end.

    A search that may cost up to its limits (wildcards, ranges, a deep page) first needs
    the one heavy slot, so clients sending such searches without pause are refused
    quickly and never hold every slot: everyday searches still get their turn.
    """
    lanes: dict[str, threading.BoundedSemaphore] = current_app.extensions["newssearch.slots"]
    g.search_slots = []
    for lane in ("heavy", "any") if _heavy(request.args) else ("any",):
        if not lanes[lane].acquire(timeout=SLOT_WAIT_SECONDS[lane]):
            raise _Busy
        g.search_slots.append(lanes[lane])


@web.teardown_request
def _give_slot(_: BaseException | None) -> None:
    for slot in g.pop("search_slots", []):
        slot.release()


def _heavy(args: MultiDict[str, str]) -> bool:
    """Whether a request's search may cost up to its limits: wildcards or ranges, or a page past the first hundred results."""
    try:
        deep = int(args.get("page", 1)) * int(args.get("page-size", 10)) > SHALLOW_RESULTS
    except ValueError:  # the search refuses it before any work
        deep = False
    return deep or _EXPANDING.search(args.get("q", "")) is not None


def _busy(_: _Busy) -> tuple[Response | str, int, dict[str, str]]:
    body, status = _error_response(503, "The server is busy", f"Too many searches at once; try again in {RETRY_AFTER_SECONDS} seconds.")
    return body, status, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    message = "Something went wrong on our side." if status >= 500 else (error.description or error.name)
    return _error_response(status, error.name, message)


def _security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


# The app ------------------------------------------------------------------------------------


def create_app(index_dir: str | Path, base_url: str | None = None) -> Flask:
    """The Flask app serving the index in ``index_dir``; templates and static files come from newssearch.webui.

    ``base_url`` is the public address of the server's / (https://news.example.org),
    used for the absolute links of feeds and the OpenSearch description.
    """
    webui = files("newssearch.webui")
    app = Flask(__name__, template_folder=str(webui / "templates"), static_folder=str(webui / "static"))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the API's own field order
    app.config["NEWSSEARCH_BASE_URL"] = checked_base_url(base_url) if base_url else None
    app.extensions["newssearch"] = _LazyIndex(Path(index_dir))
    app.extensions["newssearch.slots"] = {lane: threading.BoundedSemaphore(n) for lane, n in SEARCH_SLOTS.items()}
    app.register_blueprint(web)
    app.register_error_handler(_Busy, _busy)
    app.register_error_handler(QueryError, _bad_request)
    app.register_error_handler(ArticleNotFound, _not_found)
    app.register_error_handler(IndexNotFound, _no_index)
    app.register_error_handler(IndexOutdated, _no_index)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_security_headers)
    app.jinja_env.filters.update(clean=clean_html, http_url=http_url, host=url_host, day=day, period=period)
    app.jinja_env.globals.update(page_numbers=page_numbers, chart_size=(CHART_WIDTH, CHART_HEIGHT), labels=LABELS)
    return app


def serve(
    index_dir: str | Path, host: str = "127.0.0.1", port: int = 5000, workers: int = 2, threads: int = 4, debug: bool = False, base_url: str | None = None
) -> None:
    """Serve the app: gunicorn with ``workers`` processes of ``threads`` threads, or Flask's debugger and reloader with ``debug``.

    A search is CPU-bound Python: the threads of one process take turns under the GIL,
    so it takes a process per core to use every core.
    """
    app = create_app(index_dir, base_url)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    print(f"Serving the index in {index_dir} at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Gunicorn(app, bind=address, workers=workers, threads=threads, worker_class="gthread", loglevel="warning").run()


class _Gunicorn(BaseApplication):
    """Gunicorn started from Python with this app and these settings, not from its command line."""

    def __init__(self, app: Flask, **settings: Any) -> None:
        self.app, self.settings = app, settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        return self.app
