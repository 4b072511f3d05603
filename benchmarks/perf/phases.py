"""The measurements of one scale, phase by phase, for both engines.

Each phase returns plain figures (``{"newssearch": {...}, "fts5": {...}}`` keys as
in ``report.ROWS``), so the report can print them, take ratios and compare scales.
Phases that change the index (new articles) run last.
"""

from __future__ import annotations

import compileall
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import newssearch
from newssearch import SearchIndex, SearchRequest, reindex, search

from . import fts5, latency, webload
from .corpus import Archive, read_articles, write_new_articles
from .measure import MB, JobResult, dir_size, latency_summary, load_average, median, python_env, run_job
from .queries import QUERIES, BenchQuery

Figures = dict[str, float]


@dataclass(frozen=True)
class Settings:
    """How long to measure: ``quick`` for a smoke run, the defaults for the table."""

    build_runs: int = 3
    incremental_runs: int = 3
    warm_repeats: int = 10
    cold_repeats: int = 3
    web_clients: int = 8
    web_seconds: float = 30.0

    @classmethod
    def quick(cls) -> Settings:
        return cls(build_runs=1, incremental_runs=2, warm_repeats=3, cold_repeats=1, web_seconds=5.0)

    def for_scale(self, scale: int) -> Settings:
        """Fewer repetitions at a larger scale: every run takes about scale times as long."""
        return self if scale == 1 else replace(self, build_runs=1, cold_repeats=1, warm_repeats=min(self.warm_repeats, 3))


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {' '.join(map(str, load_average()))}] {message}", file=sys.stderr, flush=True)


PROGRAM = "import sys; from newssearch import cli; sys.argv[0] = 'newssearch'; sys.exit(getattr(cli, 'run', cli.main)())"
"""What pip's ``newssearch`` script runs, with the measured commit's own entry point: ``cli.run``
since ``3fb4481``, ``cli.main`` before. Not the script installed beside this Python: it calls
the entry point of the checkout it was installed from, which an older snapshot lacks."""


def newssearch_command(*args: str) -> list[str]:
    """``newssearch ARGS`` as a user runs it (``-P``: nothing from the working folder comes first on the path)."""
    return [sys.executable, "-P", "-c", PROGRAM, *args]


# Full builds ------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _builds(job: str, archive: Path, target: Path, runs: int) -> list[JobResult]:
    """Run a full build ``runs`` times from nothing; the last one's output stays for the searches."""
    results = []
    for run in range(1, runs + 1):
        log(f"{job} {run}/{runs}")
        _remove(target)
        results.append(run_job(job, str(archive), str(target)))
    return results


def _build_figures(results: list[JobResult], target: Path, articles: int, text_mb: float) -> Figures:
    seconds = median([r.output["seconds"] for r in results])
    cpu = median([r.output["cpu_seconds"] for r in results])
    return {
        "full_reindex_s": seconds,
        "full_reindex_cpu_s": cpu,
        "cores_used": cpu / median([r.wall_seconds for r in results]),
        "articles_per_s": articles / seconds,
        "text_mb_per_s": text_mb / seconds,
        "peak_tree_rss_mb": max(r.peak_tree_bytes for r in results) / MB,
        "max_process_rss_mb": max(r.peak_process_bytes for r in results) / MB,
        "index_mb": dir_size(target) / MB,
    }


def full_builds(archive: Archive, index_dir: Path, db: Path, settings: Settings) -> dict[str, Any]:
    """FTS5 first (its job also times newssearch's readers alone), then newssearch's full reindex."""
    fts = _builds("fts5-build", archive.root, db, settings.build_runs)
    corpus = fts[-1].output
    text_mb = corpus["text_bytes"] / MB
    ours = _builds("reindex", archive.root, index_dir, settings.build_runs)
    if ours[-1].output["articles"] != corpus["articles"]:
        log(f"warning: newssearch indexed {ours[-1].output['articles']} articles, FTS5 {corpus['articles']}")
    return {
        "archive": {"articles": corpus["articles"], "text_mb": text_mb, "read_s": median([r.output["read_seconds"] for r in fts])},
        "newssearch": _build_figures(ours, index_dir, corpus["articles"], text_mb),
        "fts5": _build_figures(fts, db, corpus["articles"], text_mb),
    }


# Searches ---------------------------------------------------------------------------------


def search_request(query: BenchQuery) -> SearchRequest:
    """The Python API request of a query: first page, snippets, facets."""
    return SearchRequest(
        q=query.text,
        filters={"source": (query.source,)} if query.source else {},
        since=date.fromisoformat(query.since) if query.since else None,
        until=date.fromisoformat(query.until) if query.until else None,
        facets=True,
    )


def _prefixed(prefix: str, summary: Figures) -> Figures:
    return {f"{prefix}_{name}": value for name, value in summary.items()}


def searches(index_dir: Path, db: Path, settings: Settings) -> dict[str, Any]:
    """Warm (one process, reused searcher / connection) and cold (a process per search) latency."""
    with closing(fts5.connect(db)) as connection:
        return _searches(SearchIndex(index_dir), index_dir, connection, db, settings)


