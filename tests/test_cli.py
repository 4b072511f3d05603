"""The command line as a user runs it: configuration, output, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SAMPLE, index_sample_with_cli, on_each_engine

from newssearch.cli import EXIT_SKIPPED, main


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample archive indexed through the CLI, configured by environment variables: by Whoosh, or
    by the engine a test names with ``on_each_engine("demo")``."""
    if getattr(request, "param", "whoosh") == "opensearch":
        env: dict[str, str] = request.getfixturevalue("opensearch_sample")
        return env
    return index_sample_with_cli(tmp_path_factory.mktemp("cli"), {})


@on_each_engine("demo")
def test_query_prints_ranked_results(demo: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["query", "START", "treaty", "--limit", "2"], env=demo)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert 'results for "START treaty"' in lines[0]
    assert "1. Blinken and Lavrov meet in India" in lines[2]
    assert "commonspace.eu with agencies" in lines[3] and "undated" in lines[3]
    assert "2010 START treaty on nuclear proliferation" in result.output
    assert "\x1b[" not in result.output  # piped: plain text


def test_matches_are_bold_on_a_terminal_unless_no_color(demo: dict[str, str]) -> None:
    bold = CliRunner().invoke(main, ["query", "Zakharova"], env=demo, color=True)
    assert "\x1b[1mZakharova\x1b[0m" in bold.output
    plain = CliRunner().invoke(main, ["query", "Zakharova"], env={**demo, "NO_COLOR": "1"}, color=True)
    assert "\x1b[" not in plain.output and "Zakharova" in plain.output


@on_each_engine("demo")
def test_query_options_and_json(demo: dict[str, str]) -> None:
    args = ["query", "cocoa", "--json", "--facets", "--sort", "newest", "--source", "reuters", "--since", "1987-02-26", "--until", "1987-03-02"]
    result = CliRunner().invoke(main, args, env=demo)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"query", "total", "page", "hits", "facets"} <= data.keys()
    assert data["total"] > 0 and data["facets"]["source"] == [{"value": "Reuters", "count": data["total"]}]
    dates = [hit["date"] for hit in data["hits"]]
    assert dates == sorted(dates, reverse=True) and all("1987-02-26" <= d[:10] <= "1987-03-02" for d in dates)
    page2 = json.loads(CliRunner().invoke(main, ["query", "oil", "--json", "--page", "2", "--limit", "5"], env=demo).output)
    assert page2["page"] == 2 and len(page2["hits"]) == 5


@on_each_engine("demo")
def test_a_query_that_finds_nothing_shows_its_respelling(demo: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["query", "cocao", "--limit", "1"], env=demo)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == 'No results for "cocao". Showing results for "cocoa" (search the words as typed with --as-typed).'
    assert lines[1].startswith('2 results for "cocoa"') and "COCOA" in result.output
    data = json.loads(CliRunner().invoke(main, ["query", "cocao", "--json"], env=demo).output)
    assert (data["query"], data["suggestion"], data["showing_suggestion"], data["total"]) == ("cocao", "cocoa", True, 2)
    as_typed = CliRunner().invoke(main, ["query", "cocao", "--as-typed"], env=demo)
    assert as_typed.output == 'No results for "cocao". Did you mean: cocoa?\n'


def test_options_override_environment(demo: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["query", "cocoa", "--index", str(tmp_path / "nowhere")], env=demo)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: no index in {tmp_path / 'nowhere'}: run `newssearch reindex` first (or point --index / NEWSSEARCH_INDEX at an existing index)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "date:[x TO y]"], "cannot understand the query"),
        (["query", "cocoa", "--since", "2023-13-01"], "Invalid value for '--since'"),
        (["query", "cocoa", "--sort", "random"], "Invalid value for '--sort'"),
        (["query", "cocoa", "--limit", "0"], "Invalid value for '--limit'"),
    ],
)
def test_bad_input_is_one_line_without_traceback(demo: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args, env=demo)
    assert result.exit_code in (1, 2)
    assert message in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@on_each_engine("demo")
def test_no_results_gives_tips(demo: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["query", "xylophonequartet"], env=demo)
    assert result.exit_code == 0 and result.output.startswith('No results for "xylophonequartet"')


def test_stats(demo: dict[str, str]) -> None:
    data = json.loads(CliRunner().invoke(main, ["stats", "--json"], env=demo).output)
    assert data["articles"] == 1016
    assert data["by_source"] == {"Reuters": 1000, "BBC News": 15, "commonspace.eu with agencies": 1}
    assert data["by_year"] == {"1987": 1000} and data["undated"] == 16
    assert data["size_bytes"] > 0 and data["last_reindex"]["added"] == 1016
    text = CliRunner().invoke(main, ["stats"], env=demo).output
    assert "1,016 articles" in text and "Last reindex:" in text


def test_reindex_reports_skipped_files_and_exits_3(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE, archive)
    (archive / "scan.pdf").write_bytes(b"%PDF-1.4")
    (archive / "bad.jsonl").write_text("{not json}\n", encoding="utf-8")
    env = {"NEWSSEARCH_ARCHIVE": str(archive), "NEWSSEARCH_INDEX": str(tmp_path / "index")}
    result = CliRunner().invoke(main, ["reindex"], env=env)
    assert result.exit_code == EXIT_SKIPPED
    assert "2 skipped (not indexed):" in result.output
    assert "scan.pdf: unknown file type" in result.output
    assert "bad.jsonl (line 1): malformed JSON" in result.output
    assert "1,016 articles in the index" in result.output


def test_reindex_of_a_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["reindex", "--archive", str(tmp_path / "none"), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: archive folder {tmp_path / 'none'} does not exist")


def test_serve_answers_from_several_processes_and_stops_on_sigterm(demo: dict[str, str]) -> None:
    """`newssearch serve` as a user starts it: two worker processes answer; SIGTERM stops them all."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "newssearch.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "2"]
    server = subprocess.Popen(command, env={**os.environ, **demo}, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/search?q=START+treaty"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    answer = json.load(response)
                break
            except OSError:
                time.sleep(0.2)
        assert answer["hits"][0]["title"].startswith("Blinken and Lavrov meet in India")
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in errors
    assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
