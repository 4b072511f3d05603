"""The query language: words, "phrases", AND/OR/NOT, -word, field:value, prefix*, dates.

A query of words finds articles with most of its words. A short one (up to
ALL_WORDS_MAX words) lists those with all of them first: an AND of clauses becomes
their OR plus a boosted AND. A longer one, a question or a sentence, is ranked by
BM25F over its words alone.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import query as q
from whoosh.fields import Schema
from whoosh.qparser import AndGroup, MultifieldParser, PlusMinusPlugin, QueryParser
from whoosh.qparser.plugins import FieldsPlugin, WildcardPlugin
from whoosh.reading import IndexReader
from whoosh.searching import TimeLimit

from ...acronyms import is_acronym
from ...errors import QueryError
from ...fields import SCHEMA
from . import private

SEARCH_FIELDS = tuple(field.name for field in SCHEMA.searched)
"""The article text a query's plain words look in (headline and body), in query order."""

ALL_WORDS_BOOST = 100.0
"""How much more an article containing every word scores: enough to rank it above
any article with only some of the words (the usual boosted-AND pattern)."""
ALL_WORDS_MAX = 3
"""Queries of at most this many words list the articles with all of them first. In a
longer question the boost ranks an article with every word, however common, above one
with the rare words that matter, which costs MAP on every judged collection (RELEVANCE.md)."""
PROXIMITY_SLOP = 4
"""Words at most this many positions apart count as close together."""
PROXIMITY_BOOST = 2.0
INEXACT_WEIGHT = 0.2
"""A word typed as an acronym (START) weighs this much of its score in an article that has
it only in lower case or another form (housing starts): wordrank.py, ranking.AcronymWeighting."""
MAX_QUERY_CHARS = 5000
MAX_NESTING = 50
"""Brackets nested deeper than this are refused before parsing: Whoosh's parser and query
tree recurse once per level, and a server thread's stack ends before a few hundred."""
QUESTION_WORDS = "what how which why where there any some describe discuss give explain do does did were was would should could"
"""Dropped from queries of more than SENTENCE_WORDS words: they ask, they are not the topic.
('who' stays: WHO is an organisation.)"""
SENTENCE_WORDS = 4
MAX_EXPANDED_WORDS = 1_000
"""A query's prefixes, wildcards and ranges together may match at most this many
different words (Lucene's classic clause limit is 1,024): Whoosh builds one matcher per
word before it can check a search's time limit."""
MAX_EXPANDED_POSTINGS = 200_000
"""... and those words may occur in at most this many articles, summed over the words."""
MAX_EXAMINED_WORDS = 200_000
"""Words of the index read to find them: a *wildcard* with no fixed start reads every word of a field."""
UNCOUNTED_FIELDS = frozenset({"date"})
"""One word per day: a date range matches as many words as it spans days, bounded by the archive's dates."""
_EXPLICIT_AND = re.compile(r'\bAND\b|(?<![^\s(])\+(?=[\w"(])')
"""A user who writes AND or +word wants every such word: no relaxing then."""


def _parser(schema: Schema) -> QueryParser:
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, group=AndGroup)
    parser.remove_plugin_class(FieldsPlugin)
    parser.add_plugin(FieldsPlugin(remove_unknown=True))
    # -word and +word only at the start of a word: 'co-operation', 'date:2023-03' and a
    # dash between spaces ('schemes - DDC') are not operators, nor a sign before punctuation
    # ('operators like *, +.'): the word, phrase or group it applies to must follow.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r'(?<![^\s(])\+(?=[\w"(])', minusexpr=r'(?<![^\s(])-(?=[\w"(])'))
    parser.remove_plugin_class(WildcardPlugin)
    parser.add_plugin(_WordWildcards())
    return parser


WHOOSH_PRELOADED_OR = 5_000
"""In an index segment of at most this many documents, Whoosh ORs the words of a prefix or wildcard
that expands to more than two (an Or of other than two clauses) with its PreloadedOr, which then
does give each word a constant score (query.Or._matcher): no sum of term scores there."""


