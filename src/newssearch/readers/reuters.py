"""Reuters-21578 SGML (reut2-NNN.sgm): many <REUTERS> records per file.

Each record becomes an article ``reuters-<NEWID>`` with its DATE, TITLE, DATELINE
(which opens the body, as on the wire), BODY, and TOPICS and PLACES as tags of
their kind (``topic:acq``, ``place:usa``: fields.py shows them as two facets).
Records without a BODY keep their unprocessed text, and without a TITLE an empty title
(the display shows their opening words); "brief" records (a headline with the
placeholder body "Blah blah blah.") are indexed by title alone.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from datetime import datetime

from ..article import Article
from ..errors import Problem
from .dates import parse_date
from .record import Output, clean_text, unrecognised_date

# A record ends at its </REUTERS>, or where the next record starts if that tag is missing.
# Its text is taken in runs without "<" (possessive: nothing to backtrack), which is ten
# times faster than a lazy ".*?" trying the three ends at every character.
_RECORD = re.compile(r"<REUTERS\b([^>]*)>((?:[^<]++|<(?!/REUTERS>|REUTERS\b))*+)(</REUTERS>|(?=<REUTERS\b)|\Z)")
_NEWID = re.compile(r'NEWID="(\d+)"')
_DATE = re.compile(r"(\d{1,2}-[A-Z]{3}-\d{4})\s+(\d\d:\d\d:\d\d)?")
_DAY = "%d-%b-%Y"
_TAG = re.compile(r"<[^>]+>")
_TAG_KINDS = (("TOPICS", "topic"), ("PLACES", "place"))
"""The record's categories kept as tags, with their kind (fields.TAG_KINDS): topic:acq, place:usa."""


def _element(record: str, name: str) -> str:
    match = _element_pattern(name).search(record)
    return match[1] if match else ""


@functools.cache
def _element_pattern(name: str) -> re.Pattern[str]:
    """An element's text up to its first end tag: runs without "<", as in _RECORD."""
    return re.compile(rf"<{name}\b[^>]*>((?:[^<]++|<(?!/{name}>))*+)</{name}>")


def _text(sgml: str) -> str:
    return clean_text(html.unescape(_TAG.sub(" ", sgml)))


def _date(day: str, clock: str | None) -> datetime | None:
    """The record's date, tried first in the form Reuters writes (26-FEB-1987 15:01:01),
    then as ``parse_date`` reads any date: it tries five other forms before this one."""
    text = f"{day} {clock}" if clock else day
    try:
        return datetime.strptime(text, f"{_DAY} %H:%M:%S" if clock else _DAY)
    except ValueError:
        return parse_date(text)


def read(text: str, path: str) -> Iterator[Output]:
    found = False
    line, counted_to = 1, 0
    for match in _RECORD.finditer(text):
        found = True
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        location = f"line {line}"
        newid = _NEWID.search(match[1])
        if not newid:
            yield Problem(path, "<REUTERS> record without a NEWID attribute", location)
            continue
        record = match[2]
        if not match[3]:
            end = "the next record" if match.end() < len(text) else "the end of the file"
            yield Problem(path, f"<REUTERS> record without its </REUTERS> end tag: read up to {end}", location, skipped=False)
        raw_date = _text(_element(record, "DATE"))
        date_match = _DATE.search(raw_date)
        # The time is sometimes garbled ('605:12:19.12'): then the day alone is kept.
        date = _date(*date_match.groups()) if date_match else None
        if date is None and raw_date:
            yield unrecognised_date(path, raw_date, location)
        content = _element(record, "TEXT")
        brief = re.search(r'<TEXT\b[^>]*TYPE="BRIEF"', record) is not None  # a headline; its body is "Blah blah blah."
        body_sgml = _element(content, "BODY") or _TAG.sub(" ", re.sub(r"<(TITLE|DATELINE)>.*?</\1>", " ", content, flags=re.DOTALL))
        dateline = _text(_element(content, "DATELINE")).rstrip(" -")
        body = "" if brief else _text(body_sgml.replace("\n    ", "\n\n"))  # indented lines start paragraphs
        if dateline and body:
            body = f"{dateline} - {body}"
        yield Article(
            id=f"reuters-{newid[1]}",
            title=_text(_element(content, "TITLE")),
            body=body,
            path=path,
            date=date,
            source="Reuters",
            location=location,
            tags=tuple(
                dict.fromkeys(f"{kind}:{_text(d)}" for element, kind in _TAG_KINDS for d in re.findall(r"<D>(.*?)</D>", _element(record, element)))
            ),
        )
    if not found:
        yield Problem(path, "no <REUTERS> records found: is this a Reuters-21578 SGML file?")
