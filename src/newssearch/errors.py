"""Errors a user can act on: each renders as one line saying what, where, what to do."""

from __future__ import annotations

from dataclasses import dataclass


class NewssearchError(Exception):
    """Base class: its message is shown to the user as is, without a traceback."""


class IndexNotFound(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(f"no index in {index_dir}: run `newssearch reindex` first (or point --index / NEWSSEARCH_INDEX at an existing index)")


class IndexLocked(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(f"another reindex is writing {index_dir}: wait for it to finish, then run reindex again")


class IndexOutdated(NewssearchError):
    def __init__(self, index_dir: str) -> None:
        super().__init__(f"the index in {index_dir} was built by another version of newssearch: run `newssearch reindex --full`")


class ArchiveNotFound(NewssearchError):
    def __init__(self, archive_dir: str) -> None:
        super().__init__(f"archive folder {archive_dir} does not exist: pass --archive or set NEWSSEARCH_ARCHIVE to the folder holding your articles")


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


MAX_PROBLEMS_PER_FILE = 20
"""Problems listed per file and kind; the rest are counted in one line, so a file of a
million bad lines costs a report of 21 lines, not a million (nor the memory to hold them)."""


class ProblemCap:
    """Adds problems to a list, keeping the first ``MAX_PROBLEMS_PER_FILE`` of each file.

    The rest are only counted as they come (nothing holds them), and ``close`` adds one
    line per file saying how many more there were; it is skipped if any of them was.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self._seen: dict[str, int] = {}
        self._unlisted: dict[str, list[int]] = {}  # path -> [count, of which skipped]

    def add(self, problem: Problem) -> None:
        seen = self._seen[problem.path] = self._seen.get(problem.path, 0) + 1
        if seen <= MAX_PROBLEMS_PER_FILE:
            self.problems.append(problem)
            return
        unlisted = self._unlisted.setdefault(problem.path, [0, 0])
        unlisted[0] += 1
        unlisted[1] += problem.skipped

    def close(self) -> None:
        for path, (count, skipped) in self._unlisted.items():
            self.problems.append(Problem(path, f"{count:,} more problems not listed ({skipped:,} of them skipped)", skipped=skipped > 0))
        self._unlisted.clear()
