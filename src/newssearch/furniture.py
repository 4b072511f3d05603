"""Site furniture across pages: template text that a site repeats around its articles.

Saved pages of one site repeat the same newsletter boxes, teaser lists and copyright
lines. The readers cut what they recognise (furniture headings, HTML boilerplate);
this module finds the rest across pages, and must never take an article's own text,
which recurs too: a quote or a background paragraph in related stories, a squad list,
a columnist's note, a republished copy. A line is left out of a page only when all hold:

- it has ``MIN_WORDS`` words or more and is not the page's first line (its lead,
  which teasers on other pages quote);
- it is on ``MIN_PAGES`` or more pages of the same site, and on at least ``MIN_SHARE``
  of that site's pages: a template is on a good part of a site, related stories are not.
  Pages with the same lead count once: copies and updates of one story share most of
  their lines (unless that lead is itself on a good part of the site: a share bar or a
  standfirst template; then the headline tells the stories apart);
- it is at an edge of the page: in the run of such lines at the top or the bottom of the
  text (shorter lines between them do not break the run; a line that is not furniture
  does). A repeated line between the article's own paragraphs is the article's;
- what is left out is at most ``MAX_PART`` of the page's words: when more of a page
  recurs elsewhere, the page is a copy or a compilation, not an article in a template.

Only saved pages (text and HTML) are examined: in exports and wire copy a repeated
line is content (an earnings table, a standard clause). A site is the page's source;
a page that names none is grouped with the pages in its folder.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from .article import Article
from .readers import is_page
from .readers.record import clean_text

if TYPE_CHECKING:
    from .engine.base import Indexed

MIN_WORDS = 5
MIN_PAGES = 3
MIN_SHARE = 0.2
MAX_PART = 1 / 3


@dataclass(frozen=True)
class Page:
    """What the furniture rule needs of a page, small enough to keep in the index per page."""

    site: int  # hash of the page's source, or of its folder when it names none
    lead: int  # hash of its first line: pages with the same lead are one story...
    story: int  # ...unless that first line is the site's; then this hash of its headline and first line is
    words: int  # words in its body
    lines: tuple[tuple[int, int], ...]  # (hash, words) of each later line of MIN_WORDS words or more, in order


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _site(article: Article) -> int:
    return _hash(f"source\0{article.source}" if article.source else f"folder\0{PurePosixPath(article.path).parent}")


def _line_hash(site: int, line: str) -> int:
    return _hash(f"{site}\0{' '.join(line.lower().split())}")


def _long_lines(body: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of the body's lines after the lead that are long enough to count."""
    for number, line in enumerate(body.splitlines()):
        if number and len(line.split()) >= MIN_WORDS:
            yield number, line


def page(article: Article) -> Page | None:
    """The article's page record; None if it is not a saved page."""
    if not is_page(article.path):
        return None
    site = _site(article)
    lead = article.body.split("\n", 1)[0]
    story = _line_hash(site, f"{article.title}\0{lead}")
    lines = tuple((_line_hash(site, line), len(line.split())) for _, line in _long_lines(article.body))
    return Page(site, _line_hash(site, lead), story, len(article.body.split()), lines)


def find(pages: Iterable[Page]) -> set[int]:
    """The lines on enough pages of their site to be template lines (whether a page loses them is ``cut``'s call)."""
    pages = list(pages)
    site_pages = Counter(p.site for p in pages)
    leads = Counter(p.lead for p in pages)
    site_leads = {p.lead for p in pages if leads[p.lead] >= _enough(site_pages[p.site])}
    raw = Counter(h for p in pages for h in {h for h, _ in p.lines})
    candidates = {h for h, count in raw.items() if count >= MIN_PAGES}
    site_stories: dict[int, set[int]] = {}
    line_stories: dict[int, set[int]] = {}
    line_site: dict[int, int] = {}
    for p in pages:
        story = p.story if p.lead in site_leads else p.lead
        site_stories.setdefault(p.site, set()).add(story)
        for h, _ in p.lines:
            if h in candidates:
                line_stories.setdefault(h, set()).add(story)
                line_site[h] = p.site
    return {h for h, stories in line_stories.items() if len(stories) >= _enough(len(site_stories[line_site[h]]))}


def _enough(site_pages: int) -> float:
    """On how many of a site's pages a line must be to be the site's rather than a story's."""
    return max(MIN_PAGES, MIN_SHARE * site_pages)


def cut(p: Page, furniture: set[int]) -> list[int]:
    """Indexes into ``p.lines`` of the lines the page loses: the furniture runs at its edges, if small enough."""
    if not furniture:
        return []
    flags = [h in furniture for h, _ in p.lines]
    top = flags.index(False) if False in flags else len(flags)
    bottom = len(flags) - (flags[::-1].index(False) if False in flags else len(flags))
    removed = [*range(top), *range(max(top, bottom), len(flags))]
    if sum(p.lines[i][1] for i in removed) > MAX_PART * p.words:
        return []
    return removed


def dropped(p: Page, furniture: set[int]) -> list[int]:
    """The hashes of the lines the page loses, sorted: what the index records, to see when that changes."""
    return sorted(p.lines[i][0] for i in cut(p, furniture))


def strip(article: Article, p: Page | None, furniture: set[int]) -> tuple[Article, list[str]]:
    """The article without its furniture lines, and those lines; ``p`` is its ``page``, which the indexer holds already."""
    if p is None or not furniture:
        return article, []
    numbers = [number for number, _ in _long_lines(article.body)]
    removed = {numbers[i] for i in cut(p, furniture)}
    if not removed:
        return article, []
    lines = article.body.splitlines()
    kept = [line for number, line in enumerate(lines) if number not in removed]
    return replace(article, body=clean_text("\n".join(kept))), [lines[n].strip() for n in sorted(removed)]


def pack(p: Page | None) -> bytes:
    if p is None:
        return b""
    return array("Q", [p.site, p.lead, p.story, p.words, *(v for line in p.lines for v in line)]).tobytes()


def unpack(data: bytes) -> Page | None:
    if not data:
        return None
    values = array("Q", data)
    return Page(values[0], values[1], values[2], values[3], tuple(zip(values[4::2], values[5::2], strict=True)))


def pack_lines(lines: list[str]) -> bytes:
    return "\n".join(lines).encode()


def unpack_lines(data: bytes) -> list[str]:
    return data.decode().split("\n") if data else []


def line_hashes(p: Page, lines: list[str]) -> list[int]:
    """The sorted hashes of lines left out of page ``p``, as ``dropped`` gives them."""
    return sorted(_line_hash(p.site, line) for line in lines)


def removed_lines(indexed: Iterable[Indexed]) -> dict[str, list[str]]:
    """Every line left out as furniture, with the archive paths of the pages it was left out of
    (from the index's bookkeeping, ``Engine.indexed``)."""
    found: dict[str, list[str]] = {}
    for row in indexed:
        for line in unpack_lines(row.dropped):
            found.setdefault(line, []).append(row.filekey.split("\0", 1)[0])
    return {line: sorted(paths) for line, paths in sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))}