def term_sum(query: q.Query, reader: IndexReader) -> TermSum | None:
    """The query (expanded: see expand) as a TermSum, or None when Whoosh scores it otherwise."""
    if any(leaf.doc_count_all() <= WHOOSH_PRELOADED_OR for leaf, _ in reader.leaf_readers()):
        if any(isinstance(node, _Expanded) and len(node.btexts) > 2 for node in _walk(query)):
            return None
    bonus = 0.0
    if isinstance(query, q.AndNot) and query.boost == 1:
        positive, negative = query.a, [query.b]
    elif type(query) is q.And and query.boost == 1 and len(query.subqueries) == 2 and isinstance(query.subqueries[1], q.Not):
        # IntersectionMatcher adds the scores of both sides; InverseMatcher's is 1.0
        positive, negative, bonus = query.subqueries[0], [query.subqueries[1].query], 1.0
    else:
        positive, negative = query, []
    terms, excluded = _summed(positive), [_summed(node) for node in negative]
    if terms is None or any(e is None for e in excluded):
        return None
    return TermSum(tuple(terms), tuple(t for e in excluded for t in e or ()), bonus)


def _summed(node: q.Query) -> list[tuple[str, str]] | None:
    """The (field, word) terms whose scores Whoosh sums to score ``node``, or None."""
    if node.boost != 1:
        return None
    if type(node) is q.Term:
        return [(node.fieldname, node.text)] if node.fieldname in SEARCH_FIELDS else None
    if isinstance(node, _Expanded) and type(node.clause) in (q.Prefix, q.Wildcard):
        return [(node.fieldname, btext.decode("utf-8")) for btext in node.btexts if btext] if node.fieldname in SEARCH_FIELDS else None
    if type(node) is q.Or and not node.minmatch and node.scale is None:
        parts = [_summed(child) for child in node.subqueries]
        return None if any(part is None for part in parts) else [t for part in parts for t in part or ()]
    return None


class _WordWildcards(WildcardPlugin):
    """Wildcards touching a word (wom?n, treat*): a question ending 'science?' keeps its word,
    and a lone * in a sentence ('operators like *, +') is punctuation."""

    expr = r"(?P<text>(?<=\w)\*|\*(?=\w)|[?\u055E\u061F\u1367](?=\w))"


@dataclass(frozen=True)
class WordQuery:
    """A query of plain words, which wordrank.py scores term-at-a-time.

    Same ranking as the relaxed Whoosh query built beside it, much faster.
    """

    words: tuple[str, ...]  # as indexed: lower-cased, stemmed
    weights: tuple[float, ...]  # how many times each word was typed
    phrase: bool = False  # a "quoted phrase": the words one right after the other, in headline or body
    acronyms: tuple[str, ...] = ()  # per word: the acronym typed for it (START -> "start"), or ""
    all_first: bool = False  # articles with every word rank first (ALL_WORDS_BOOST and the proximity bonus)
    excluded: tuple[str, ...] = ()  # NOT words: articles with any of them in headline or body are left out


@dataclass(frozen=True)
class Parsed:
    query: q.Query  # the whole query, for Whoosh: other sorts, highlighting, anything not plain words
    words: WordQuery | None  # set when the query is only words, or one "phrase" (no operator, field or wildcard)


@dataclass(frozen=True)
class TermSum:
    """A query Whoosh scores as a plain sum of BM25F term scores, which wordrank.py scores term-at-a-time.

    ``field:word``, a prefix or wildcard (Whoosh's matcher scores each word it expands to as a
    term: constantscore does not hold, as its weighting of None falls back to the searcher's),
    an OR of those, and any of these with excluded ones (``NOT x``, ``-x``), which only remove
    articles. Whoosh's And of a clause and one Not adds the Not's constant score, ``bonus``.
    """

    terms: tuple[tuple[str, str], ...]  # (field, word), each scored and summed, once per time it occurs
    excluded: tuple[tuple[str, str], ...]  # articles with any of these are left out
    bonus: float = 0.0


