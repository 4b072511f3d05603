"""Acronyms: words written in capitals (START, NATO) inside ordinary text.

The indexer keeps them in a field of their own, unstemmed, so that a query typing an
acronym can prefer articles that write it in capitals (housing starts is not START).
"""

from __future__ import annotations

import re

ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*\b")
"""A word of two or more capitals (digits allowed): START, NATO, G20 is not (one capital)."""
_LOWER = re.compile(r"[a-z]")
_NOT_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())
_NOT_LOWER = bytes(c for c in range(128) if not _LOWER.match(chr(c)))


def acronyms(*texts: str) -> str:
    """The words written in capitals in those of ``texts`` that are written in ordinary case.

    A headline set all in capitals (Reuters: JAPAN HOUSING STARTS RISE) says nothing about
    which words are acronyms, so a text with no more than one lower-case letter in ten
    letters is left out.
    """
    found = []
    for text in texts:
        letters, lower = _letters(text)
        if letters and lower * 10 > letters:
            found += ACRONYM.findall(text)
    return " ".join(found)


def _letters(text: str) -> tuple[int, int]:
    """How many letters ``text`` has, and how many of them are a-z.

    ASCII text (nearly all) is counted by deleting the other bytes, in C: counting
    character by character cost a full Reuters reindex about a second.
    """
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _NOT_LETTER)), len(data.translate(None, _NOT_LOWER))
    return sum(map(str.isalpha, text)), len(_LOWER.findall(text))


def is_acronym(word: str) -> bool:
    """Whether a word typed in a query is written as an acronym (START, NATO)."""
    return ACRONYM.fullmatch(word) is not None
