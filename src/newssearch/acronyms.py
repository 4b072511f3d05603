"""Acronyms: words written in capitals (START, NATO) inside ordinary text.

The indexer keeps them in a field of their own, unstemmed, so that a query typing an
acronym can prefer articles that write it in capitals (housing starts is not START).
"""

from __future__ import annotations

import re

ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*\b")
"""A word of two or more capitals (digits allowed): START, NATO, G20 is not (one capital)."""
_LOWER = re.compile(r"[a-z]")


def acronyms(*texts: str) -> str:
    """The words written in capitals in those of ``texts`` that are written in ordinary case.

    A headline set all in capitals (Reuters: JAPAN HOUSING STARTS RISE) says nothing about
    which words are acronyms, so a text with no more than one lower-case letter in ten
    letters is left out.
    """
    found = []
    for text in texts:
        letters = sum(c.isalpha() for c in text)
        if letters and len(_LOWER.findall(text)) * 10 > letters:
            found += ACRONYM.findall(text)
    return " ".join(found)


def is_acronym(word: str) -> bool:
    """Whether a word typed in a query is written as an acronym (START, NATO)."""
    return ACRONYM.fullmatch(word) is not None