class QueryBuilder:
    """Turns the text a user typed into a Whoosh query, or a QueryError saying what to fix."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._parser = _parser(schema)
        analyzer = schema[SEARCH_FIELDS[-1]].analyzer
        self._question_words = {token.text for token in analyzer(QUESTION_WORDS)}

    def build(self, text: str) -> q.Query:
        return self.parse(text).query

    def parse(self, text: str) -> Parsed:
        text = text.strip()
        if not text:
            return Parsed(q.Every(), None)
        if len(text) > MAX_QUERY_CHARS:
            raise QueryError(f"query is {len(text)} characters long; shorten it to at most {MAX_QUERY_CHARS}")
        if (depth := _nesting(text)) > MAX_NESTING:
            raise QueryError(f"brackets are nested {depth} deep; use at most {MAX_NESTING} levels")
        if _caps_lock(text):
            text = text.lower()  # AND, OR, NOT in a question typed in capitals are words, not operators
        try:
            parsed = self._parser.parse(text, normalize=False)
        except Exception as error:  # Whoosh raises bare Exception for some bad dates
            raise _error(text, error) from None
        for node in _walk(parsed):
            if node_error := getattr(node, "error", None):
                raise _error(text, node_error)
        repeats = Counter(_single_word(clause) for clause in _split_and(parsed)[0])
        parsed = parsed.normalize().accept(_every_field)
        if (phrase := _phrase(parsed)) is not None:
            return Parsed(parsed, WordQuery(phrase, (1.0,) * len(phrase), phrase=True))
        return Parsed(parsed, None) if _EXPLICIT_AND.search(text) else self._most_words(parsed, repeats, self._acronyms(text))

    def _acronyms(self, text: str) -> dict[str, str]:
        """Stemmed word -> the acronym typed for it (START -> start: "start").

        A long question typed all in capitals (caps lock) has none: parse() lower-cases it.
        """
        typed = text.split()
        analyzer = self.schema[SEARCH_FIELDS[-1]].analyzer
        found = {}
        for word in typed:
            word = word.strip(".,;:!?\"'()[]")
            if is_acronym(word):
                for token in analyzer(word, mode="query"):
                    found[token.text] = word.lower()
        return found

    def _most_words(self, parsed: q.Query, repeats: Counter[str | None], acronyms: dict[str, str]) -> Parsed:
        """Relax an AND of several clauses to 'all of them first, then most of them'.

        Only clauses on the text are relaxed: excluded ones (NOT x, -x) and those on
        metadata (date:2023, source:reuters) still hold for every hit. A word typed
        twice counts twice; in a sentence, question words are dropped.
        """
        positives, negatives = _split_and(parsed)
        words = [c for c in positives if _is_text(c)]
        if len(words) > SENTENCE_WORDS:
            words = [c for c in words if _single_word(c) not in self._question_words]
        required = [c for c in positives if not _is_text(c)]  # date:, source:, tags: ... stay filters
        near = _near(words) if len(words) > 1 else None
        as_words = None
        texts = [t for t in map(_single_word, words) if t is not None]
        short = len(words) <= ALL_WORDS_MAX
        # NOT words only where the relaxed query (AndNot) scores as without them; one word and a NOT
        # stays an And, which adds the Not's score (query.term_sum).
        excluded = [_single_word(c) for c in negatives] if len(words) > 1 or not negatives else [None]
        if texts and len(texts) == len(words) and not required and None not in excluded and (len(words) > 1 or len(positives) == 1):
            weights = tuple(float(max(1, repeats[t])) for t in texts)
            typed = tuple(acronyms.get(t, "") for t in texts)
            as_words = WordQuery(tuple(texts), weights, acronyms=typed if any(typed) else (), all_first=short, excluded=tuple(excluded))  # type: ignore[arg-type]
        if len(words) < 2:
            return Parsed(parsed, as_words)
        weighted = [w.with_boost(w.boost * repeats[_single_word(w)]) if repeats[_single_word(w)] > 1 else w for w in words]
        all_words = [q.And(words).with_boost(ALL_WORDS_BOOST), *([near] if near else [])] if short else []
        relaxed: q.Query = q.Or([q.Or(weighted), *all_words])
        if required:
            relaxed = q.And([relaxed, *required])
        if negatives:
            relaxed = q.AndNot(relaxed, q.Or(negatives))
        return Parsed(relaxed, as_words)


def _caps_lock(text: str) -> bool:
    """A question of more than ALL_WORDS_MAX words typed all in capitals: its capitals say nothing."""
    return text.upper() == text and len(text.split()) > ALL_WORDS_MAX


def _every_field(node: q.Query) -> q.Query:
    if isinstance(node, q.Every):  # field:* would read every posting of the field: all articles is the same
        return q.Every()
    return node


def expand(query: q.Query, reader: IndexReader, deadline: float) -> q.Query:
    """``query`` with each prefix, wildcard and range replaced by the words it matches in
    ``reader``, within the expansion budget (MAX_EXPANDED_*, MAX_EXAMINED_WORDS) and the
    search's CPU-time ``deadline`` (of ``time.thread_time``).

    Whoosh expands them while it builds its matchers, before a search's time limit is
    first checked: 26 prefixes or a range over the whole body cost seconds there. Here the
    cost is bounded first, with a QueryError naming the clause to narrow; the searcher,
    the counts and the highlighting then all use the words found, without reading the
    lexicon again.
    """
    return query.accept(_Expansion(reader, deadline).expand)


class _Expansion:
    """The words, postings and lexicon entries a query's expansion has used so far."""

    def __init__(self, reader: IndexReader, deadline: float) -> None:
        self.reader, self.deadline = reader, deadline
        self.words = self.postings = self.examined = 0

    def expand(self, node: q.Query) -> q.Query:
        if not isinstance(node, q.MultiTerm) or isinstance(node, _Expanded):
            return node
        counted = node.field() not in UNCOUNTED_FIELDS
        shared = self.words > 0 or self.postings > 0  # earlier clauses used some of the budget
        found = []
        for btext in private.expansion(node, _CountingReader(self)):
            found.append(btext)
            self.words += counted
            self.postings += self.reader.doc_frequency(node.field(), btext)
            if self.words > MAX_EXPANDED_WORDS:
                raise _over_budget(node, shared, f"over {MAX_EXPANDED_WORDS:,} different words")
            if self.postings > MAX_EXPANDED_POSTINGS:
                raise _over_budget(node, shared, f"words in over {MAX_EXPANDED_POSTINGS:,} places")
        return _Expanded(node, found)

    def examine(self, entries: Iterator[Any]) -> Iterator[Any]:
        """Lexicon entries as Whoosh reads them to expand a clause, counted and checked against the limits."""
        for entry in entries:
            self.examined += 1
            if self.examined > MAX_EXAMINED_WORDS:
                raise QueryError(f"the query's wildcards and ranges would read over {MAX_EXAMINED_WORDS:,} words of the index: {_NARROW}")
            if self.examined % 1024 == 0 and time.thread_time() > self.deadline:
                raise TimeLimit
            yield entry


