"""The JSON API: a search, and an article with its related articles."""

from __future__ import annotations

from flask import Response, jsonify, request

from ...search import get_article, related, search
from ..index import current_index
from ..params import parse_search
from ..presenter import article_dict
from .base import web


@web.get("/api/search")
def api_search() -> Response:
    return jsonify(search(current_index(), parse_search(request.args, facets=True)).to_dict())


@web.get("/api/article/<path:article_id>", merge_slashes=False)
def api_article(article_id: str) -> Response:
    index = current_index()
    article = get_article(index, article_id)
    return jsonify(article_dict(article) | {"related": [hit.to_dict() for hit in related(index, article_id)]})
