"""Measuring: latency summaries, child processes with their peak memory, sizes, load.

Peak memory is taken from outside the measured process: the reindex forks worker
processes, so the memory that matters is the whole process tree's.
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
BENCHMARKS_DIR = Path(__file__).resolve().parent.parent
MB = 1_000_000


def percentile(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * p / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """p50, p95 and max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms, default=float("nan"))}


def median(values: list[float]) -> float:
    return percentile(values, 50)


def dir_size(path: Path) -> int:
    """Bytes of all files under ``path`` (an index folder, a database file)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss(root: int) -> tuple[int, int]:
    """Resident bytes of a process and all its descendants now: their sum, and the largest one."""
    children = _children_by_parent()
    total, largest, pending = 0, 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm") as file:
                rss = int(file.read().split()[1]) * PAGE_BYTES
        except OSError:
            continue
        total, largest = total + rss, max(largest, rss)
    return total, largest


class TreeMemorySampler:
    """Samples a process tree's resident memory in a thread and keeps the peaks.

    Sampled rather than read from ``ru_maxrss``: Linux carries the parent's resident
    size at fork into a child's ``ru_maxrss``, so a child started by this (large)
    process would report this process's memory. A 50 ms interval can miss a shorter spike.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak = self.peak_process = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            total, largest = tree_rss(self.pid)
            self.peak, self.peak_process = max(self.peak, total), max(self.peak_process, largest)
            self._stop.wait(self.interval)


@dataclass
class JobResult:
    output: dict[str, Any]  # the JSON the job printed last
    wall_seconds: float
    peak_tree_bytes: int
    peak_process_bytes: int


def python_env() -> dict[str, str]:
    """Environment for child processes: ``perf`` importable, no colours, no bytecode noise."""
    path = os.pathsep.join(filter(None, [str(BENCHMARKS_DIR), os.environ.get("PYTHONPATH", "")]))
    return {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}


def run_job(*args: str) -> JobResult:
    """Run ``python -m perf.jobs ARGS`` in a child, sampling its tree's memory; it prints JSON."""
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "perf.jobs", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=python_env()
    ) as process:
        with TreeMemorySampler(process.pid) as sampler:
            stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"job {args[0]} failed ({process.returncode}):\n{stderr[-3000:]}")
    return JobResult(json.loads(stdout.strip().splitlines()[-1]), wall, sampler.peak, sampler.peak_process)


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its waited-for children (for a job to report)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
