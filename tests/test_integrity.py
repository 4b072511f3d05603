"""Integrity of a reindex (issue 11): nothing in the archive silently lost, one file's fault
stays that file's, reports stay small, and no process outlives a killed or failed reindex.

Archives are built in each test from a few small files; the multi-process tests link a few
Reuters files, enough for the writer to analyse in several processes.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import (
    SUBPROCESS_TIMEOUT,
    assert_one_line_error,
    kill,
    link_reuters,
    mounted,
    run,
    start_reindex,
    stored_articles,
    wait_until,
    write_export,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newssearch import ReindexReport, reindex
from newssearch.cli import EXIT_SKIPPED, main
from newssearch.engine.whoosh import writing
from newssearch.engine.whoosh.store import REPORT_FILE
from newssearch.errors import MAX_PROBLEMS_PER_FILE
from newssearch.readers import READERS


def good_archive(archive: Path) -> None:
    write_export(archive / "good.jsonl", [{"id": "g1", "title": "Cocoa harvest", "body": "The cocoa harvest was good."}])


def reindex_cli(archive: Path, index_dir: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    """Exit status and the --json summary of ``newssearch reindex``."""
    result = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(index_dir), "--json", *flags])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


# 1. The same article id in several files -------------------------------------------------


def duplicates(report: ReindexReport) -> list[tuple[str, str, str]]:
    return [(p.path, p.location, p.reason) for p in report.problems if p.reason.startswith("duplicate article id")]


def test_the_first_path_and_record_wins_whatever_the_history(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_export(archive / "b.jsonl", [{"id": "X", "title": "From b", "body": "b's copy"}])
    reindex(archive, index_dir)
    write_export(archive / "a.jsonl", [{"id": "Y", "title": "Other", "body": "y"}, {"id": "X", "title": "From a", "body": "a's copy"}])
    report = reindex(archive, index_dir)  # a.jsonl sorts first: its copy wins, though b's was indexed first
    assert stored_articles(index_dir)["X"]["title"] == "From a"
    assert duplicates(report) == [("b.jsonl", "line 1", "duplicate article id 'X': the copy in a.jsonl (line 2) is indexed")]
    os.utime(archive / "b.jsonl", ns=(1, 1))  # a touch of the losing file changes nothing ...
    assert duplicates(reindex(archive, index_dir)) == duplicates(report) and stored_articles(index_dir)["X"]["title"] == "From a"
    assert duplicates(reindex(archive, index_dir)) == duplicates(report)  # ... and every summary reports it
    (archive / "a.jsonl").unlink()  # the losing copy comes back when the winner goes
    report = reindex(archive, index_dir)
    assert stored_articles(index_dir)["X"]["title"] == "From b" and duplicates(report) == []
    assert report.skipped == []


FILE_NAMES = ["a/x.jsonl", "a0.jsonl", "b.jsonl", "z.jsonl"]  # a/x.jsonl sorts before a0.jsonl; the folder walk meets it after
records = st.lists(st.fixed_dictionaries({"id": st.sampled_from("XYZ"), "title": st.sampled_from(["One", "Two", "Three"])}), max_size=3)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from(FILE_NAMES), records),  # add or change
        st.tuples(st.just("touch"), st.sampled_from(FILE_NAMES), st.none()),
        st.tuples(st.just("delete"), st.sampled_from(FILE_NAMES), st.none()),
        st.tuples(st.just("rename"), st.sampled_from(FILE_NAMES), st.sampled_from(FILE_NAMES)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_incremental_reindex_equals_full_whatever_happens_to_files_sharing_ids(tmp_path: Path, steps: list[tuple[str, str, Any]]) -> None:
    """After every step, the incremental index stores exactly what a clean full reindex stores, and both report the same duplicates."""
    base = tmp_path / str(len(list(tmp_path.iterdir())))  # a fresh folder per example
    archive, index_dir = base / "archive", base / "index"
    archive.mkdir(parents=True)
    write_export(archive / "seed.jsonl", [{"id": "X", "title": "Seed", "body": "seed"}])
    reindex(archive, index_dir)
    mtime = 10**18  # every write or touch gets a new mtime: the file's signature changes as on a real disk
    for action, name, argument in steps:
        path = archive / name
        mtime += 10**9
        if action == "write":
            write_export(path, [{**record, "body": f"{record['title']} in {name} #{n}"} for n, record in enumerate(argument)])
            os.utime(path, ns=(mtime, mtime))
        elif not path.exists():
            continue
        elif action == "touch":
            os.utime(path, ns=(mtime, mtime))
        elif action == "delete":
            path.unlink()
        elif action == "rename" and argument != name:
            (archive / argument).parent.mkdir(exist_ok=True)
            path.rename(archive / argument)
        incremental = reindex(archive, index_dir)
        shutil.rmtree(base / "full", ignore_errors=True)
        full = reindex(archive, base / "full", full=True)
        assert stored_articles(index_dir) == stored_articles(base / "full"), steps
        assert duplicates(incremental) == duplicates(full), steps
        assert (incremental.articles, incremental.duplicates) == (full.articles, full.duplicates)


# 2. One pathological file ------------------------------------------------------------------


def test_json_nested_100000_deep_is_that_files_problem(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    good_archive(archive)
    (archive / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (archive / "deep.jsonl").write_text('{"id": "d1", "title": "Fine", "body": "A line before."}\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    code, summary = reindex_cli(archive, tmp_path / "index")
    assert code == EXIT_SKIPPED
    assert summary["articles"] == 2  # good.jsonl's article and the good line of deep.jsonl
    reasons = {(p["path"], p["location"]): p["reason"] for p in summary["problems"]}
    assert "nested too deeply" in reasons[("deep.json", "")]
    assert "nested too deeply" in reasons[("deep.jsonl", "line 2")]


def test_an_exception_no_reader_anticipated_skips_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "archive"
    good_archive(archive)
    write_export(archive / "cursed.jsonl", [{"id": f"c{n}", "title": "Cursed", "body": "Never indexed."} for n in range(3)])
    real = READERS[".jsonl"]

    def failing_reader(text: str, path: str) -> Any:
        if path == "cursed.jsonl":
            raise ZeroDivisionError("a bug in a reader")
        return real(text, path)

    monkeypatch.setitem(READERS, ".jsonl", failing_reader)
    code, summary = reindex_cli(archive, tmp_path / "index")
    assert code == EXIT_SKIPPED
    assert summary["articles"] == 1
    assert [(p["path"], p["reason"]) for p in summary["problems"]] == [("cursed.jsonl", "reading stopped: ZeroDivisionError: a bug in a reader")]


# 6. Reports that grow without bound --------------------------------------------------------


def test_a_file_of_many_bad_lines_lists_20_and_counts_the_rest(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    good_archive(archive)
    bad_lines = 200_000
    with gzip.open(archive / "bomb.jsonl.gz", "wb") as file:
        file.write(b'{"id": "b1", "title": "Fine", "body": "One good record."}\n' + b"{bad\n" * bad_lines)
    code, summary = reindex_cli(archive, index_dir)
    assert code == EXIT_SKIPPED and summary["articles"] == 2
    bomb = [p for p in summary["problems"] if p["path"] == "bomb.jsonl.gz"]
    assert len(bomb) == MAX_PROBLEMS_PER_FILE + 1
    assert [p["location"] for p in bomb[:3]] == ["line 2", "line 3", "line 4"]
    more = bad_lines - MAX_PROBLEMS_PER_FILE
    assert bomb[-1] == {
        "path": "bomb.jsonl.gz",
        "reason": f"{more:,} more problems not listed ({more:,} of them skipped)",
        "location": "",
        "skipped": True,
    }
    assert (index_dir / REPORT_FILE).stat().st_size < 10_000
    text = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(index_dir), "--full"])
    assert len(text.output.splitlines()) < 30, text.output


# 11. Files that are not articles ----------------------------------------------------------


def test_readmes_and_the_ignore_files_patterns_are_not_indexed_but_counted(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    good_archive(archive)
    (archive / "bbc").mkdir()
    (archive / "bbc" / "README.TXT").write_text("Consists of 2225 documents from the BBC news website.\n")
    (archive / "readme.md").write_text("# My archive\n")
    (archive / "drafts" / "deep").mkdir(parents=True)
    (archive / "drafts" / "deep" / "unfinished.txt").write_text("Unfinished\n\nNot ready.\n")
    (archive / "notes.txt").write_text("Notes\n\nTo self.\n")
    (archive / "sub").mkdir()
    (archive / "sub" / "notes.txt").write_text("Sub notes\n\nAn article that happens to be called notes.\n")
    (archive / "README.txt").write_text("Readme\n\nA story about a file called README, taken back below.\n")
    (archive / ".newssearchignore").write_text("# not articles\ndrafts/\n/notes.txt\n!/README.txt\n")
    code, summary = reindex_cli(archive, index_dir)
    assert (code, summary["files"], summary["files_ignored"], summary["problems"]) == (0, 3, 4, [])
    assert sorted(article["path"] for article in stored_articles(index_dir).values()) == ["README.txt", "good.jsonl", "sub/notes.txt"]
    text = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(index_dir)])
    assert "Ignored: 4 files" in text.output


def test_a_bad_ignore_pattern_is_a_one_line_error(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    good_archive(archive)
    (archive / ".newssearchignore").write_text("ok.txt\n\\\n")
    result = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {archive / '.newssearchignore'}: Invalid git pattern") and len(result.output.splitlines()) == 1


# 8 and 12. Worker processes of a multi-process reindex -------------------------------------


def parallel_archive(archive: Path) -> None:
    """Six Reuters files: more than the writer analyses in one process."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("the writer uses one process on a single core")
    link_reuters(archive, 6)
    assert sum(path.stat().st_size for path in archive.iterdir()) > writing.PARALLEL_BYTES


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (a dead process its new parent has not reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_a_full_disk_in_a_multi_process_reindex_is_one_line_from_every_process(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    parallel_archive(archive)
    index_dir.mkdir()
    with mounted(index_dir, "-t", "tmpfs", "-o", "size=3m", "tmpfs"):
        result = run("reindex", "--archive", archive, "--index", index_dir, "--full")
        assert result.returncode == 1 and result.stdout == ""
        assert_one_line_error(result.stderr, f"cannot write the index in {index_dir}", "No space left on device")


WORKER_FAILS = """
import errno, sys
from whoosh.multiproc import SubWriterTask
from newssearch.cli import main

def read_only(self, *job):
    raise OSError(errno.EROFS, "Read-only file system")

SubWriterTask._process_file = read_only  # the worker processes alone fail, as when the folder turns read-only under them
main(sys.argv[1:])
"""


def test_a_worker_that_fails_is_one_line_and_nothing_is_committed(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    parallel_archive(archive)
    good_archive(tmp_path / "small")
    reindex(tmp_path / "small", index_dir)
    before = stored_articles(index_dir)
    command = [sys.executable, "-c", WORKER_FAILS, "reindex", "--archive", str(archive), "--index", str(index_dir), "--full"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    assert result.returncode == 1 and result.stdout == ""
    assert_one_line_error(result.stderr, f"cannot write the index in {index_dir}", "Read-only file system")
    assert stored_articles(index_dir) == before


def test_workers_end_with_a_killed_reindex_and_the_next_one_runs_at_once(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    parallel_archive(archive)
    process = start_reindex(archive, index_dir, "--full")  # in a process group of its own
    try:
        wait_until(lambda: children(process.pid) != [], SUBPROCESS_TIMEOUT, "the reindex has started its worker processes")
        workers = children(process.pid)
        os.kill(process.pid, signal.SIGKILL)  # the parent alone, as the OOM killer would
        process.communicate(timeout=SUBPROCESS_TIMEOUT)
        for path in sorted(archive.iterdir())[1:]:
            path.unlink()  # the next reindex needs the lock, not all the work
        after = run("reindex", "--archive", archive, "--index", index_dir)
        assert after.returncode == 0 and after.stdout.startswith("Reindex: read 1 of 1 files"), after.stdout + after.stderr
        wait_until(lambda: not any(running(pid) for pid in workers), 60, "the killed reindex's workers have ended")
    finally:
        kill(process)  # the group: any worker still alive
