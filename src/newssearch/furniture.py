"""Site furniture across pages: blocks that recur verbatim on many pages of one source.

Saved pages of one site repeat the same teasers, newsletter boxes, "most read" lists
and copyright lines. A line of at least ``MIN_WORDS`` words that appears on at least
``MIN_PAGES`` pages of the same source is furniture: it is left out of those pages'
indexed text, so searching a teaser's words does not return every page that showed it.

Only saved pages (text and HTML) are examined: in exports and wire copy a repeated
line is content (an earnings table, a standard clause), not page furniture. A page's
first line is its lead, never furniture: teasers on other pages quote it verbatim.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from .article import Article
from .readers import is_page
from .readers.record import clean_text

MIN_PAGES = 3
MIN_WORDS = 5


def _hash(source: str, line: str) -> int:
    normal = " ".join(line.lower().split())
    return int.from_bytes(hashlib.blake2b(f"{source}\0{normal}".encode(), digest_size=8).digest(), "big")


def blocks(article: Article) -> set[int]:
    """Hashes of the article's lines after the lead that are long enough to count, scoped to its source."""
    if not is_page(article.path):
        return set()
    lines = article.body.splitlines()[1:]
    return {_hash(article.source, line) for line in lines if len(line.split()) >= MIN_WORDS}


def find(pages: Iterable[set[int]]) -> set[int]:
    """The blocks found on at least MIN_PAGES pages."""
    counts = Counter(block for page in pages for block in page)
    return {block for block, count in counts.items() if count >= MIN_PAGES}


def strip(article: Article, furniture: set[int]) -> Article:
    """The article without its furniture lines."""
    if not furniture or not is_page(article.path):
        return article
    lead, *rest = article.body.splitlines() or [""]
    kept = [line for line in rest if _hash(article.source, line) not in furniture]
    return replace(article, body=clean_text("\n".join([lead, *kept])))


def pack(hashes: Iterable[int]) -> bytes:
    return array("Q", sorted(hashes)).tobytes()


def unpack(data: bytes) -> set[int]:
    return set(array("Q", data))
