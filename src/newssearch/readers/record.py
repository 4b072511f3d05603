"""What the readers share: their output type and the cleaning of text and fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeAlias

from ..article import LANGUAGE_TAG, Article
from ..errors import Problem
from .dates import parse_date

Output: TypeAlias = Article | Problem
"""Readers yield articles, and problems for records they had to skip or read with a caveat."""

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")


def clean_text(text: str) -> str:
    """Normalise whitespace to paragraphs separated by one blank line; drop control characters."""
    text = _CONTROL_CHARS.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", lines).strip()


def split_tags(value: Any) -> tuple[str, ...]:
    """Tags from a list or a comma/semicolon separated string, trimmed, without repeats."""
    items = value if isinstance(value, list | tuple) else re.split(r"[,;]", str(value or ""))
    return tuple(dict.fromkeys(tag for item in items if (tag := str(item).strip())))


def unrecognised_date(path: str, value: str, location: str = "") -> Problem:
    return Problem(
        path, f"unrecognised date {value[:40]!r}, left unknown; write it as YYYY-MM-DD", location, skipped=False
    )


def _first(record: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def article_from_record(record: Mapping[str, Any], path: str, number: int, location: str) -> list[Output]:
    """Map an exported record (JSON, JSONL or CSV) to an article, keeping its own id.

    Returns the article with any warnings, or a single problem if the record is unusable.
    """
    if not isinstance(record, Mapping):
        return [Problem(path, f"expected an object with title and body, found {type(record).__name__}", location)]
    title = clean_text(_first(record, "title", "headline"))
    body = clean_text(_first(record, "body", "text", "content"))
    if not title and not body:
        return [Problem(path, "record has neither title nor body (or text/content)", location)]
    outputs: list[Output] = []
    raw_date = _first(record, "date", "published")
    date = parse_date(raw_date)
    if raw_date and date is None:
        outputs.append(unrecognised_date(path, raw_date, location))
    url = _first(record, "url")
    language = _first(record, "language")
    if language and not LANGUAGE_TAG.fullmatch(language):
        outputs.append(Problem(path, f"language {language[:40]!r} is not a language tag (en, pt-BR), left unknown", location, skipped=False))
        language = ""
    outputs.append(
        Article(
            id=_first(record, "id") or url or f"{path}#{number}",
            title=title,
            body=body,
            path=path,
            date=date,
            source=_first(record, "source"),
            author=_first(record, "author"),
            section=_first(record, "section"),
            tags=split_tags(record.get("tags")),
            url=url,
            language=language,
            location=location,
        )
    )
    return outputs
