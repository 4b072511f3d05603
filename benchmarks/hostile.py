"""Hostile load: clients sending the most expensive queries they can, beside one normal client.

    python benchmarks/hostile.py --index /tmp/reuters-index                 # 10 hostile clients, 30 s
    python benchmarks/hostile.py --index idx --hostile 4 --seconds 10       # a quick look

The server (``newssearch serve`` in a child process on loopback, as in soak.py) must stay
useful while clients send queries that cost seconds of CPU each: 26 prefixes, vowel
wildcards, ranges over the whole body, deep pages. Each hostile client sends them one
after the other without pause; the normal client sends everyday searches (no wildcards). Printed: what
the hostile clients got (statuses), and the normal client's answers (count, p50, p95,
max latency) and refusals (503 with Retry-After). The goal: the normal client's p95
stays within 1 s. If the index folder holds no index, Reuters is indexed first.
"""

from __future__ import annotations

import argparse
import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from soak import SEARCHES, build_reuters_index

from newssearch.testing import HOST, REQUEST_TIMEOUT, Server, serving

HOSTILE = [
    "/api/search?" + urlencode({"q": " ".join(f"{letter}*" for letter in "abcdefghijklmnopqrstuvwxyz")}),
    "/api/search?" + urlencode({"q": "*a* *e* *i* *o* *u*"}),
    "/api/search?" + urlencode({"q": "body:[a TO zzzz]"}),
    "/api/search?" + urlencode({"q": "{a TO}"}),
    "/api/search?q=&page=1000000000&page-size=100",
    "/?q=&page=100",  # the last page the pager links to
    "/api/search?" + urlencode({"q": " ".join(f"*{a}{b}q*" for a in "xyz" for b in "xyz")}),  # reads every word, matches few
    "/api/search?" + urlencode({"q": "pr* OR tra*"}),  # within the budget, but many postings
]
"""Each hostile client cycles through these, starting at its own offset."""
NORMAL = [f"/api/search?{urlencode({'q': q})}" for q in SEARCHES if "*" not in q]
"""soak.py's everyday searches: words, phrases, fields, dates, a typo. (A wildcard search
shares the heavy lane with the hostile ones, by design: see SEARCH_SLOTS in web/slots.py.)"""


@dataclass
class Log:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # of 200 answers
    retry_after: Counter[str] = field(default_factory=Counter)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _client(server: Server, paths: list[str], offset: int, deadline: float, log: Log, lock: threading.Lock) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    number = offset
    while time.monotonic() < deadline:
        path = paths[number % len(paths)]
        number += 1
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status, retry = response.status, response.getheader("Retry-After") or ""
        except (OSError, http.client.HTTPException):
            status, retry = 0, ""
        finally:
            connection.close()
        with lock:
            log.statuses[status] += 1
            if status == 200:
                log.latencies.append(time.perf_counter() - started)
            if status == 503:
                log.retry_after[retry] += 1


def run(server: Server, hostile: int, seconds: float) -> tuple[Log, Log]:
    hostile_log, normal_log, lock = Log(), Log(), threading.Lock()
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(server, HOSTILE, n, deadline, hostile_log, lock), daemon=True) for n in range(hostile)]
    threads.append(threading.Thread(target=_client, args=(server, NORMAL, 0, deadline, normal_log, lock), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT)
    return hostile_log, normal_log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True, help="index folder (built from Reuters if it holds no index)")
    parser.add_argument("--hostile", type=int, default=10, help="hostile clients")
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)

    from newssearch.engine import open_engine  # after argparse, so --help is quick

    if not open_engine(args.index).exists():
        build_reuters_index(args.index)
    with serving(args.index) as server:
        print(f"Serving {args.index} at {server.url}; {args.hostile} hostile clients and 1 normal client for {args.seconds:g} s ...", flush=True)
        hostile, normal = run(server, args.hostile, args.seconds)
    print(f"hostile clients: {sum(hostile.statuses.values()):,} requests, statuses {dict(sorted(hostile.statuses.items()))}")
    print(
        f"normal client: {len(normal.latencies):,} answers, p50 {normal.percentile(0.5) * 1000:.0f} ms, "
        f"p95 {normal.percentile(0.95) * 1000:.0f} ms, max {max(normal.latencies, default=float('nan')) * 1000:.0f} ms; "
        f"statuses {dict(sorted(normal.statuses.items()))}, Retry-After on 503: {dict(normal.retry_after)}"
    )
    return 0 if normal.latencies and normal.percentile(0.95) <= 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
