"""Folder defaults: a .newssearch.toml says what the articles under its folder leave unsaid."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import stored_articles

from newssearch import read_file, reindex
from newssearch.archive import scan

PAGE = "Chelsea sign a striker\n\nThe club confirmed the transfer of the striker on Monday after weeks of talks.\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def read(archive: Path, relpath: str):
    result = read_file(str(archive / relpath), relpath)
    [article] = result.articles
    return article


def archive_of(root: Path) -> Path:
    """bbc/ says BBC News and English; bbc/sport/ overrides the section; one page names its own source."""
    write(root / "bbc" / ".newssearch.toml", 'source = "BBC News"\nsection = "News"\nlanguage = "en"\n')
    write(root / "bbc" / "sport" / ".newssearch.toml", 'section = "Sport"\n')
    write(root / "bbc" / "sport" / "001.txt", PAGE)
    write(root / "bbc" / "own.txt", PAGE + "source: Wire Service\n")
    write(root / "other" / "002.txt", PAGE)
    return root


def test_defaults_fill_what_the_article_leaves_empty_and_subfolders_inherit_or_override(tmp_path: Path) -> None:
    archive = archive_of(tmp_path)
    sport = read(archive, "bbc/sport/001.txt")
    assert (sport.source, sport.section, sport.language) == ("BBC News", "Sport", "en")
    own = read(archive, "bbc/own.txt")
    assert (own.source, own.section, own.language) == ("Wire Service", "News", "en")  # its own source wins
    other = read(archive, "other/002.txt")
    assert (other.source, other.section, other.language) == ("", "", "")
    assert "striker" in sport.body and ".newssearch" not in " ".join(f.relpath for f in scan(archive).files)


def test_an_empty_value_takes_an_inherited_default_back(tmp_path: Path) -> None:
    write(tmp_path / ".newssearch.toml", 'source = "Archive"\nsection = "Home"\n')
    write(tmp_path / "x" / ".newssearch.toml", 'section = ""\n')
    write(tmp_path / "x" / "a.txt", PAGE)
    article = read(tmp_path, "x/a.txt")
    assert (article.source, article.section) == ("Archive", "")


def test_a_file_read_on_its_own_gets_no_defaults(tmp_path: Path) -> None:
    """read_file(abspath, relpath) with a relpath that is not abspath's tail: no archive to look up."""
    archive = archive_of(tmp_path)
    result = read_file(str(archive / "bbc" / "sport" / "001.txt"), "elsewhere/001.txt")
    assert result.articles[0].source == ""


def test_bad_defaults_are_one_line_problems_and_the_rest_is_indexed(tmp_path: Path) -> None:
    write(tmp_path / "a" / ".newssearch.toml", 'source = "A"\nsorce = "typo"\nlanguage = "English!"\nsection = 5\n')
    write(tmp_path / "a" / "1.txt", PAGE)
    write(tmp_path / "b" / ".newssearch.toml", 'source = "B\n')  # not TOML: an unclosed string
    write(tmp_path / "b" / "2.txt", PAGE)
    found = scan(tmp_path)
    assert [f.relpath for f in found.files] == ["a/1.txt", "b/2.txt"]
    reasons = {(p.path, p.reason.split(" ")[0] + " " + p.reason.split(" ")[1]) for p in found.problems}
    assert reasons == {
        ("a/.newssearch.toml", "unknown key"), ("a/.newssearch.toml", "language 'English!'"),
        ("a/.newssearch.toml", "section must"), ("b/.newssearch.toml", "not valid"),
    }  # fmt: skip
    assert all("\n" not in str(p) and not p.skipped for p in found.problems)
    assert "'sorce'" in next(p.reason for p in found.problems if "unknown key" in p.reason)
    assert read(tmp_path, "a/1.txt").source == "A"  # the good key still applies
    assert read(tmp_path, "b/2.txt").source == ""
    report = reindex(tmp_path, tmp_path / ".index")
    assert report.added == 2 and sum("newssearch.toml" in p.path for p in report.problems) == 4


def signatures(archive: Path) -> dict[str, str]:
    return {f.relpath: f.signature for f in scan(archive).files}


def test_the_signature_changes_with_the_defaults_that_apply(tmp_path: Path) -> None:
    archive = archive_of(tmp_path)
    before = signatures(archive)
    assert before["other/002.txt"] == "{0.st_mtime_ns}:{0.st_size}".format(os.stat(archive / "other" / "002.txt"))
    write(archive / "bbc" / ".newssearch.toml", 'source = "BBC"\nsection = "News"\nlanguage = "en"\n')
    after = signatures(archive)
    assert {path for path in before if before[path] != after[path]} == {"bbc/own.txt", "bbc/sport/001.txt"}
    write(archive / "bbc" / ".newssearch.toml", 'source = "BBC"\nsection = "News"\nlanguage = "en"  # a comment\n')
    assert signatures(archive) == after  # the same defaults, written differently: nothing to read again


def stored(index_dir: Path) -> dict[str, dict]:
    return stored_articles(index_dir)


def test_changed_defaults_are_read_again_by_an_incremental_reindex_as_by_a_full_one(tmp_path: Path) -> None:
    archive = archive_of(tmp_path / "archive")
    incremental = tmp_path / "incremental"
    reindex(archive, incremental)
    assert stored(incremental)["bbc/sport/001.txt"]["source"] == "BBC News"
    write(archive / "bbc" / ".newssearch.toml", 'source = "BBC"\nsection = "Politics"\n')
    write(archive / "other" / ".newssearch.toml", 'source = "Other"\n')
    report = reindex(archive, incremental)
    assert report.files_read == 3
    full = tmp_path / "full"
    reindex(archive, full, full=True)
    assert stored(incremental) == stored(full)
    docs = stored(full)
    assert (docs["bbc/sport/001.txt"]["source"], docs["bbc/sport/001.txt"]["section"]) == ("BBC", "Sport")
    assert (docs["bbc/own.txt"]["source"], docs["bbc/own.txt"]["section"]) == ("Wire Service", "Politics")
    assert docs["other/002.txt"]["source"] == "Other"
    assert reindex(archive, incremental).files_read == 0  # and then nothing changed


def test_an_export_record_s_own_language_wins_over_the_folder_s(tmp_path: Path) -> None:
    write(tmp_path / "wire" / ".newssearch.toml", 'language = "en"\nsource = "Wire"\n')
    records = '{"id": "1", "title": "Un", "body": "Texte", "language": "fr"}\n{"id": "2", "title": "Two", "body": "Text"}\n'
    write(tmp_path / "wire" / "a.jsonl", records)
    articles = read_file(str(tmp_path / "wire" / "a.jsonl"), "wire/a.jsonl").articles
    assert [(a.language, a.source) for a in articles] == [("fr", "Wire"), ("en", "Wire")]
