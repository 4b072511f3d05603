"""Helper processes that die with the one that started them.

A reindex forks processes to read the archive (indexer.py) and to analyse articles
(engine/whoosh/parallel.py). Killed with SIGKILL, a parent cannot stop them, and an
orphan would wait forever on its queue; the kernel ends them instead.

They are forked (FORK) whatever Python's default way to start a process: started by a
fork server (Python 3.14's default on Linux), a helper's parent would be that server,
and ``die_with_parent`` would take it for the reindex.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal

FORK = multiprocessing.get_context("fork")
"""How a reindex starts its helpers."""
FAILED = 255
"""The exit status of a helper that failed with anything but an OSError (errno values are smaller)."""
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit now if it already has."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)
    if prctl is not None:  # Linux; elsewhere an orphan ends when its queue's pipe breaks
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(FAILED)