_NARROW = "narrow it (a longer start before *, fewer wildcards, a shorter range)"


def _over_budget(clause: q.MultiTerm, shared: bool, what: str) -> QueryError:
    others = ", with the query's other wildcards and ranges," if shared else ""
    return QueryError(f"{clause}{others} matches {what}: {_NARROW}")


class _CountingReader:
    """The index reader, with the lexicon reads that expanding a clause makes counted by an _Expansion."""

    def __init__(self, expansion: _Expansion) -> None:
        self._expansion = expansion
        self._reader = expansion.reader

    def lexicon(self, fieldname: str) -> Iterator[bytes]:
        return self._expansion.examine(self._reader.lexicon(fieldname))

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterator[bytes]:
        return self._expansion.examine(self._reader.expand_prefix(fieldname, prefix))

    def terms_from(self, fieldname: str, prefix: str) -> Iterator[tuple[str, bytes]]:
        return self._expansion.examine(self._reader.terms_from(fieldname, prefix))

    def __getattr__(self, name: str) -> Any:  # the schema and everything else, as they are
        return getattr(self._reader, name)


class _Expanded(q.MultiTerm):
    """A prefix, wildcard or range with the words it matched in one index version.

    Scored as the clause itself (a constant score for prefixes and wildcards, as Whoosh
    does), but it never reads the lexicon again.
    """

    def __init__(self, clause: q.MultiTerm, btexts: list[bytes]) -> None:
        self.clause, self.btexts = clause, btexts
        self.fieldname, self.boost, self.constantscore = clause.field(), clause.boost, clause.constantscore
        self.text = getattr(clause, "text", "")

    def _btexts(self, ixreader: Any) -> Iterator[bytes]:
        return iter(self.btexts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.clause!r}, {len(self.btexts)} words)"

    def __str__(self) -> str:
        return str(self.clause)


