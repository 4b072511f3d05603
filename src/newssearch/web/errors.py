"""The error handlers: each error a user can act on answered with its status and a one-line message."""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import ArticleNotFound, IndexNotFound, IndexOutdated, QueryError
from .index import app_index


def error_response(status: int, title: str, message: str, command: str = "") -> tuple[Response | str, int]:
    """A JSON error under /api/, a friendly page elsewhere (with a command to run, if one helps); never a traceback."""
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, title=title, message=message, command=command), status


def bad_request(error: QueryError) -> tuple[Response | str, int]:
    return error_response(400, "Please check the search", str(error))


def not_found(error: ArticleNotFound) -> tuple[Response | str, int]:
    return error_response(404, "Article not found", str(error))


def no_index(error: IndexNotFound | IndexOutdated) -> tuple[Response | str, int]:
    command = f"newssearch reindex --archive ARCHIVE-FOLDER --index {app_index(current_app).index_dir}"
    return error_response(503, "The archive is not indexed yet", str(error), command + (" --full" if isinstance(error, IndexOutdated) else ""))


def http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    message = "Something went wrong on our side." if status >= 500 else (error.description or error.name)
    return error_response(status, error.name, message)
