"""Search engines behind one interface (base.py): Whoosh, embedded, the default; OpenSearch for a cluster.

Everything that knows an engine's library lives in that engine's package here; the rest
of newssearch imports only this package's ``open_engine``, ``parse`` and ``base``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import NewssearchError
from ..fields import SCHEMA, Schema
from .base import Engine

if TYPE_CHECKING:  # the tree's classes are imported by the engines that use it, not by every command
    from . import querytree

ENGINES = ("whoosh", "opensearch")


def open_engine(index_dir: str | Path, schema: Schema = SCHEMA, kind: str | None = None, one_off: bool = False) -> Engine:
    """The engine named by ``kind``, or by NEWSSEARCH_ENGINE (default: whoosh), on this index.

    ``one_off``: the process searches once and exits (``newssearch query``), so the engine
    should read only what that search needs rather than prepare for the next ones.

    Whoosh keeps its index in ``index_dir``; OpenSearch takes its cluster and index name
    from the environment (engine/opensearch) and keeps only small side files there.
    """
    kind = (kind or os.environ.get("NEWSSEARCH_ENGINE") or "whoosh").strip().lower()
    if kind == "whoosh":
        from .whoosh import WhooshEngine

        return WhooshEngine(Path(index_dir), schema, one_off=one_off)
    if kind == "opensearch":
        from .opensearch import OpenSearchEngine

        engine: Engine = OpenSearchEngine.from_environment(Path(index_dir), schema)
        return engine
    raise NewssearchError(f"unknown engine {kind!r} (NEWSSEARCH_ENGINE or --engine); use one of: {', '.join(ENGINES)}")


def parse(text: str, schema: Schema = SCHEMA) -> tuple[querytree.Node, tuple[str, ...] | None]:
    """The query language (README) parsed into the neutral tree, with the relaxation of plain words
    applied; and the query's words as indexed when it is only plain words or one "phrase", else None.

    One parser for every engine: Whoosh's, run without an index (engine/whoosh/tree.py).
    A QueryError says what to fix.
    """
    from .whoosh.tree import parse as parse_tree

    return parse_tree(text, schema)
