"""The app factory: the Flask app serving one index, with its views, error handlers, headers and template helpers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from ..errors import ArticleNotFound, IndexNotFound, IndexOutdated, QueryError
from ..fields import SCHEMA, Schema
from . import assets
from .errors import bad_request, http_error, no_index, not_found
from .index import LazyIndex
from .presenter import CHART_HEIGHT, CHART_WIDTH, clean_html, day, http_url, page_numbers, period, url_host
from .slots import Busy, busy_response, slot_lanes
from .views import web
from .views.feeds import checked_base_url

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # a search query in our URLs never reaches another site
}


def create_app(index_dir: str | Path, base_url: str | None = None, schema: Schema = SCHEMA, engine: str | None = None) -> Flask:
    """The Flask app serving the index in ``index_dir``; templates and static files come from newssearch.webui.

    ``base_url`` is the public address of the server's / (https://news.example.org),
    used for the absolute links of feeds and the OpenSearch description. ``schema``, the
    index's table of fields and facets, gives the page its filters, their labels and facets.
    ``engine`` names the search engine (``open_engine``; default: NEWSSEARCH_ENGINE, else Whoosh).
    """
    webui = files("newssearch.webui")
    app = Flask(__name__, template_folder=str(webui / "templates"), static_folder=str(webui / "static"))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the API's own field order
    app.config["NEWSSEARCH_BASE_URL"] = checked_base_url(base_url) if base_url else None
    app.extensions["newssearch"] = LazyIndex(Path(index_dir), schema, engine)
    app.extensions["newssearch.slots"] = slot_lanes()
    app.register_blueprint(web)
    assets.init_app(app)
    app.register_error_handler(Busy, busy_response)
    app.register_error_handler(QueryError, bad_request)
    app.register_error_handler(ArticleNotFound, not_found)
    app.register_error_handler(IndexNotFound, no_index)
    app.register_error_handler(IndexOutdated, no_index)
    app.register_error_handler(HTTPException, http_error)
    app.after_request(_security_headers)
    app.jinja_env.filters.update(clean=clean_html, http_url=http_url, host=url_host, day=day, period=period)
    app.jinja_env.globals.update(page_numbers=page_numbers, chart_size=(CHART_WIDTH, CHART_HEIGHT))
    return app


def _security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response
