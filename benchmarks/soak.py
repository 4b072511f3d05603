"""Soak test: the web server under concurrent clients for a while, on loopback only.

    python benchmarks/soak.py --index /tmp/reuters-index            # 16 clients, 60 s
    python benchmarks/soak.py --index idx --clients 4 --seconds 5   # a quick look
    python benchmarks/soak.py --index idx --seconds 5 --json        # the figures as one JSON object

If the index folder holds no index, the Reuters-21578 files of ../shared are linked into
a temporary archive and indexed first (a few minutes). Then ``newssearch serve`` runs in
a child process on a free port of 127.0.0.1, and each client (a thread with one
keep-alive connection) cycles through a mix of searches, result pages, article pages
and feeds. Every loop is bounded both by time and by a request count.

Printed: requests/s, latency p50/p95/max, refusals (503 busy), errors, and the server's resident memory at
start, middle and end (stable memory: no leak per request), as text or (``--json``) as JSON;
progress goes to stderr. Exit status 1 on any error. tests/test_reliability.py runs a short
version of it, as above. The live server itself is ``newssearch.testing``, which the tests share.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from newssearch.testing import HOST, REQUEST_TIMEOUT, Server, newssearch, rss_mb, serving

ROOT = Path(__file__).resolve().parent.parent
REUTERS = Path(os.environ.get("NEWSSEARCH_SHARED", ROOT.parent / "shared")) / "corpora" / "reuters21578"
MAX_REQUESTS_PER_CLIENT = 1_000_000

SEARCHES = [
    "cocoa", "oil prices", '"START treaty"', "trade deficit", "dollar yen", "grain exports", "interest rates",
    "title:coffee", "tags:crude", "date:1987-03", "bank* merger", "opec NOT saudi", "cocao",  # a typo: did-you-mean
]  # fmt: skip
PATHS = [
    *(f"/api/search?q={quote(q)}" for q in SEARCHES),
    *(f"/?q={quote(q)}" for q in SEARCHES[:5]),
    "/api/search?q=oil&sort=newest&page=3",
    "/api/search?q=trade&source=Reuters&year=1987&month=1987-03",
    "/?q=gold&from-date=1987-03-01&to-date=1987-03-31",
    "/search.atom?q=cocoa",
    "/article/reuters-1?q=cocoa",
    "/api/article/reuters-821",
    "/",
]
"""The mix each client cycles through, starting at its own offset."""


@dataclass
class SoakResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: int = 0  # 503 with Retry-After: the server was saturated and said so at once (see SEARCH_SLOTS in web/slots.py)
    rss_mb: dict[str, float] = field(default_factory=dict)  # start, middle, end

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors) + self.refused

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")

    def summary(self) -> str:
        rss = ", ".join(f"{moment} {mb:.0f} MB" for moment, mb in self.rss_mb.items())
        lines = [
            f"{self.clients} clients for {self.seconds:.1f} s: {self.requests:,} requests, {self.requests / self.seconds:.1f} requests/s",
            f"latency: p50 {self.percentile(0.5) * 1000:.0f} ms, p95 {self.percentile(0.95) * 1000:.0f} ms, "
            f"max {max(self.latencies, default=float('nan')) * 1000:.0f} ms, mean {statistics.fmean(self.latencies or [0]) * 1000:.0f} ms",
            f"refused (503, busy): {self.refused}, errors: {len(self.errors)}" + "".join(f"\n  {error}" for error in self.errors[:10]),
            f"server memory (RSS): {rss}",
        ]
        return "\n".join(lines)

    def figures(self) -> dict[str, Any]:
        """What ``summary`` says, for ``--json``: counts, latencies in ms (null with no answer), every error."""
        latency = {"p50": self.percentile(0.5), "p95": self.percentile(0.95), "max": max(self.latencies, default=0.0)}
        latency["mean"] = statistics.fmean(self.latencies or [0])
        return {
            **{key: value for key, value in asdict(self).items() if key != "latencies"},
            "requests": self.requests,
            "answered": len(self.latencies),
            "requests_per_second": self.requests / self.seconds,
            "latency_ms": {name: seconds * 1000 for name, seconds in latency.items()} if self.latencies else None,
        }


def _client(server: Server, offset: int, deadline: float, max_requests: int, result: SoakResult, lock: threading.Lock) -> None:
    """One client: a keep-alive connection cycling through PATHS until the deadline or max_requests."""
    connection = http.client.HTTPConnection(HOST, int(server.url.rsplit(":", 1)[1]), timeout=REQUEST_TIMEOUT)
    latencies, errors, refused = [], [], 0
    try:
        for number in range(max_requests):
            if time.monotonic() >= deadline:
                break
            path = PATHS[(offset + number) % len(PATHS)]
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    latencies.append(time.perf_counter() - started)
                elif response.status == 503 and response.getheader("Retry-After"):
                    refused += 1
                else:
                    errors.append(f"{path}: HTTP {response.status}")
            except (OSError, http.client.HTTPException) as error:
                errors.append(f"{path}: {type(error).__name__}: {error}")
                connection.close()  # reconnect on the next request
    finally:
        connection.close()
        with lock:
            result.latencies += latencies
            result.errors += errors
            result.refused += refused


def soak(server: Server, clients: int = 16, seconds: float = 60.0, max_requests: int = MAX_REQUESTS_PER_CLIENT) -> SoakResult:
    """Run ``clients`` concurrent clients against a running server for ``seconds``."""
    result = SoakResult(clients, seconds)
    lock = threading.Lock()
    result.rss_mb["start"] = rss_mb(server.process.pid)
    started = time.monotonic()
    deadline = started + seconds
    workers = [
        threading.Thread(target=_client, args=(server, n * 7, deadline, max_requests, result, lock), daemon=True)
        for n in range(clients)
    ]  # fmt: skip
    for worker in workers:
        worker.start()
    time.sleep(max(0.0, min(seconds / 2, deadline - time.monotonic())))
    result.rss_mb["middle"] = rss_mb(server.process.pid)
    for worker in workers:
        worker.join(timeout=seconds + REQUEST_TIMEOUT)
    result.seconds = time.monotonic() - started
    result.rss_mb["end"] = rss_mb(server.process.pid)
    if any(worker.is_alive() for worker in workers):
        result.errors.append("a client did not finish within its time bound")
    return result


def build_reuters_index(index_dir: Path) -> None:
    """Index all Reuters-21578 files (linked into a temporary archive) into ``index_dir``."""
    files = sorted(REUTERS.glob("reut2-*.sgm.gz"))
    if not files:
        raise SystemExit(f"no Reuters files in {REUTERS}: set NEWSSEARCH_SHARED")
    with tempfile.TemporaryDirectory(prefix="soak-archive-") as archive:
        for path in files:
            (Path(archive) / path.name).symlink_to(path)
        print(f"Indexing {len(files)} Reuters files into {index_dir} ...", file=sys.stderr, flush=True)
        subprocess.run(newssearch("reindex", "--archive", archive, "--index", str(index_dir)), check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="index folder (built from Reuters if it holds no index)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=8, help="server worker threads")
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS_PER_CLIENT, help="per client")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)

    from newssearch.engine import open_engine  # after argparse, so --help is quick

    if not open_engine(args.index).exists():
        build_reuters_index(args.index)
    with serving(args.index, threads=args.threads) as server:
        print(
            f"Serving {args.index} at {server.url} ({args.threads} threads); {args.clients} clients for {args.seconds:g} s ...",
            file=sys.stderr,
            flush=True,
        )
        result = soak(server, args.clients, args.seconds, args.max_requests)
    print(json.dumps(result.figures(), indent=2) if args.json else result.summary())
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
