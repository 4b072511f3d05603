"""The server launcher: gunicorn started from Python, or Flask's debugger; each server process closes its index when it stops."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from ..fields import SCHEMA, Schema
from .app import create_app
from .index import app_index


def serve(
    index_dir: str | Path, host: str = "127.0.0.1", port: int = 5000, workers: int = 2, threads: int = 4, debug: bool = False,
    base_url: str | None = None, schema: Schema = SCHEMA, engine: str | None = None,
) -> None:  # fmt: skip
    """Serve the app: gunicorn with ``workers`` processes of ``threads`` threads, or Flask's debugger and reloader with ``debug``.

    A search is CPU-bound Python: the threads of one process take turns under the GIL,
    so it takes a process per core to use every core. ``engine``: as ``create_app``.
    """
    app = create_app(index_dir, base_url, schema, engine)
    if debug:
        try:
            app.run(host=host, port=port, debug=True)
        finally:
            app_index(app).close()
        return
    print(f"Serving the index in {index_dir} at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    _Gunicorn(app, bind=address, workers=workers, threads=threads, worker_class="gthread", loglevel="warning").run()


class _Gunicorn(BaseApplication):
    """Gunicorn started from Python with this app and these settings, not from its command line.

    Each worker process opens and warms its index in a thread as it starts (post_worker_init)
    and closes it when it exits (worker_exit; both hooks run in the worker), so users' searches
    rarely wait for the reading of columns, and the files are freed explicitly. The warm-up
    does not hold up the worker's start: gunicorn kills a worker silent for 30 s, and on a
    large archive a worker that warmed first would be killed and started again for ever.
    """

    def __init__(self, app: Flask, **settings: Any) -> None:
        self.app, self.settings = app, settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)
        self.cfg.set("post_worker_init", self._post_worker_init)
        self.cfg.set("worker_exit", self._worker_exit)

    def _post_worker_init(self, worker: Any) -> threading.Thread:
        warming = threading.Thread(target=app_index(self.app).warm, name="warm-up", daemon=True)
        warming.start()
        return warming

    def _worker_exit(self, server: Any, worker: Any) -> None:
        app_index(self.app).close()

    def load(self) -> Flask:  # type: ignore[override]  # a WSGI app: the stubs want a MutableMapping environ, Flask types it a dict
        return self.app
