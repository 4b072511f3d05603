"""The JSON API: a search, its export (CSV or JSON), and an article with its related articles."""

from __future__ import annotations

from flask import Response, jsonify, request

from ...search import get_article, related, search
from ..export import export_hits, filename, to_csv, to_json
from ..index import current_index, current_schema
from ..params import parse_search
from ..presenter import article_dict
from .base import web


@web.get("/api/search")
def api_search() -> Response:
    return jsonify(search(current_index(), parse_search(request.args, current_schema(), facets=True)).to_dict())


@web.get("/api/export.csv")
def api_export_csv() -> Response:
    """Every result of the search (up to the result window) as a CSV download."""
    result, hits = export_hits(current_index(), parse_search(request.args, current_schema(), facets=False))
    return _download(Response(to_csv(hits), mimetype="text/csv"), filename(result, "csv"))


@web.get("/api/export.json")
def api_export_json() -> Response:
    """Every result of the search (up to the result window) as a JSON download."""
    result, hits = export_hits(current_index(), parse_search(request.args, current_schema(), facets=False))
    return _download(jsonify(to_json(result, hits)), filename(result, "json"))


def _download(response: Response, name: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@web.get("/api/article/<path:article_id>", merge_slashes=False)
def api_article(article_id: str) -> Response:
    index = current_index()
    article = get_article(index, article_id)
    return jsonify(article_dict(article) | {"related": [hit.to_dict() for hit in related(index, article_id)]})
