"""The article page: the full text with the search's words marked, and related articles."""

from __future__ import annotations

from flask import render_template, request

from ...search import get_article, related
from ..index import current_index
from ..presenter import article_html
from .base import web


@web.get("/article/<path:article_id>", merge_slashes=False)  # ids may be URLs: keep their "//"
def article_page(article_id: str) -> str:
    index = current_index()
    article = get_article(index, article_id)
    q = request.args.get("q", "")
    return render_template(
        "article.html", article=article, body=article_html(index, article.body, q), related=related(index, article_id), q=q
    )
