"""Search latency over the query set, warm (in this process) or cold (a process per search).

Each query is timed ``repeats`` times and its median kept, so one hiccup of this
shared machine does not become a query's latency; p50/p95/max are then taken over
the queries. The first, untimed round warms caches, as a running server's would be.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any

from .measure import median, python_env
from .queries import BenchQuery


def warm(run: Callable[[BenchQuery], Any], queries: Sequence[BenchQuery], repeats: int) -> list[float]:
    """Median seconds per query of ``run(query)`` in this process, after one warm-up round."""
    for query in queries:
        run(query)
    times: list[list[float]] = [[] for _ in queries]
    for _ in range(repeats):
        for number, query in enumerate(queries):
            started = time.perf_counter()
            run(query)
            times[number].append(time.perf_counter() - started)
    return [median(t) for t in times]


def cold(command: Callable[[int, BenchQuery], list[str]], queries: Sequence[BenchQuery], repeats: int) -> tuple[list[float], dict[str, str]]:
    """Median wall seconds per query of a fresh process running ``command(number, query)``,
    and the queries whose process failed, with the last line of its error.

    A failed query keeps its time (up to the failure) and the run goes on: at 50x, one
    query past the search's time limit must not cost the figures of the 45 minutes before.
    """
    times: list[list[float]] = [[] for _ in queries]
    failed: dict[str, str] = {}
    for _ in range(repeats):
        for number, query in enumerate(queries):
            started = time.perf_counter()
            done = subprocess.run(command(number, query), capture_output=True, text=True, env=python_env())
            times[number].append(time.perf_counter() - started)
            if done.returncode != 0:
                failed[query.text] = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return [median(t) for t in times], failed
