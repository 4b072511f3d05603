"""The embedded engine: Whoosh, in the index folder. Every ``import whoosh`` of newssearch is in this package.

Reading (searching.py and the modules it uses) and writing (writing.py) are apart; this
class is the one door to both, the ``Engine`` of base.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ...fields import Schema
from ..base import Engine, EngineStats, Indexed, Matches, Query, Stored, Writer
from . import patches  # noqa: F401  (to be applied inside the engine, not on import: issue 13)


class WhooshEngine(Engine):
    """A Whoosh index in ``index_dir``, built from ``schema``."""

    def __init__(self, index_dir: Path, schema: Schema) -> None:
        self.index_dir = index_dir
        self.schema = schema

    # Writing: writing.py -------------------------------------------------------------------

    def writer(self, full: bool, size_bytes: int) -> Writer:
        from .writing import WhooshWriter  # here: a search never loads the writer and its processes

        return WhooshWriter.open(self, full, size_bytes)

    def indexed(self) -> Iterator[Indexed]:
        from .writing import indexed

        return indexed(self)

    def exists(self) -> bool:
        raise NotImplementedError  # issue 13, reading side

    def save_report(self, report: dict[str, Any]) -> None:
        raise NotImplementedError  # issue 13, reading side

    # Reading: searching.py -----------------------------------------------------------------

    def search(self, query: Query) -> Matches:
        raise NotImplementedError  # issue 13, reading side

    def get(self, article_id: str) -> Stored | None:
        raise NotImplementedError  # issue 13, reading side

    def related(self, article_id: str, limit: int) -> Matches:
        raise NotImplementedError  # issue 13, reading side

    def suggest(self, text: str) -> str | None:
        raise NotImplementedError  # issue 13, reading side

    def mark(self, text: str, query_text: str) -> str:
        raise NotImplementedError  # issue 13, reading side

    def stats(self) -> EngineStats:
        raise NotImplementedError  # issue 13, reading side

    def last_report(self) -> dict[str, Any] | None:
        raise NotImplementedError  # issue 13, reading side

    def close(self) -> None:
        raise NotImplementedError  # issue 13, reading side
