"""The web server under concurrent clients: ``newssearch serve`` in a child process, on loopback only.

Clients are threads with one keep-alive HTTP connection each, cycling through the
query set's ``/api/search`` URLs (each client starting at a different query). Every
loop is bounded both by time and by a request count.

Before the clock starts, each client runs the whole query set once on its own
connection. A keep-alive connection stays with the server process that accepted it,
so this warms every process the clients talk to, as a server that has been running
has been warmed: a warm-up over one connection warmed one of the two processes, and
the other paid its first search of each query (1.3 s to open the index and about
2 s of first searches at 10x) inside the measured 30 s, which made up much of the p95.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newssearch.testing import stop

from .measure import MB, TreeMemorySampler, free_port, latency_summary, python_env
from .queries import BenchQuery

HOST = "127.0.0.1"  # loopback only, never another address
STARTUP_SECONDS = 120
MAX_REQUESTS_PER_CLIENT = 100_000
REQUEST_TIMEOUT = 60


@dataclass
class ClientLog:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def _wait_until_serving(port: int, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"newssearch serve exited with {process.returncode}")
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            if _get(connection, path)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError(f"newssearch serve did not answer on port {port} within {STARTUP_SECONDS} s")


@contextmanager
def server(index_dir: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """``newssearch serve`` with its default processes and threads on a free loopback port,
    ready to answer; stopped afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "newssearch.cli", "serve", "--index", str(index_dir), "--host", HOST, "--port", str(port)]
    with tempfile.TemporaryFile() as log, subprocess.Popen(command, stdout=log, stderr=log, env=python_env()) as process:
        try:
            _wait_until_serving(port, process, "/api/search?q=warmup")
            yield port, process
        except RuntimeError:
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])
            raise
        finally:
            stop(process)


class _Clock:
    """The measured span: it starts when every client has warmed up (a barrier), for ``seconds``."""

    def __init__(self, clients: int, seconds: float) -> None:
        self.seconds, self.deadline, self.started = seconds, 0.0, 0.0
        self.start = threading.Barrier(clients, action=self._go, timeout=STARTUP_SECONDS)

    def _go(self) -> None:
        self.started, self.deadline = time.perf_counter(), time.monotonic() + self.seconds


def _client(port: int, paths: Sequence[str], start: int, clock: _Clock, log: ClientLog) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        for number in range(start, start + len(paths)):  # warm-up, untimed: every query once on this connection
            _get(connection, paths[number % len(paths)])
    except (OSError, http.client.HTTPException) as error:
        log.errors.append(f"warm-up: {type(error).__name__}: {error}")
    clock.start.wait()
    connection.close()  # idle while the others warmed up: the server may have closed it (keep-alive timeout)
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    for number in range(start, start + MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= clock.deadline:
            break
        started = time.perf_counter()
        try:
            status, body = _get(connection, paths[number % len(paths)])
        except (OSError, http.client.HTTPException) as error:
            log.errors.append(f"{type(error).__name__}: {error}")
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            continue
        if status != 200:
            log.errors.append(f"HTTP {status}: {body[:160].decode(errors='replace')}")
        log.latencies.append(time.perf_counter() - started)
    connection.close()


def load(index_dir: Path, queries: Sequence[BenchQuery], clients: int, seconds: float) -> dict[str, Any]:
    """Requests/s, latency and errors of ``clients`` concurrent clients for ``seconds``, once each has warmed up."""
    paths = [query.web_path() for query in queries]
    with server(index_dir) as (port, process):
        logs = [ClientLog() for _ in range(clients)]
        starts = [n * len(paths) // clients for n in range(clients)]  # each client begins at another query
        clock = _Clock(clients, seconds)
        workers = [threading.Thread(target=_client, args=(port, paths, s, clock, log)) for s, log in zip(starts, logs, strict=True)]
        for worker in workers:
            worker.start()
        with TreeMemorySampler(process.pid) as memory:
            for worker in workers:
                worker.join()
        elapsed = time.perf_counter() - clock.started
    latencies = [t for log in logs for t in log.latencies]
    errors = [e for log in logs for e in log.errors]
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(latencies),
        "requests_per_s": len(latencies) / elapsed,
        **latency_summary(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "server_peak_rss_mb": memory.peak / MB,
    }
