"""Integrity of a reindex (issue 11): nothing in the archive silently lost, one file's fault
stays that file's, reports stay small, and no process outlives a killed or failed reindex.

Archives are built in each test from a few small files; the multi-process tests link a few
Reuters files, enough for the writer to analyse in several processes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newssearch import reindex
from newssearch.cli import EXIT_SKIPPED, main
from newssearch.errors import MAX_PROBLEMS_PER_FILE
from newssearch.readers import READERS
from newssearch.store import REPORT_FILE


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def good_archive(archive: Path) -> None:
    write_jsonl(archive / "good.jsonl", [{"id": "g1", "title": "Cocoa harvest", "body": "The cocoa harvest was good."}])


def reindex_cli(archive: Path, index_dir: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    """Exit status and the --json summary of ``newssearch reindex``."""
    result = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(index_dir), "--json", *flags])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


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
    write_jsonl(archive / "cursed.jsonl", [{"id": f"c{n}", "title": "Cursed", "body": "Never indexed."} for n in range(3)])
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
    assert bomb[-1] == {"path": "bomb.jsonl.gz", "reason": f"{more:,} more problems not listed ({more:,} of them skipped)", "location": "", "skipped": True}
    assert (index_dir / REPORT_FILE).stat().st_size < 10_000
    text = CliRunner().invoke(main, ["reindex", "--archive", str(archive), "--index", str(index_dir), "--full"])
    assert len(text.output.splitlines()) < 30, text.output
