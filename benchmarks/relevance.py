"""Relevance benchmark: newssearch against a plain BM25 baseline on the CISI collection.

Run from anywhere: ``python benchmarks/relevance.py``. It

1. reads ``../shared/corpora/cisi`` (1,460 documents, 112 queries, judgments for 76);
2. writes the documents as a JSONL export into a temporary archive and indexes it with
   ``newssearch.reindex``, so the product's own reader, analyzer and indexer are measured;
3. runs every judged query as a user would type it through ``newssearch.search``: one
   page of 100 hits (the most a page holds), or ``--depth N`` hits page by page;
4. ranks the same documents for the same queries with ``rank_bm25.BM25Okapi``, tokenised
   by the product's own analyzer (same stop words and stemming), as the baseline;
5. prints MAP, nDCG@10, P@10 and Recall@100 for both, and writes per-query numbers to
   ``benchmarks/results/relevance-<date>.json``.

A query the product rejects (QueryError) scores zero and is listed: whether to accept
such text is a product decision, so the benchmark does not clean queries up.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rank_bm25 import BM25Okapi

from newssearch import QueryError, SearchIndex, SearchRequest, reindex, search
from newssearch.schema import text_analyzer
from newssearch.search import MAX_PAGE_SIZE

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "cisi"
RESULTS_DIR = REPO / "benchmarks" / "results"
DEPTH = MAX_PAGE_SIZE
"""Ranks evaluated for MAP: one page of the product's results. The standard is the full ranking
(TREC: 1,000); ``--depth 1000`` pages through the product to get it, but each further page
repeats the search with a wider near-duplicate folding window and costs seconds."""
METRICS = ("MAP", "nDCG@10", "P@10", "Recall@100")

Ranking = list[str]
"""Document ids, best first."""
Judgments = dict[str, set[str]]
"""Query id -> ids of the documents judged relevant."""
PerQuery = dict[str, dict[str, float]]
"""Query id -> measure name -> value."""


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    body: str
    author: str


@dataclass(frozen=True)
class Query:
    id: str
    text: str


@dataclass
class Run:
    """One system's rankings for the judged queries, and the queries it could not run."""

    name: str
    rankings: dict[str, Ranking] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # query id -> error message
    seconds: float = 0.0


# --- the collection -------------------------------------------------------------------


