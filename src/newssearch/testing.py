"""A live ``newssearch serve`` in a child process, for tests and benchmarks.

The test suite and ``benchmarks/soak.py`` (and ``hostile.py``) both need a real server: several
processes and threads behind a real socket, as a user runs it, which Flask's test client cannot
show. It lives here, in the package, so that both import one copy and the tests need not import
benchmark scripts (as Flask's own test client lives in Flask). Standard library only.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"  # loopback only
STARTUP_SECONDS = 60
REQUEST_TIMEOUT = 60


def free_port() -> int:
    """A TCP port of the loopback interface that is free now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def newssearch(*args: str) -> list[str]:
    """The command line of ``newssearch ARGS`` run by this Python."""
    return [sys.executable, "-m", "newssearch.cli", *args]


def stop(process: subprocess.Popen[Any]) -> None:
    """Ask a server process to stop; kill it if it has not within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Server:
    """A running server: its URL and process (for its memory and CPU time in /proc)."""

    url: str
    process: subprocess.Popen[bytes]

    def get(self, path: str, timeout: float = REQUEST_TIMEOUT) -> tuple[int, bytes]:
        """One GET on a new connection: (status, body)."""
        connection = http.client.HTTPConnection(HOST, int(self.url.rsplit(":", 1)[1]), timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@contextmanager
def serving(index_dir: Path, threads: int = 8) -> Iterator[Server]:
    """``newssearch serve`` on a free loopback port in a child process, answering searches; stopped on exit."""
    port = free_port()
    command = newssearch("serve", "--index", str(index_dir), "--host", HOST, "--port", str(port), "--threads", str(threads))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(f"http://{HOST}:{port}", process)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"newssearch serve exited with {process.returncode}: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if server.get("/api/search?q=warm", timeout=10)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"newssearch serve did not answer within {STARTUP_SECONDS} s") from None
                time.sleep(0.1)
        yield server
    finally:
        stop(process)
        process.stderr.close()  # type: ignore[union-attr]
