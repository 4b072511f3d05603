"""The query language, parsed: a small tree every engine translates into its own queries.

The product has one query language (README: words, "phrases", AND/OR/NOT, -word,
field:value, prefix*, wildcards, date ranges) and one parser for it
(``newssearch.engine.parse``), which also applies the relaxation of plain words ("all
words first, then most of them", query.py). Its output is this tree, so an engine other
than Whoosh (OpenSearch's query DSL) gets exactly the queries Whoosh runs.

Terms are as indexed: words of ``text`` fields lower-cased, accent-folded and stemmed
with Snowball's English stemmer, words of ``name`` fields not stemmed, keywords as
typed (tags lower-cased). An engine that analyses the same way matches them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    boost: float = field(default=1.0, kw_only=True)


@dataclass(frozen=True)
class Every(Node):
    """Every article."""


@dataclass(frozen=True)
class Term(Node):
    field: str
    text: str


@dataclass(frozen=True)
class Phrase(Node):
    """The words in this order, each at most ``slop`` positions after the one before (1: adjacent)."""

    field: str
    words: tuple[str, ...]
    slop: int = 1


@dataclass(frozen=True)
class Prefix(Node):
    field: str
    text: str


@dataclass(frozen=True)
class Wildcard(Node):
    """``*`` any run of characters, ``?`` one character."""

    field: str
    pattern: str


@dataclass(frozen=True)
class Range(Node):
    """Terms from ``low`` to ``high`` (None: open), e.g. days ``2023-01-01`` to ``2023-03-31``.

    On ``date`` a bound may be a partial date (``2023``, ``2023-03``, as typed in
    ``date:[2023-01 TO 2023-03]``): a partial ``high`` includes the whole of its year or month."""

    field: str
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AndNot(Node):
    """Articles matching ``positive`` but not ``negative``."""

    positive: Node
    negative: Node