def smart_records(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART-format records (``.I n`` then ``.T``/``.A``/``.W``/... sections) as (id, field -> text).

    A field that occurs several times (``.A`` with several authors) keeps its lines joined by newlines.
    """
    record_id: str | None = None
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if marker := re.match(r"^\.([A-Z])\b\s*(.*)$", line):
            tag, rest = marker.groups()
            if tag == "I":
                if record_id is not None:
                    yield record_id, _joined(fields)
                record_id, fields, current = rest.strip(), {}, None
                continue
            current = fields.setdefault(tag, [])
            if rest.strip():
                current.append(rest)
        elif current is not None:
            current.append(line)
    if record_id is not None:
        yield record_id, _joined(fields)


def _joined(fields: dict[str, list[str]]) -> dict[str, str]:
    return {tag: "\n".join(lines).strip() for tag, lines in fields.items()}


def one_line(text: str) -> str:
    """Text as typed into a search box: the record's line breaks and indentation become single spaces."""
    return " ".join(text.split())


def load_documents(corpus: Path) -> list[Document]:
    """CISI.ALL: title (.T), body (.W), authors (.A, one per line); citations (.X) are not text."""
    with gzip.open(corpus / "CISI.ALL.gz", "rt", encoding="ascii") as file:
        records = smart_records(file.read())
    return [
        Document(id=i, title=one_line(f.get("T", "")), body=f.get("W", ""), author="; ".join(f.get("A", "").splitlines()))
        for i, f in records
    ]


def load_queries(corpus: Path) -> list[Query]:
    """CISI.QRY: the question (.W). Queries 58 onward also carry the title and source of a paper, which are not the question."""
    records = smart_records((corpus / "CISI.QRY").read_text(encoding="ascii"))
    return [Query(id=i, text=one_line(f["W"])) for i, f in records]


def load_judgments(corpus: Path) -> Judgments:
    """CISI.REL: ``query doc 0 0.000000`` lines; every listed pair is relevant."""
    judgments: Judgments = defaultdict(set)
    for line in (corpus / "CISI.REL").read_text(encoding="ascii").splitlines():
        if line.strip():
            query_id, doc_id, *_ = line.split()
            judgments[query_id].add(doc_id)
    return dict(judgments)


# --- the two systems ------------------------------------------------------------------


def write_export(documents: Sequence[Document], path: Path) -> None:
    """The documents as a CMS export (JSON Lines), the way a newsroom archive would hold them."""
    with path.open("w", encoding="utf-8") as file:
        for doc in documents:
            file.write(json.dumps({"id": doc.id, "title": doc.title, "body": doc.body, "author": doc.author}) + "\n")


def build_index(documents: Sequence[Document], workdir: Path) -> SearchIndex:
    """Index the documents through the product: export file -> reindex -> SearchIndex."""
    archive, index_dir = workdir / "archive", workdir / "index"
    archive.mkdir()
    write_export(documents, archive / "cisi.jsonl")
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


def run_product(index: SearchIndex, queries: Sequence[Query], depth: int = DEPTH) -> Run:
    run = Run("newssearch")
    started = time.perf_counter()
    for query in queries:
        try:
            run.rankings[query.id] = product_ranking(index, query.text, depth)
        except QueryError as error:
            run.rankings[query.id] = []
            run.failures[query.id] = str(error)
    run.seconds = time.perf_counter() - started
    return run


_ANALYZER = text_analyzer()


def analyze(text: str, mode: str = "index") -> list[str]:
    """Tokens exactly as the product indexes (``mode="index"``) or queries (``"query"``) them:
    the same tokeniser, hyphen handling, stop words and stemmer, so only the ranking differs."""
    return [token.text for token in _ANALYZER(text, mode=mode)]


def run_bm25(documents: Sequence[Document], queries: Sequence[Query], depth: int = DEPTH) -> Run:
    """Plain BM25 (Okapi, rank_bm25's defaults) over title and body as one text, with the product's tokens.

    A word repeated in the query counts each time, as in Okapi BM25.
    """
    run = Run("BM25")
    started = time.perf_counter()
    bm25 = BM25Okapi([analyze(f"{doc.title}\n{doc.body}") for doc in documents], k1=1.5, b=0.75)
    for query in queries:
        scores = bm25.get_scores(analyze(query.text, mode="query"))
        order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
        run.rankings[query.id] = [documents[i].id for i in order[:depth] if scores[i] > 0]
    run.seconds = time.perf_counter() - started
    return run


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


def print_table(ours: PerQuery, theirs: PerQuery, depth: int) -> None:
    """Both systems side by side, with the difference and on how many queries ours is better/same/worse."""
    mine, baseline = averages(ours), averages(theirs)
    print(f"\nCISI, {len(ours)} judged queries, MAP over the top {depth} of each ranking\n")
    print(f"{'measure':<11} {'newssearch':>10} {'BM25':>8} {'diff':>8}  {'better/same/worse':>17}")
    for name in METRICS:
        better, same, worse = wins(ours, theirs, name)
        print(f"{name:<11} {mine[name]:>10.4f} {baseline[name]:>8.4f} {mine[name] - baseline[name]:>+8.4f}  {f'{better}/{same}/{worse}':>17}")


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with CISI.ALL.gz, CISI.QRY, CISI.REL")
    parser.add_argument("--depth", type=int, default=DEPTH, help=f"ranks for MAP (default {DEPTH}: one page; 1000 is standard but slow)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / f"relevance-{date.today():%Y-%m-%d}.json")
    args = parser.parse_args(argv)

    documents = load_documents(args.corpus)
    judgments = load_judgments(args.corpus)
    queries = [query for query in load_queries(args.corpus) if query.id in judgments]
    print(f"{len(documents)} documents, {len(queries)} queries with judgments; indexing through newssearch ...")

    with tempfile.TemporaryDirectory(prefix="newssearch-cisi-") as workdir:
        started = time.perf_counter()
        index = build_index(documents, Path(workdir))
        index_seconds = time.perf_counter() - started
        product = run_product(index, queries, args.depth)
    baseline = run_bm25(documents, queries, args.depth)

    ours, theirs = evaluate(product, judgments), evaluate(baseline, judgments)
    print_table(ours, theirs, args.depth)
    print(f"\nnewssearch: indexed in {index_seconds:.1f} s, {len(queries)} queries in {product.seconds:.1f} s; BM25: {baseline.seconds:.1f} s")
    if product.failures:
        print(f"\n{len(product.failures)} queries failed in newssearch (scored 0):")
        for query_id, message in product.failures.items():
            print(f"  query {query_id}: {message}")

    write_json(
        args.out,
        {
            "corpus": str(args.corpus),
            "date": f"{date.today():%Y-%m-%d}",
            "commit": product_commit(),
            "documents": len(documents),
            "queries": len(queries),
            "map_depth": args.depth,
            "mean": {"newssearch": averages(ours), "bm25": averages(theirs)},
            "failures": product.failures,
            "per_query": {q: {"newssearch": ours[q], "bm25": theirs[q]} for q in judgments},
        },
    )
    print(f"\nwrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
