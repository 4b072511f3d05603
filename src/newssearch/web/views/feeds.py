"""The Atom feed of a search and the OpenSearch description, with the absolute URLs they need."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import nh3
from flask import Response, current_app, request, url_for

from ...errors import NewssearchError
from ...search import Hit, SearchResult, search
from ..index import current_index, current_schema
from ..params import parse_search
from ..presenter import SearchLinks
from .base import web

FEED_SIZE = 20
ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?")
"""A syntactically valid host[:port]: DNS labels or an IPv4 address, or an [IPv6] address."""
_PATH = re.compile(r"[A-Za-z0-9._~/%-]*")
DEFAULT_PUBLIC_URL = "http://localhost"
"""Where absolute links point when no base URL is configured and the Host header is not a valid host[:port]."""


@web.get("/search.atom")
def atom_feed() -> Response:
    """The newest articles matching a search, for a feed reader."""
    schema = current_schema()
    search_request = replace(parse_search(request.args, schema, facets=False), sort="newest", page=1, page_size=FEED_SIZE)
    result = search(current_index(), search_request)
    return _xml(_atom(result, SearchLinks(request.args, schema)), "application/atom+xml")


def _atom(result: SearchResult, links: SearchLinks) -> ET.Element:
    now = datetime.now(UTC)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "title", f"newssearch: {result.query}" if result.query.strip() else "newssearch: newest articles")
    _add(feed, "id", public_url(links.feed()))
    times = [time for hit in result.hits if (time := _updated(hit)) is not None]
    _add(feed, "updated", _atom_time(max(times, default=now)))
    _add(feed, "link", rel="self", href=public_url(links.feed()))
    _add(feed, "link", rel="alternate", type="text/html", href=public_url(links.replacing("sort", "newest")))
    _add(_add(feed, "author"), "name", "newssearch")
    for hit in result.hits:
        entry = _add(feed, "entry")
        url = public_url(url_for("web.article_page", article_id=hit.id))
        _add(entry, "title", hit.display_title)
        _add(entry, "id", url)
        _add(entry, "link", href=url)
        _add(entry, "updated", _atom_time(_updated(hit) or now))
        _add(entry, "summary", nh3.clean(hit.snippet, tags=set()), type="html")  # escaped text, as Atom's "html" wants
        for tag in hit.tags:
            _add(entry, "category", term=tag)
    return feed


def _updated(hit: Hit) -> datetime | None:
    """An entry's time: the article's date, or for an undated one the time it entered the index
    (its file's modification time), stable from request to request so a reader does not
    show it as new each time; None only for an index without that time."""
    if hit.date is not None:
        return hit.date if hit.date.tzinfo else hit.date.replace(tzinfo=UTC)  # the archive's times carry no zone
    return hit.added


def _atom_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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
    base: str | None = current_app.config["NEWSSEARCH_BASE_URL"]
    if base is None:
        base = f"{request.scheme}://{request.host}" if _HOST.fullmatch(request.host) else DEFAULT_PUBLIC_URL
    return base + path.removeprefix(request.script_root)


def checked_base_url(url: str) -> str:
    """A public base URL as configured, without a trailing slash, or a NewssearchError saying what is wrong."""
    try:
        parts = urlsplit(url.strip())
        plain = not (parts.query or parts.fragment)
        valid = parts.scheme in ("http", "https") and _HOST.fullmatch(parts.netloc) and _PATH.fullmatch(parts.path) and plain
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