def _searches(index: SearchIndex, index_dir: Path, connection: sqlite3.Connection, db: Path, settings: Settings) -> dict[str, Any]:
    log("warm searches")
    warm_ours = latency.warm(lambda q: search(index, search_request(q)), QUERIES, settings.warm_repeats)
    warm_fts = latency.warm(lambda q: fts5.search(connection, q), QUERIES, settings.warm_repeats)
    log("cold searches")
    # As installed: pip compiles the package's bytecode, and a user's first query writes it
    # anyway. A checkout run with PYTHONDONTWRITEBYTECODE would compile every module per process.
    compileall.compile_dir(Path(newssearch.__file__).parent, quiet=1)

    def cold_ours(_: int, query: BenchQuery) -> list[str]:
        return newssearch_command("query", query.text, "--index", str(index_dir), *query.cli_args())

    def cold_fts(number: int, _: BenchQuery) -> list[str]:
        return [sys.executable, "-m", "perf.fts5", str(db), str(number)]

    def cold_plain(_: int, query: BenchQuery) -> list[str]:
        return newssearch_command("query", query.text, "--index", str(index_dir), *query.plain_args())

    cold_ours_s, failed = latency.cold(cold_ours, QUERIES, settings.cold_repeats)
    cold_plain_s, failed_plain = latency.cold(cold_plain, QUERIES, settings.cold_repeats)
    cold_fts_s, failed_fts = latency.cold(cold_fts, QUERIES, settings.cold_repeats)
    for text, error in (failed | failed_plain).items():
        log(f"cold search failed: {text!r}: {error}")
    if failed_fts:
        raise RuntimeError(f"FTS5's cold searches failed: {failed_fts}")  # the reference itself is broken
    per_query = [
        {"kind": q.kind, "query": q.text, "fts5": q.fts, "source": q.source, "since": q.since, "until": q.until,
         "newssearch_total": search(index, search_request(q)).total, "fts5_total": fts5.search(connection, q)["total"],
         "newssearch_warm_ms": w1 * 1000, "fts5_warm_ms": w2 * 1000, "newssearch_cold_ms": c1 * 1000, "fts5_cold_ms": c2 * 1000,
         "newssearch_cold_plain_ms": c3 * 1000, "newssearch_cold_error": failed.get(q.text), "newssearch_cold_plain_error": failed_plain.get(q.text)}
        for q, w1, w2, c1, c2, c3 in zip(QUERIES, warm_ours, warm_fts, cold_ours_s, cold_fts_s, cold_plain_s, strict=True)
    ]  # fmt: skip
    return {
        "newssearch": _prefixed("warm", latency_summary(warm_ours))
        | _prefixed("cold", latency_summary(cold_ours_s))
        | _prefixed("cold_plain", latency_summary(cold_plain_s))
        | {"cold_failed": len(failed), "cold_plain_failed": len(failed_plain)},
        "fts5": _prefixed("warm", latency_summary(warm_fts)) | _prefixed("cold", latency_summary(cold_fts_s)),
        "queries": per_query,
    }


def web(index_dir: Path, settings: Settings) -> dict[str, Any]:
    log(f"web server: {settings.web_clients} clients for {settings.web_seconds:.0f} s")
    result = webload.load(index_dir, QUERIES, settings.web_clients, settings.web_seconds)
    figures = {
        "web_requests_per_s": result["requests_per_s"],
        "web_p50_ms": result["p50_ms"],
        "web_p95_ms": result["p95_ms"],
        "web_max_ms": result["max_ms"],
        "web_errors": result["errors"],
        "web_server_rss_mb": result["server_peak_rss_mb"],
    }
    return {"newssearch": figures, "web": result}


# Incremental reindex ----------------------------------------------------------------------


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def incremental(archive: Archive, index_dir: Path, db: Path, settings: Settings) -> dict[str, Any]:
    """Reindex with nothing changed (API and CLI), then after each new export of 100 articles."""
    log("reindex with nothing changed")
    runs = settings.incremental_runs
    unchanged = [_timed(lambda: reindex(archive.root, index_dir)) for _ in range(runs)]
    cli = _timed(lambda: subprocess.run(newssearch_command("reindex", "--archive", str(archive.root), "--index", str(index_dir)),
                                        check=True, capture_output=True, env=python_env()))  # fmt: skip
    log("reindex after adding 100 articles")
    added_ours, added_fts = [], []
    connection = sqlite3.connect(db, timeout=60)
    for run in range(runs):
        path = write_new_articles(archive, f"new{run}")
        started = time.perf_counter()
        report = reindex(archive.root, index_dir)
        added_ours.append(time.perf_counter() - started)
        if report.added != 100:
            log(f"warning: {report.added} articles added, expected 100")
        added_fts.append(_timed(lambda: fts5.insert(connection, read_articles([path], archive.root))))  # noqa: B023 (called in this iteration)
    connection.close()
    return {
        "newssearch": {"unchanged_reindex_s": median(unchanged), "unchanged_reindex_cli_s": cli, "add100_reindex_s": median(added_ours)},
        "fts5": {"add100_reindex_s": median(added_fts)},
    }


def run_scale(tmp: Path, archive: Archive, settings: Settings) -> dict[str, Any]:
    """Every measurement of one archive; ``load_average`` records how busy the machine was meanwhile."""
    index_dir, db = tmp / "index", tmp / "fts5.sqlite"
    result: dict[str, Any] = {"newssearch": {}, "fts5": {}, "load_average": {}}
    phases = (
        ("full builds", lambda: full_builds(archive, index_dir, db, settings)),
        ("searches", lambda: searches(index_dir, db, settings)),
        ("web", lambda: web(index_dir, settings)),
        ("incremental", lambda: incremental(archive, index_dir, db, settings)),
    )
    for name, phase in phases:
        started = time.perf_counter()
        for key, value in phase().items():
            if key in ("newssearch", "fts5"):
                result[key].update(value)
            else:
                result[key] = value
        result["load_average"][name] = load_average()
        log(f"{name} done in {time.perf_counter() - started:.0f} s")
    return result
