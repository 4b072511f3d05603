"""Errors a user can act on: each renders as one line saying what, where, what to do."""

from __future__ import annotations

from dataclasses import dataclass


class NewssearchError(Exception):
    """Base class: its message is shown to the user as is, without a traceback."""


class IndexNotFound(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"no index in {index_dir}: run `newssearch reindex` first "
            "(or point --index / NEWSSEARCH_INDEX at an existing index)"
        )


class IndexLocked(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"another reindex is writing {index_dir}: wait for it to finish, then run reindex again"
        )


class IndexOutdated(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(
            f"the index in {index_dir} was built by another version of newssearch: "
            "run `newssearch reindex --full`"
        )


class ArchiveNotFound(NewssearchError):
    def __init__(self, archive_dir: str) -> None:
        super().__init__(
            f"archive folder {archive_dir} does not exist: "
            "pass --archive or set NEWSSEARCH_ARCHIVE to the folder holding your articles"
        )


class QueryError(NewssearchError):
    """A query or search parameter the user must fix."""


class ArticleNotFound(NewssearchError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r} in the index")


class ReadError(NewssearchError):
    """A file (or one record of it) that cannot be read; raised by readers."""


@dataclass(frozen=True)
class Problem:
    """A file or record that was skipped (or read with a caveat), for the reindex report."""

    path: str
    reason: str
    location: str = ""  # "line 12", "record 3"; empty for the whole file
    skipped: bool = True  # False: the article was indexed, with a warning

    def __str__(self) -> str:
        where = f"{self.path} ({self.location})" if self.location else self.path
        return f"{where}: {self.reason}"
