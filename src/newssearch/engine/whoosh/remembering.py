"""Fields of short values that come again and again, which remember what each value indexed as.

Besides its headline and body, an article has a dozen short fields: its source, date,
language, author, section, tags, acronyms and the values of each facet. Whoosh runs
each through its analyzer chain, a few generators and a token object per word, about
10 µs a field even for an empty author: for Reuters as much writer time as the bodies.
Yet their values repeat: one source, a few hundred days, a few dozen topics, an empty
section. A ``Remembering`` field keeps the postings of the values it has indexed (up
to ``REMEMBERED`` of them, each at most ``LONGEST`` characters) and gives them again.
Ids, paths and urls, which never repeat, stop being remembered once the table is full.

A writer's schema is adopted (``remember_values``, from patches.adopt_writer) rather than
built with these classes, so that the index's schema as read from any index, of this
version or written before, gains it: the fields' classes become the subclasses below.
The postings are exactly Whoosh's (the same list, made once): tests/test_remembering.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.fields import ID, KEYWORD, TEXT, FieldType, Schema

REMEMBERED = 4096
"""Values a field remembers; past that it indexes each new one afresh."""
LONGEST = 256
"""Longer values (in characters, or values in a list) are not remembered: they rarely repeat."""

Postings = list[tuple[bytes, int, float, bytes]]


class Remembering:
    """A mixin for a Whoosh field type: ``index`` remembers its postings of each short value.

    The table is not pickled with the index's schema; a field read back starts empty.
    """

    _remembered: dict[str | tuple[str, ...], Postings]

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str | list | tuple):
            return super().index(value, **kwargs)  # type: ignore[misc, no-any-return]
        key = value if isinstance(value, str) else tuple(value)
        remembered: dict[str | tuple[str, ...], Postings] = self.__dict__.setdefault("_remembered", {})
        postings = remembered.get(key)
        if postings is None:
            postings = list(super().index(value))  # type: ignore[misc]
            if len(remembered) < REMEMBERED and len(key) <= LONGEST:
                remembered[key] = postings
        return postings

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_remembered", None)
        return state


class KeyField(Remembering, ID):
    """An ID field (a key, a facet's values) that remembers its values' postings."""


class KeywordField(Remembering, KEYWORD):
    """A KEYWORD field (tags, a language) that remembers its values' postings."""


class NameField(Remembering, TEXT):
    """A TEXT field of names (a source, an author, acronyms) that remembers its values' postings."""


_REMEMBERING: dict[type[FieldType], type[FieldType]] = {ID: KeyField, KEYWORD: KeywordField, TEXT: NameField}


def remember_values(schema: Schema) -> None:
    """Make the schema's ID, KEYWORD and plain TEXT fields remember their values' postings
    (the engine's prose fields, a TEXT subclass, index in bulk instead: prose.py)."""
    for _, field in schema.items():
        remembering = _REMEMBERING.get(type(field))
        if remembering is not None:
            field.__class__ = remembering
