"""Relevance benchmark: newssearch against BM25, SQLite FTS5, tantivy and Lucene on every judged
collection in ``../shared/corpora`` (CISI, Cranfield, CACM, MED, NPL, LISA).

Run from anywhere: ``python benchmarks/relevance.py [--collections cisi,med] [--no-peers]``.
For each collection it

1. reads the documents, queries and judgments (judged.py; each collection's quirks are there);
2. writes the documents as a JSONL export into a temporary archive and indexes it with
   ``newssearch.reindex``, so the product's own reader, analyzer and indexer are measured;
3. runs every judged query as a user would type it through ``newssearch.search``: one
   page of 100 hits (the most a page holds), or ``--depth N`` hits page by page;
4. ranks the same documents for the same query text with each peer (peers.py), cut at the
   same depth;
5. prints one table per collection and a summary, and writes per-query numbers to
   ``benchmarks/results/relevance-<date>.json``.

A query the product rejects (QueryError) scores zero and is listed: whether to accept
such text is a product decision, so the benchmark does not clean queries up.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import judged
import peers
from judged import Collection, Document, Judgments

from newssearch import QueryError, SearchIndex, SearchRequest, reindex, search
from newssearch.search import MAX_PAGE_SIZE

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "benchmarks" / "results"
DEPTH = MAX_PAGE_SIZE
"""Ranks evaluated for MAP: one page of the product's results. The standard is the full ranking
(TREC: 1,000); ``--depth 1000`` pages through the product to get it, but each further page
repeats the search with a wider near-duplicate folding window and costs seconds."""
METRICS = ("MAP", "nDCG@10", "P@10", "Recall@100")

Ranking = list[str]
"""Document ids, best first."""
PerQuery = dict[str, dict[str, float]]
"""Query id -> measure name -> value."""


@dataclass
class Run:
    """One system's rankings for the judged queries, and the queries it could not run."""

    name: str
    rankings: dict[str, Ranking] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # query id -> error message
    seconds: float = 0.0


# --- newssearch -----------------------------------------------------------------------


def write_export(documents: Sequence[Document], path: Path) -> None:
    """The documents as a CMS export (JSON Lines), the way a newsroom archive would hold them."""
    with path.open("w", encoding="utf-8") as file:
        for doc in documents:
            file.write(json.dumps({"id": doc.id, "title": doc.title, "body": doc.body, "author": doc.author}) + "\n")


def build_index(documents: Sequence[Document], workdir: Path) -> SearchIndex:
    """Index the documents through the product: export file -> reindex -> SearchIndex.

    A document with neither title nor body (Cranfield 471 and 995) is left out: the export
    reader rightly refuses it, and no engine can find it.
    """
    archive, index_dir = workdir / "archive", workdir / "index"
    archive.mkdir()
    documents = [doc for doc in documents if doc.title.strip() or doc.body.strip()]
    write_export(documents, archive / "collection.jsonl")
    report = reindex(archive, index_dir, full=True)
    if report.problems or report.articles != len(documents):
        raise SystemExit(f"reindex indexed {report.articles} of {len(documents)} documents: {report.problems}")
    return SearchIndex(index_dir)