def _near(words: list[q.Query]) -> q.Query | None:
    """A bonus for the words close together (a sloppy phrase), when every clause is one word."""
    texts = [_single_word(clause) for clause in words]
    if None in texts:
        return None
    return q.Or([q.Phrase(field, texts, slop=PROXIMITY_SLOP) for field in SEARCH_FIELDS]).with_boost(PROXIMITY_BOOST)


def _phrase(node: q.Query) -> tuple[str, ...] | None:
    """The words of a query that is one "quoted phrase" over the article text, or None."""
    phrases = node.subqueries if isinstance(node, q.Or) else [node]
    if not all(type(p) is q.Phrase and p.slop == 1 and p.boost == 1 for p in phrases):
        return None
    if sorted(p.fieldname for p in phrases) != sorted(SEARCH_FIELDS) or len({tuple(p.words) for p in phrases}) != 1:
        return None
    return tuple(phrases[0].words)


def _single_word(clause: q.Query) -> str | None:
    """The word a clause looks for in every search field, or None for anything else."""
    leaves = list(clause.leaves())
    texts = {leaf.text for leaf in leaves if isinstance(leaf, q.Term)}
    return texts.pop() if len(texts) == 1 and len(leaves) == len(SEARCH_FIELDS) else None


def _is_text(node: q.Query) -> bool:
    """Whether a clause only searches the article text (headline and body)."""
    return all(leaf.field() in SEARCH_FIELDS for leaf in node.leaves())


def _split_and(node: q.Query) -> tuple[list[q.Query], list[q.Query]]:
    """The required and the excluded clauses of a top-level AND (of NOT x alone: x excluded)."""
    if isinstance(node, q.Not):
        return [], [node.query]
    if isinstance(node, q.AndNot):
        positives, negatives = _split_and(node.a)
        return positives, [*negatives, node.b]
    if isinstance(node, q.And):
        positives = [c for c in node.subqueries if not isinstance(c, q.Not)]
        return positives, [c.query for c in node.subqueries if isinstance(c, q.Not)]
    return [node], []


def _nesting(text: str) -> int:
    """How deep the brackets outside quoted phrases nest."""
    depth = deepest = 0
    for part in text.split('"')[::2]:  # the even parts are outside quotes
        for char in part:
            if char == "(":
                depth += 1
                deepest = max(deepest, depth)
            elif char == ")":
                depth = max(depth - 1, 0)
    return deepest


def _walk(node: q.Query) -> list[q.Query]:
    return [node, *(d for child in node.children() for d in _walk(child))]


def _error(text: str, reason: object) -> QueryError:
    return QueryError(f"cannot understand the query {text[:80]!r}: {reason}; see the query language in the README")
