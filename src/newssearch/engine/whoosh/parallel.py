"""Whoosh's multi-process writer, made to fail and to die with its parent cleanly.

Whoosh's ``MpWriter`` forks one worker per core to analyse documents. As shipped, a
worker that fails (a full disk, an index folder gone read-only) prints its traceback and
exits, and the parent commits without that worker's segment, or fails later with a
traceback of its own; and a worker outlives a parent killed with SIGKILL, idle forever
on its job queue. Here:

- a worker asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``);
- a worker is forked, whatever Python's default way to start a process (processes.py);
- a worker that fails exits quietly, with an ``OSError``'s errno as its exit status;
- the parent checks its workers while it waits to hand them a batch (Whoosh's parent
  waited forever on a full job queue once they had died) and before committing, and
  raises their error there, so ``reindex`` reports it in one line and nothing is committed;
- cancelling stops the workers instead of leaving them waiting for work;
- each worker's writer flushes through a reader that remembers missing columns (patches.py).
"""

from __future__ import annotations

import os
import queue
import sys
from collections.abc import Callable
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from ...errors import NewssearchError
from ...processes import FAILED, FORK, die_with_parent
from .patches import adopt_writer


class _Worker(SubWriterTask):
    _start_method = "fork"  # as multiprocessing's ForkProcess: the worker's own context forks too

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        """Forked, whatever Python's default way to start a process (processes.FORK)."""
        return FORK.Process._Popen(process_obj)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._parent = os.getpid()
        self._adopted = False

    def _process_file(self, filename: str, doc_count: int) -> None:
        """Add a batch of documents; first, have the worker's writer flush through a reader
        that remembers missing columns (patches.py): its writer is made inside ``run``."""
        if not self._adopted:
            adopt_writer(self.writer)
            self._adopted = True
        super()._process_file(filename, doc_count)

    def run(self) -> None:
        die_with_parent(self._parent)
        try:
            super().run()
        except OSError as error:
            sys.exit(error.errno if error.errno and 0 < error.errno < FAILED else FAILED)
        except BaseException:  # noqa: BLE001  (Ctrl-C or a bug: the parent reports it, in one line)
            sys.exit(FAILED)


class _JobQueue:
    """The parent's end of the job queue: a put that gives up when the workers have failed."""

    def __init__(self, jobs: Any, check: Callable[[], None]) -> None:
        self.jobs, self._check = jobs, check

    def put(self, job: Any) -> None:
        while True:
            self._check()
            try:
                self.jobs.put(job, timeout=0.5)
                return
            except queue.Full:
                continue


class ParallelWriter(MpWriter):
    """An ``MpWriter`` whose workers die with it and whose failures surface in the parent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobqueue: _JobQueue = _JobQueue(self.jobqueue, self._check_workers)

    def start(self) -> None:
        """Fork the worker processes now; Whoosh forks them when it hands out the first batch.

        A forked worker shares its parent's memory as it was at the fork, and the pages
        either of them changes since count once in each: forked before the reindex reads
        the archive, a worker does not carry the parent's summaries of it (~60 MB each
        at 10x Reuters).
        """
        while len(self.tasks) < self.procs:
            self._new_task()

    def _new_task(self) -> _Worker:
        task = _Worker(self.storage, self.indexname, self.jobqueue.jobs, self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def _commit_toc(self, segments: list[Any]) -> None:
        self._check_workers()
        super()._commit_toc(segments)

    def cancel(self) -> None:
        for task in self.tasks:
            task.kill()
        for task in self.tasks:
            task.join()
        SegmentWriter.cancel(self)

    def _check_workers(self) -> None:
        for task in self.tasks:
            code = task.exitcode
            if code is None or code == 0:
                continue
            if 0 < code < FAILED:
                raise OSError(code, os.strerror(code))
            raise NewssearchError(f"a writer process failed (exit status {code}); the previous index is unchanged: run reindex again")
