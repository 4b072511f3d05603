"""The engine interface: the operations newssearch needs of a search engine, and what each must guarantee.

The search service (search.py), the indexer (indexer.py), the CLI and the web app talk to
an engine only through this module's ``Engine`` and ``Writer``; everything that knows a
particular engine (Whoosh, OpenSearch) lives in its own package under ``engine/``, so a
second engine is added without touching the CLI, the web app or the readers.

Every engine must guarantee:

- **Atomic commit.** What a ``Writer`` adds, replaces and deletes becomes visible to
  searches all at once, at ``commit()``; ``cancel()`` (or a crash, a killed process, a
  full disk) leaves the last committed index as it was, and usable.
- **Readers never see half a reindex.** A search runs against one committed version; a
  full rebuild replaces the old index in one step at commit (a new table of contents
  renamed into place for Whoosh, an alias swap for OpenSearch).
- **One writer.** ``Engine.writer`` refuses (IndexLocked) while another reindex writes.
- **The same answers.** ``search`` returns ``Matches`` as documented below: the total,
  the top ``window`` in order, every facet's counts over all matches (filters applied),
  stored fields with the same names and types (``fields.Schema.stored``). The service
  builds the one ``SearchResult`` contract (search.py) from them, whichever the engine.
- **Clear failures.** No index (or a cluster unreachable or red): IndexNotFound, which
  the web app answers with 503; an index of an older schema: IndexOutdated; a query the
  engine cannot run or that passes its time limit or budget: QueryError with a one-line
  reason. Never a bare engine exception.
- **Closed explicitly.** ``close()`` releases files, connections and threads; an engine
  is a context manager.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..fields import Schema

Document = dict[str, Any]
"""An article as the indexer hands it to an engine: a value for each field of the schema
(``date`` a datetime or None, ``tags`` a tuple, bytes fields as bytes) and one list of
values per facet, keyed by ``Facet.field``."""

Stored = Mapping[str, Any]
"""An article's stored fields (``Schema.stored``), as a search or ``get`` returns them. A
mapping: an engine may read a hit's fields only when they are first looked at (the service
folds a window of hits several times the page, and shows only the page)."""


@dataclass(frozen=True)
class Query:
    """One search, as the service asks an engine for it (already validated)."""

    text: str  # in the query language (README); empty: every article
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # facet name -> values: OR within, AND across
    since: date | None = None  # both days included
    until: date | None = None
    sort: Literal["relevance", "newest", "oldest"] = "relevance"  # date sorts: undated articles last, then by relevance
    recency: bool = False  # blend relevance with freshness (ranking.py)
    window: int = 10  # how many of the best matches to return, in order
    facets: bool = False  # count every facet over all matches
    deadline: float = float("inf")  # time.thread_time() past which the engine stops with a QueryError


@dataclass
class Match:
    """One of the best matches."""

    id: str
    score: float | None  # None when sorted by date
    stored: Stored
    sketch: bytes  # the near-duplicate fingerprint, for folding (duplicates.py)


@dataclass
class Matches:
    """What an engine found for a Query, or the articles related to one."""

    total: int  # every match, not only the window
    hits: list[Match]  # the best ``window``, best first
    facets: dict[str, dict[str, int]] | None  # facet name -> value -> matches with it (values with none left out)
    snippets: Callable[[list[Match]], list[str]]
    """HTML snippets for some of ``hits`` (those the page shows): escaped text of the body
    with the query's words in ``<mark>``; called at most once, after the service folded
    near-duplicates and cut the page."""


@dataclass(frozen=True)
class Indexed:
    """What the indexer needs to know of one live article for an incremental reindex."""

    id: str
    filekey: str  # "path\\0signature"
    blocks: bytes
    dropped: bytes
    copies: bytes


@dataclass
class EngineStats:
    articles: int
    size_bytes: int  # on disk (or in the cluster's primary shards)
    location: str  # the index folder, or the cluster and index name


class Writer(ABC):
    """Changes to the index, invisible to searches until ``commit``. Only ``reindex`` makes one."""

    def expect(self, size_bytes: int) -> None:  # noqa: B027  (optional: an engine that does not choose ignores it)
        """How much archive text the changes hold, once the reindex knows (an incremental one
        decides from ``Engine.indexed``, read after the writer opened): an engine may choose
        how to write from it before the first change. Until then, ``Engine.writer``'s bound."""

    @abstractmethod
    def add(self, document: Document) -> None:
        """Add an article known not to be in the index (a full rebuild adds only)."""

    @abstractmethod
    def replace(self, document: Document) -> None:
        """Add an article, replacing any article with its id."""

    @abstractmethod
    def delete_file(self, path: str) -> None:
        """Delete every article read from the archive file ``path``."""

    @abstractmethod
    def commit(self) -> None:
        """Make every change visible at once; a full rebuild replaces the whole index."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop every change; the committed index stays as it was. Does nothing after a commit
        or a cancel: the indexer cancels on any error, one raised by ``commit`` too."""


class Engine(ABC):
    """One index, through one engine. Thread-safe for searching; one ``Writer`` at a time."""

    schema: Schema

    # Writing (reindex only) ----------------------------------------------------------------

    @abstractmethod
    def writer(self, full: bool, size_bytes: int) -> Writer:
        """A writer; ``full``: it rebuilds the index from nothing (which it creates if there is none).

        ``size_bytes`` (the archive text to index, or a bound on it: ``Writer.expect``) lets an engine choose how to write
        (processes, bulk sizes). Raises IndexLocked while another writer is open.
        """

    @abstractmethod
    def exists(self) -> bool:
        """Whether there is an index of this schema version to update (else a reindex is full)."""

    @abstractmethod
    def indexed(self) -> Iterator[Indexed]:
        """Every live article's bookkeeping, for an incremental reindex and ``newssearch furniture``."""

    @abstractmethod
    def save_report(self, report: dict[str, Any]) -> None:
        """Keep the last reindex's summary, for ``stats``."""

    # Reading -----------------------------------------------------------------------------

    @abstractmethod
    def search(self, query: Query) -> Matches:
        """The matches of ``query``: its window of best hits, the total, the facets if asked."""

    @abstractmethod
    def get(self, article_id: str) -> Stored | None:
        """The stored fields of the article with this id, or None."""

    @abstractmethod
    def related(self, article_id: str, limit: int) -> Matches:
        """The articles most like this one (not itself), best first; ArticleNotFound if there is none."""

    @abstractmethod
    def suggest(self, text: str) -> str | None:
        """The query with its misspelled words respelled from the index's words; None if none is."""

    @abstractmethod
    def mark(self, text: str, query_text: str) -> str:
        """``text`` (an article's body) escaped, with the words ``query_text`` looks for in ``<mark>``;
        empty when none occurs or the query does not parse."""

    @abstractmethod
    def stats(self) -> EngineStats: ...

    @abstractmethod
    def last_report(self) -> dict[str, Any] | None:
        """The summary the last reindex saved, or None."""

    @abstractmethod
    def close(self) -> None:
        """Release files, connections and threads; a later call opens again."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
