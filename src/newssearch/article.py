"""The one record type every reader produces and the indexer consumes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
"""An article's ``language``: a BCP 47 language tag as people write them (en, pt-BR, zh-Hant)."""
LEAD_CHARS = 80
"""The opening words shown for an article without a headline are cut to this length."""


def display_title(title: str, body: str) -> str:
    """What to show as an article's heading: its headline, or without one the opening words of its body.

    Only for display: an article without a headline has an empty ``title``, so its opening
    words are not indexed a second time as a (boosted) headline.
    """
    if title:
        return title
    lead = next((line.strip() for line in body.splitlines() if line.strip()), "")
    if len(lead) <= LEAD_CHARS:
        return lead
    cut = lead[: LEAD_CHARS + 1]  # one more: a word ending at the limit is kept whole
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:LEAD_CHARS]
    return cut.rstrip(" ,;:-") + "…"


@dataclass(frozen=True)
class Article:
    """A news article as read from the archive.

    ``id`` is stable across reindexes (the record's own id or URL, otherwise
    derived from the archive-relative path), so re-reading a file updates the
    article instead of duplicating it. ``date`` is ``None`` when the archive
    does not say: a date is never invented. Nor is a headline: ``title`` is empty
    when the archive gives none (``display_title`` shows the opening words instead).
    """

    id: str
    title: str
    body: str
    path: str
    date: datetime | None = None
    source: str = ""
    author: str = ""
    section: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    url: str = ""
    language: str = ""  # a language tag ("en", "pt-BR") where the file or its folder says; empty when unknown
    location: str = ""  # where in its file: "line 12" for a record of an export; empty for a whole page

    @property
    def display_title(self) -> str:
        return display_title(self.title, self.body)
