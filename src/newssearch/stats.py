"""What is in the index: counts by source and year, size on disk, the last reindex."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .search import SearchIndex, SearchRequest, search


@dataclass
class IndexStats:
    articles: int
    by_source: dict[str, int]
    by_year: dict[str, int]
    undated: int
    size_bytes: int
    index_dir: str
    last_reindex: dict[str, Any] | None  # the summary the last reindex saved, without its problem list

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def index_stats(index: SearchIndex) -> IndexStats:
    facets = search(index, SearchRequest(page_size=1, facets=True)).facets or {}
    by_year = {v.value: v.count for v in sorted(facets["year"], key=lambda v: v.value)}
    report = index.engine.last_report()
    if report is not None:
        report = {k: v for k, v in report.items() if k != "problems"} | {"problems": len(report.get("problems", []))}
    engine = index.engine.stats()
    return IndexStats(
        articles=engine.articles,
        by_source={v.value: v.count for v in facets["source"]},
        by_year=by_year,
        undated=engine.articles - sum(by_year.values()),
        size_bytes=engine.size_bytes,
        index_dir=engine.location,
        last_reindex=report,
    )
