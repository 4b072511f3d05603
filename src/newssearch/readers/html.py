"""Saved HTML pages, through trafilatura, the field's standard for news-article extraction.

trafilatura finds the main text (no navigation, related lists, comments, footers,
scripts or cookie banners) and the metadata in meta tags, <time> and JSON-LD.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

from ..article import LANGUAGE_TAG, Article
from ..errors import ReadError
from .dates import parse_date
from .record import Output, clean_text, split_tags

MIN_WORDS = 8
"""Less main text than this is navigation or a placeholder, not an article."""
# Only dates the page states (meta tags, <time>, JSON-LD, URL): no guessing from free text.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)


def read(text: str, path: str) -> Iterator[Output]:
    import trafilatura  # here, not at the top: it takes 0.1 s to import, which every `newssearch query` paid

    with warnings.catch_warnings():  # trafilatura's internal lxml FutureWarnings are not ours
        warnings.simplefilter("ignore")
        document = trafilatura.bare_extraction(
            text, with_metadata=True, include_comments=False, include_tables=True, date_extraction_params=_DATE_PARAMS
        )
    if document is None or len((document.text or "").split()) < MIN_WORDS:
        raise ReadError("HTML page with no article text found (an index page or an empty template?)")
    title = (document.title or "").strip()
    paragraphs = [line for line in document.text.splitlines() if line.strip()]
    if paragraphs and title and paragraphs[0].strip() == title:
        paragraphs = paragraphs[1:]
    url = document.url or ""
    yield Article(
        id=url or path,
        title=title,
        body=clean_text("\n\n".join(paragraphs)),
        path=path,
        date=parse_date(document.date or ""),
        source=_site_name(document.sitename, document.hostname),
        author=document.author or "",
        section=", ".join(document.categories or []),
        tags=split_tags(document.tags or []),
        url=url,
        language=_language(text),
    )


def _site_name(sitename: str | None, hostname: str | None) -> str:
    """The site's name where the page states it (``og:site_name``, ``application-name``, JSON-LD
    ``publisher.name``, which trafilatura reads in that order), else empty.

    trafilatura falls back on the URL's host name, and on a Facebook page URL in
    ``article:publisher``; neither is a name the page gives itself, so they are left out:
    a folder default (defaults.py) comes first, and then the host (readers.read_file).
    """
    name = (sitename or "").strip()
    if not name or name.lower() == (hostname or "").lower() or name.lower().startswith(("http://", "https://")):
        return ""
    return name


def _language(text: str) -> str:
    """The language the page declares (``<html lang="en-GB">``), if it is a language tag; else empty."""
    match = _HTML_LANG.search(text, 0, 10_000)  # the html element opens the page, after a doctype and comments
    return match[1] if match and LANGUAGE_TAG.fullmatch(match[1]) else ""
