"""Saved article pages as plain text: headline, body, metadata lines, then site furniture.

The layout follows pages saved from news sites (see the seed page in shared/seeds):

    Headline
    <blank>
    Body paragraphs ...
    source: commonspace.eu with agencies
    photo: TASS
    Related articles            <- site furniture from here on: not indexed
    ...

``key: value`` lines for the keys in ``META_KEYS`` are metadata, wherever they are.
The article ends at the first furniture heading, a ``user Wed, 03/22/2023 - 08:04``
byline of a teaser, or the first text after the trailing metadata block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from ..article import Article
from ..errors import ReadError
from .dates import date_from_filename, parse_date
from .record import Output, clean_text, split_tags, unrecognised_date

META_KEYS = ("source", "photo", "author", "date", "url", "tags", "section")
_META = re.compile(rf"^\s*({'|'.join(META_KEYS)})\s*:\s*(.*?)\s*$", re.IGNORECASE)
FURNITURE_HEADINGS = frozenset(
    {
        "related articles", "related", "related stories", "related news", "editor's choice",
        "editors' choice", "editor’s choice", "popular", "most popular", "most read",
        "read more", "see also", "you may also like", "more stories", "latest news",
        "recommended", "share this article", "comments", "advertisement",
    }
)  # fmt: skip
_TEASER_BYLINE = re.compile(r"^\S+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d/\d\d/\d{4} - \d\d:\d\d$")


def read(text: str, path: str) -> Iterator[Output]:
    """Yield the one article of a saved text page, with metadata lines and furniture removed."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ReadError("empty file: a text article needs a headline on its first line")
    title = lines[start].strip()
    meta: dict[str, str] = {}
    body: list[str] = []
    in_trailer = False
    for line in lines[start + 1 :]:
        stripped = line.strip()
        if match := _META.match(line):
            meta.setdefault(match[1].lower(), match[2])
            in_trailer = in_trailer or any(body)
        elif stripped.lower() in FURNITURE_HEADINGS or _TEASER_BYLINE.match(stripped):
            break
        elif in_trailer and stripped:
            break
        else:
            body.append(stripped)
    date = parse_date(meta.get("date", ""))
    if meta.get("date") and date is None:
        yield unrecognised_date(path, meta["date"])
    date = date or date_from_filename(PurePosixPath(path).name)
    yield Article(
        id=meta.get("url") or path,
        title=title,
        body=clean_text("\n".join(body)),
        path=path,
        date=date,
        source=meta.get("source", ""),
        author=meta.get("author", ""),
        section=meta.get("section", ""),
        tags=split_tags(meta.get("tags", "")),
        url=meta.get("url", ""),
    )
