"""Whoosh and OpenSearch side by side on the same archive and the same machine (issue 14).

For each engine, chosen through the environment as a deployment chooses it
(NEWSSEARCH_ENGINE, NEWSSEARCH_OPENSEARCH_*): a full reindex in a child process, warm
searches in this process over the query set, then the web server under 8 clients.
The OpenSearch cluster is started by scripts/opensearch-cluster in a run folder of its own
(ports 19600+ and 19700+, away from a developer's 9200 and the test clusters' ports) and stopped
after. A node's work is done in its JVM, which the reindex job's CPU time does not count:
the cluster's CPU time is read from /proc for the node processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newssearch import SearchIndex, search

from . import latency, webload
from .corpus import Archive
from .measure import MB, dir_size, latency_summary, median, run_job
from .phases import Settings, log, search_request
from .queries import QUERIES

CLUSTER_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "opensearch-cluster"
CLUSTER_PORTS = ("19600", "19700")
CLUSTER_NODES = 3
INDEX = "newssearch-bench"
ENGINES = ("whoosh", "opensearch")

ROWS = [
    ("full_reindex_s", "full reindex", "s", "{:.1f}"),
    ("client_cpu_s", "reindex: CPU time, newssearch processes", "s", "{:.1f}"),
    ("cluster_cpu_s", "reindex: CPU time, cluster nodes", "s", "{:.1f}"),
    ("articles", "articles indexed", "", "{:,.0f}"),
    ("index_mb", "index size (OpenSearch: primaries)", "MB", "{:.1f}"),
    ("warm_p50_ms", "warm search p50", "ms", "{:.1f}"),
    ("warm_p95_ms", "warm search p95", "ms", "{:.1f}"),
    ("web_requests_per_s", "web: requests per second (8 clients)", "1/s", "{:.1f}"),
    ("web_p50_ms", "web: latency p50", "ms", "{:.0f}"),
    ("web_p95_ms", "web: latency p95", "ms", "{:.0f}"),
    ("web_errors", "web: errors", "", "{:.0f}"),
]


def parse_engines(text: str) -> list[str]:
    """The engines of ``--engines``, in the order given; a ValueError names a wrong one."""
    engines = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown or not engines:
        raise ValueError(f"--engines {text!r}: use one or both of {','.join(ENGINES)}")
    return engines


class Cluster:
    """A cluster started by scripts/opensearch-cluster for the benchmark's length."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.urls = ""

    def script(self, *args: str) -> str:
        done = subprocess.run([sys.executable, str(CLUSTER_SCRIPT), "--home", str(self.home), *args], capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"scripts/opensearch-cluster {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def cpu_seconds(self) -> float:
        """User + system CPU of the node processes so far (/proc/PID/stat, in clock ticks)."""
        ticks, total = os.sysconf("SC_CLK_TCK"), 0
        for pid_file in self.home.glob("node-*/pid"):
            fields = Path(f"/proc/{pid_file.read_text().strip()}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
        return total / ticks


@contextmanager
def cluster(home: Path) -> Iterator[Cluster]:
    started = Cluster(home)
    log(f"OpenSearch: starting {CLUSTER_NODES} nodes in {home}")
    try:
        shown = started.script("up", "--nodes", str(CLUSTER_NODES), "--http-port", CLUSTER_PORTS[0], "--transport-port", CLUSTER_PORTS[1])
        started.urls = shown.strip().splitlines()[-1]
        yield started
    finally:
        started.script("down", "--wipe")


@contextmanager
def chosen(engine: str, urls: str) -> Iterator[None]:
    """NEWSSEARCH_ENGINE and the cluster's variables set for this process and its children, then restored."""
    values = {"NEWSSEARCH_ENGINE": engine}
    if engine == "opensearch":
        values |= {"NEWSSEARCH_OPENSEARCH_URL": urls, "NEWSSEARCH_OPENSEARCH_INDEX": INDEX}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def measure(engine: str, archive: Archive, index_dir: Path, settings: Settings, node: Cluster | None) -> dict[str, Any]:
    """One engine's figures: full reindex, warm searches, web load; and each query's total."""
    figures: dict[str, Any] = {}
    builds, cluster_cpu = [], []
    for run in range(1, settings.build_runs + 1):
        log(f"{engine}: full reindex {run}/{settings.build_runs}")
        before = node.cpu_seconds() if node else 0.0
        builds.append(run_job("reindex", str(archive.root), str(index_dir)))
        cluster_cpu.append(node.cpu_seconds() - before if node else 0.0)
    index = SearchIndex(index_dir)
    figures["full_reindex_s"] = median([b.output["seconds"] for b in builds])
    figures["client_cpu_s"] = median([b.output["cpu_seconds"] for b in builds])
    figures["cluster_cpu_s"] = median(cluster_cpu) if node else float("nan")
    figures["articles"] = builds[-1].output["articles"]
    figures["index_mb"] = index.engine.stats().size_bytes / MB if node else dir_size(index_dir) / MB
    log(f"{engine}: warm searches")
    warm = latency.warm(lambda q: search(index, search_request(q)), QUERIES, settings.warm_repeats)
    figures |= {f"warm_{name}": value for name, value in latency_summary(warm).items()}
    totals = [search(index, search_request(q)).total for q in QUERIES]
    log(f"{engine}: web server, {settings.web_clients} clients for {settings.web_seconds:.0f} s")
    web = webload.load(index_dir, QUERIES, settings.web_clients, settings.web_seconds)
    figures |= {"web_requests_per_s": web["requests_per_s"], "web_p50_ms": web["p50_ms"], "web_p95_ms": web["p95_ms"], "web_errors": web["errors"]}
    return {"figures": figures, "totals": totals, "web": web}


def compare(tmp: Path, archive: Archive, engines: list[str], settings: Settings) -> dict[str, Any]:
    """Every engine's figures on ``archive``; OpenSearch's on a cluster started for it."""
    results: dict[str, Any] = {}
    for engine in engines:
        if engine == "opensearch":
            with cluster(tmp / "cluster") as node, chosen(engine, node.urls):
                results[engine] = measure(engine, archive, tmp / f"index-{engine}", settings, node)
                results[engine]["cluster"] = f"{CLUSTER_NODES} nodes on 127.0.0.1 ({node.urls}), the engine's default shards and replicas"
        else:
            with chosen(engine, ""):
                results[engine] = measure(engine, archive, tmp / f"index-{engine}", settings, None)
    return results


def render(results: dict[str, Any], markdown: bool) -> str:
    """The side-by-side table (and where the engines' totals differ by more than 1%)."""
    engines = [name for name in ENGINES if name in results["engines"]]
    header = ["figure", "unit", *engines]
    rows = []
    for key, label, unit, form in ROWS:
        values = [results["engines"][e]["figures"].get(key) for e in engines]
        cells = ["–" if v is None or v != v else form.format(v) for v in values]  # v != v: NaN, not measured
        rows.append([label, unit, *cells])
    lines = [f"{results['meta']['newssearch']}, {results['meta']['date']}, {results['meta']['machine']}; "
             f"load average at start {results['meta']['load_start']}, at end {results['meta'].get('load_end')}"]  # fmt: skip
    if markdown:
        lines += ["", "| " + " | ".join(header) + " |", "| --- | --- |" + " ---: |" * len(engines)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]]
    if len(engines) == 2:
        pairs = zip(*(results["engines"][e]["totals"] for e in engines), strict=True)
        apart = [q.text for q, (a, b) in zip(QUERIES, pairs, strict=True) if abs(a - b) > 0.01 * max(a, b)]
        agree = f"totals: the engines agree within 1% on {len(QUERIES) - len(apart)} of {len(QUERIES)} queries"
        lines += ["", agree + (f"; not on {apart}" if apart else "")]
    return "\n".join(lines)
