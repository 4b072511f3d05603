"""Fingerprinted static files: ``asset("style.css")`` -> /assets/<content hash>/style.css, cached for a year.

The URL changes whenever the file does, so a browser may keep a copy forever
(``immutable``) and never asks again; a page names the current URLs, and pages are not
cached. A request for an old hash is sent to the current URL.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, abort, current_app, redirect, send_from_directory, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
DIGEST_CHARS = 12


def init_app(app: Flask) -> None:
    """Serve /assets/<digest>/<file> and give templates ``asset(file)``."""
    app.add_url_rule("/assets/<digest>/<path:filename>", "asset", _serve)
    app.jinja_env.globals["asset"] = asset


def asset(filename: str) -> str:
    """The fingerprinted URL of a file of the static folder."""
    return url_for("asset", digest=_digest(_static_file(filename)), filename=filename)


def _static_file(filename: str) -> Path:
    folder = Path(current_app.static_folder or "")
    path = (folder / filename).resolve()
    if not path.is_file() or folder.resolve() not in path.parents:
        abort(404)
    return path


def _digest(path: Path) -> str:
    stat = path.stat()
    return _file_digest(path, stat.st_mtime_ns, stat.st_size)  # a file edited while serving (debug mode) gets a new URL


@lru_cache(maxsize=64)
def _file_digest(path: Path, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARS]


def _serve(digest: str, filename: str) -> Response:
    current = _digest(_static_file(filename))
    if digest != current:
        return redirect(url_for("asset", digest=current, filename=filename))  # type: ignore[return-value]
    response = send_from_directory(current_app.static_folder or "", filename, max_age=31536000)
    response.headers["Cache-Control"] = IMMUTABLE
    return response
