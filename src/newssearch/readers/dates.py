"""Parsing the dates found in archive files; an unparseable date is None, never a guess."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y")
_NAME_DATE = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.](0[1-9]|1[0-2])[-_.](0[1-9]|[12]\d|3[01])(?!\d)")


def parse_date(text: str) -> datetime | None:
    """Parse ISO-8601, RFC 2822 or spelled-out dates ('3 March 2023'); None if none fits.

    Aware datetimes are converted to naive UTC, the form stored in the index.
    """
    text = text.strip()
    if not text:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def date_from_filename(name: str) -> datetime | None:
    """A full YYYY-MM-DD date in a file name (separators -, _ or .); partial dates don't count."""
    match = _NAME_DATE.search(name)
    if not match:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2023-02-30
        return None