def product_ranking(index: SearchIndex, text: str, depth: int = DEPTH) -> Ranking:
    """The product's top ``depth`` ids for ``text``, read page by page (a page holds at most MAX_PAGE_SIZE).

    Near-duplicates folded under a hit ("N similar", one click away) count right after it:
    folding should neither hide a relevant copy from the measure nor add rank for it.
    """
    ranking: Ranking = []
    for page in range(1, -(-depth // MAX_PAGE_SIZE) + 1):
        result = search(index, SearchRequest(q=text, page=page, page_size=MAX_PAGE_SIZE))
        for hit in result.hits:
            ranking += [hit.id, *(similar.id for similar in hit.similar)]
        if page * MAX_PAGE_SIZE >= result.total:
            break
    return list(dict.fromkeys(ranking))[:depth]


def run_product(collection: Collection, depth: int) -> Run:
    run = Run("newssearch")
    with tempfile.TemporaryDirectory(prefix=f"newssearch-{collection.name}-") as workdir:
        index = build_index(collection.documents, Path(workdir))
        started = time.perf_counter()
        for query in collection.queries:
            try:
                run.rankings[query.id] = product_ranking(index, query.text, depth)
            except QueryError as error:
                run.rankings[query.id] = []
                run.failures[query.id] = str(error)
        run.seconds = time.perf_counter() - started
    return run


def run_peer(name: str, collection: Collection, depth: int) -> Run | None:
    """One peer's run, or None (with a note) when its package is not installed."""
    started = time.perf_counter()
    try:
        rankings = peers.PEERS[name](collection.documents, collection.queries, depth)
    except ImportError as error:
        print(f"  {name}: skipped, {error.name or error} is not installed (pip install -e '.[bench]')")
        return None
    return Run(name, rankings, seconds=time.perf_counter() - started)


# --- measures -------------------------------------------------------------------------


def average_precision(ranking: Ranking, relevant: set[str]) -> float:
    found, total = 0, 0.0
    for rank, doc_id in enumerate(ranking, start=1):
        if doc_id in relevant:
            found += 1
            total += found / rank
    return total / len(relevant)


def ndcg(ranking: Ranking, relevant: set[str], k: int = 10) -> float:
    """Binary-gain nDCG@k with the usual 1/log2(rank + 1) discount."""
    dcg = sum(1 / math.log2(rank + 1) for rank, doc_id in enumerate(ranking[:k], start=1) if doc_id in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


def precision(ranking: Ranking, relevant: set[str], k: int = 10) -> float:
    return sum(doc_id in relevant for doc_id in ranking[:k]) / k


def recall(ranking: Ranking, relevant: set[str], k: int = 100) -> float:
    return sum(doc_id in relevant for doc_id in ranking[:k]) / len(relevant)


MEASURES: dict[str, Callable[[Ranking, set[str]], float]] = {
    "MAP": average_precision,
    "nDCG@10": ndcg,
    "P@10": precision,
    "Recall@100": recall,
}


def evaluate(run: Run, judgments: Judgments) -> PerQuery:
    """Per judged query: measure name -> value (a failed query has an empty ranking, so zeros)."""
    return {
        query_id: {name: measure(run.rankings.get(query_id, []), relevant) for name, measure in MEASURES.items()}
        for query_id, relevant in judgments.items()
    }


def averages(per_query: PerQuery) -> dict[str, float]:
    return {name: statistics.fmean(scores[name] for scores in per_query.values()) for name in METRICS}


def wins(ours: PerQuery, theirs: PerQuery, name: str) -> tuple[int, int, int]:
    """Queries where ours is better, equal, worse on one measure: is a difference broad or a few outliers?"""
    diffs = [ours[q][name] - theirs[q][name] for q in ours]
    return sum(d > 1e-9 for d in diffs), sum(abs(d) <= 1e-9 for d in diffs), sum(d < -1e-9 for d in diffs)


# --- output ---------------------------------------------------------------------------


def print_collection(collection: Collection, results: dict[str, PerQuery], depth: int) -> None:
    """Every system's means, and against the best peer on how many queries newssearch is better/same/worse."""
    means = {name: averages(per_query) for name, per_query in results.items()}
    print(f"\n{collection.name}: {len(collection.documents)} documents, {len(collection.queries)} judged queries, MAP over the top {depth}\n")
    print(f"{'system':<12}" + "".join(f"{name:>11}" for name in METRICS))
    for system, mean in means.items():
        print(f"{system:<12}" + "".join(f"{mean[name]:>11.4f}" for name in METRICS))
    if (best := best_peer(means, "MAP")) is not None:
        ours = results["newssearch"]
        line = "  ".join(f"{name} {'/'.join(map(str, wins(ours, results[best], name)))}" for name in ("MAP", "nDCG@10"))
        print(f"newssearch vs {best} (best peer on MAP), queries better/same/worse: {line}")


def best_peer(means: dict[str, dict[str, float]], measure: str) -> str | None:
    """The peer with the highest mean on ``measure``. Lucene+RM3 is a reference for feedback, not a plain peer."""
    plain = [name for name in means if name not in ("newssearch", "Lucene+RM3")]
    return max(plain, key=lambda name: means[name][measure]) if plain else None


def print_summary(all_means: dict[str, dict[str, dict[str, float]]]) -> None:
    """MAP and nDCG@10 per collection: newssearch, the best peer, Lucene, and the difference in percent."""
    print(f"\n{'collection':<11}{'measure':>9}{'newssearch':>12}{'best peer':>22}{'diff':>8}{'Lucene':>9}{'diff':>8}")
    for collection, means in all_means.items():
        for measure in ("MAP", "nDCG@10"):
            ours = means["newssearch"][measure]
            best = best_peer(means, measure)
            row = f"{collection:<11}{measure:>9}{ours:>12.4f}"
            row += f"{f'{best} {means[best][measure]:.4f}':>22}{_percent(ours, means[best][measure]):>8}" if best else f"{'':>30}"
            if "Lucene" in means:
                row += f"{means['Lucene'][measure]:>9.4f}{_percent(ours, means['Lucene'][measure]):>8}"
            print(row)


def _percent(ours: float, theirs: float) -> str:
    return f"{100 * (ours - theirs) / theirs:+.1f}%" if theirs else ""


def product_commit() -> str | None:
    """The repository's commit, marked ``-dirty`` with uncommitted changes: the product changes under the benchmark."""
    try:
        git = ["git", "-C", str(REPO)]
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def write_json(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n")


def _names(text: str, known: Sequence[str], what: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if unknown := [name for name in names if name not in known]:
        raise SystemExit(f"unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", default=",".join(judged.LOADERS), help="comma-separated subset (default: all)")
    parser.add_argument("--peers", default=",".join(peers.PEERS), help="comma-separated subset of the peers (default: all)")
    parser.add_argument("--no-peers", action="store_true", help="measure newssearch alone")
    parser.add_argument("--corpora", type=Path, default=judged.CORPORA, help="folder holding the collections' folders")
    parser.add_argument("--depth", type=int, default=DEPTH, help=f"ranks for MAP (default {DEPTH}: one page; 1000 is standard but slow)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / f"relevance-{date.today():%Y-%m-%d}.json")
    args = parser.parse_args(argv)
    names = _names(args.collections, list(judged.LOADERS), "collection")
    peer_names = [] if args.no_peers else _names(args.peers, list(peers.PEERS), "peer")

    report: dict = {"date": f"{date.today():%Y-%m-%d}", "commit": product_commit(), "map_depth": args.depth, "collections": {}}
    all_means: dict[str, dict[str, dict[str, float]]] = {}
    for name in names:
        collection = judged.load(name, args.corpora)
        print(f"\n{name}: indexing {len(collection.documents)} documents through newssearch ...", flush=True)
        runs = [run_product(collection, args.depth)]
        runs += [run for peer in peer_names if (run := run_peer(peer, collection, args.depth)) is not None]
        results = {run.name: evaluate(run, collection.judgments) for run in runs}
        print_collection(collection, results, args.depth)
        print("seconds: " + ", ".join(f"{run.name} {run.seconds:.1f}" for run in runs))
        if failures := runs[0].failures:
            print(f"{len(failures)} queries failed in newssearch (scored 0): " + "; ".join(f"{q}: {m}" for q, m in failures.items()))
        all_means[name] = {system: averages(per_query) for system, per_query in results.items()}
        report["collections"][name] = {
            "documents": len(collection.documents),
            "queries": len(collection.queries),
            "mean": all_means[name],
            "failures": failures,
            "per_query": {q: {system: results[system][q] for system in results} for q in collection.judgments},
        }
    print_summary(all_means)
    write_json(args.out, report)
    print(f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
