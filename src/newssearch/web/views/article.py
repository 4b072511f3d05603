"""The article page: the full text with the search's words marked, related articles, and the way back to the results."""

from __future__ import annotations

from flask import render_template, request

from ...search import get_article, related
from ..index import current_index, current_schema
from ..presenter import SearchLinks, article_html, tag_links
from .base import web


@web.get("/article/<path:article_id>", merge_slashes=False)  # ids may be URLs: keep their "//"
def article_page(article_id: str) -> str:
    """The article; its URL carries the search it was opened from (see ``SearchLinks.article``),
    so "Results for ..." returns to exactly those results and related articles carry it on."""
    index = current_index()
    article = get_article(index, article_id)
    q = request.args.get("q", "")
    return render_template(
        "article.html",
        article=article,
        body=article_html(index, article.body, q),
        related=related(index, article_id),
        q=q,
        links=SearchLinks(request.args, current_schema()),
        tags=tag_links(article.tags, current_schema()),
    )
