"""Work measured in a child process, so that its peak memory and CPU time are its own.

``python -m perf.jobs reindex ARCHIVE INDEX`` (newssearch's full reindex, which forks
its own workers) and ``fts5-build ARCHIVE DB``. Each prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newssearch import reindex

from . import fts5
from .corpus import read_archive, text_bytes
from .measure import cpu_seconds


def reindex_job(archive: str, index: str) -> dict[str, Any]:
    started = time.perf_counter()
    report = reindex(archive, index, full=True)
    return {"seconds": time.perf_counter() - started, "articles": report.articles, "problems": len(report.skipped)}


def fts5_build_job(archive: str, db: str) -> dict[str, Any]:
    """Read the archive once alone (to time the readers), then build FTS5 from it, reading again."""
    started = time.perf_counter()
    articles = total_bytes = 0
    for article in read_archive(Path(archive)):
        articles += 1
        total_bytes += text_bytes(article)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    connection = fts5.create(Path(db))
    inserted = fts5.insert(connection, read_archive(Path(archive)))
    connection.close()
    seconds = time.perf_counter() - started
    assert inserted == articles
    return {"seconds": seconds, "read_seconds": read_seconds, "articles": articles, "text_bytes": total_bytes}


JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "reindex": reindex_job,
    "fts5-build": fts5_build_job,
}


def main(argv: list[str]) -> None:
    command, *args = argv
    output = JOBS[command](*args)
    print(json.dumps({**output, "cpu_seconds": cpu_seconds()}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
