"""Which newssearch to measure: a snapshot of a commit, not a working tree others are editing.

A run takes an hour and spawns many processes (reindex jobs, cold queries, the
server); if the source changed meanwhile they would measure different code. The
snapshot is ``git archive`` of the commit's ``src/newssearch`` and ``webui``, laid
out as the installed package, compiled to bytecode as an install is, and put first
on PYTHONPATH for this process and every child (Python's path entries win over the
editable install's finder).
"""

from __future__ import annotations

import compileall
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def describe(rev: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), "describe", "--always", rev], capture_output=True, text=True, check=True).stdout.strip()


def extract(rev: str, dest: Path) -> Path:
    """The package of commit ``rev`` under ``dest``; returns the folder to put on the path."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src/newssearch", "webui"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    (dest / "webui").rename(dest / "src" / "newssearch" / "webui")  # pyproject maps webui to newssearch.webui
    # Compiled as an installed package is (pip writes the bytecode at install, a checkout's
    # first run writes its own): with PYTHONDONTWRITEBYTECODE set, as on the project's
    # machines, every cold process compiled the package again: 15-60 ms more import time
    # (the sum of -X importtime) for `newssearch query`.
    compileall.compile_dir(dest / "src", quiet=1)
    return dest / "src"


def use(path: Path) -> None:
    """Import newssearch from ``path`` here and in every child process."""
    sys.path.insert(0, str(path))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), os.environ.get("PYTHONPATH", "")]))
