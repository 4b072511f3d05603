"""A one-off search (``newssearch query``, engine/whoosh/oneoff.py) answers as the server's path does,
and its process imports none of what it has no use for."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from whoosh.codec.whoosh3 import STORED_COLUMN
from whoosh.columns import VarBytesColumn

from newssearch import SearchIndex, SearchRequest, search
from newssearch.engine import open_engine
from newssearch.engine.base import Query
from newssearch.engine.whoosh import oneoff
from newssearch.engine.whoosh.patches import STORED_COLUMN_NAME

QUERIES = [
    "cocoa", "said", "cocoa prices", "cocoa cocoa prices", "START treaty", "start treaty", '"START treaty"', '"trade deficit"',
    '"net loss"', "why are coffee prices falling in brazil", "cocoa NOT brazil", "treat*", "title:cocoa", "IBM shares",
]  # fmt: skip
SAMPLE_QUERIES = ["START treaty", "Lavrov", "nuclear treaty India", '"New Delhi"', "treat*", "Lavrov NOT India"]


def one_off(index: SearchIndex) -> SearchIndex:
    """The same index, opened as ``newssearch query`` opens it."""
    return SearchIndex(index.index_dir, index.schema, open_engine(index.index_dir, index.schema, "whoosh", one_off=True))


def answer(index: SearchIndex, request: SearchRequest) -> dict[str, Any]:
    data = search(index, request).to_dict()
    del data["seconds"]
    return data


def answered_here(index: SearchIndex, text: str, **options: Any) -> bool:
    """Whether oneoff.py answers this search itself, not the usual path."""
    engine = index.engine
    matches = oneoff.search(engine.searcher(), engine.queries, index.schema, Query(text=text, window=30, **options))  # type: ignore[attr-defined]
    return matches is not None


def assert_same(index: SearchIndex, request: SearchRequest) -> None:
    with one_off(index) as cold:
        assert answer(cold, request) == answer(index, request)


@pytest.mark.parametrize("text", QUERIES)
def test_a_one_off_search_answers_as_the_server_does(reuters_index: SearchIndex, text: str) -> None:
    """Hits, order, scores, total, snippets, did-you-mean: the same, the acronym signal (START) included."""
    assert answered_here(reuters_index, text)
    assert_same(reuters_index, SearchRequest(text, page_size=20))


def test_filters_and_pages_of_a_one_off_search(reuters_index: SearchIndex) -> None:
    assert_same(reuters_index, SearchRequest("oil", filters={"source": ("reuters",)}, since=date(1987, 3, 1), until=date(1987, 3, 31)))
    assert_same(reuters_index, SearchRequest("cocoa", page=3))
    assert_same(reuters_index, SearchRequest("cocoa", filters={"source": ("no such source",)}))
    assert_same(reuters_index, SearchRequest("cocao"))  # the respelling's results
    assert not answered_here(reuters_index, "oil prices")  # 5,957 postings, counted five times: the usual way
    assert_same(reuters_index, SearchRequest("oil prices"))
    sentence = "what did the bundesbank say about interest rates"  # 12,578 postings, counted three times
    assert not answered_here(reuters_index, sentence)
    assert_same(reuters_index, SearchRequest(sentence, page_size=20))


@pytest.mark.parametrize("text", SAMPLE_QUERIES)
def test_a_one_off_search_of_the_sample_answers_as_the_server_does(sample_index: SearchIndex, text: str) -> None:
    assert answered_here(sample_index, text)
    assert_same(sample_index, SearchRequest(text, page_size=50, fold=False))
    assert_same(sample_index, SearchRequest(text))


@pytest.mark.parametrize(
    "options", [{"facets": True}, {"sort": "newest"}, {"recency": True}, {"days": True}], ids=["facets", "newest", "recency", "days"]
)
def test_what_reads_every_article_goes_the_usual_way(sample_index: SearchIndex, options: dict[str, Any]) -> None:
    assert not answered_here(sample_index, "treaty", **options)
    request = {key: value for key, value in options.items() if key != "days"}
    assert_same(sample_index, SearchRequest("treaty", **request))


@pytest.mark.parametrize("text", ["cocoa -brazil", "cocoa prices -brazil"])
def test_minus_words_go_the_usual_way(reuters_index: SearchIndex, text: str) -> None:
    """Whoosh's AndNot lets reuters-2521 (brazil in headline and body) through ``cocoa -brazil``: the usual path leaves it out."""
    assert not answered_here(reuters_index, text)
    with one_off(reuters_index) as cold:
        found = search(cold, SearchRequest(text, page_size=100, fold=False))
    assert found.total > 100 and "reuters-2521" not in [hit.id for hit in found.hits]
    assert_same(reuters_index, SearchRequest(text))


def test_words_in_too_many_places_go_the_usual_way(sample_index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = sample_index.engine
    parsed = engine.queries.parse("nuclear treaty")  # type: ignore[attr-defined]
    postings = oneoff._postings(engine.searcher().reader(), parsed.words)  # type: ignore[attr-defined]
    monkeypatch.setattr(oneoff, "MAX_POSTINGS", postings)
    assert answered_here(sample_index, "nuclear treaty")
    monkeypatch.setattr(oneoff, "MAX_POSTINGS", postings - 1)
    assert not answered_here(sample_index, "nuclear treaty")
    assert_same(sample_index, SearchRequest("nuclear treaty"))


UNUSED = (
    "numpy", "flask", "trafilatura", "lxml", "asyncio", "urllib.request", "shutil", "tempfile", "symspellpy",
    "newssearch.indexer", "newssearch.stats",
)  # fmt: skip


def test_a_query_process_imports_nothing_it_does_not_use(sample_index: SearchIndex) -> None:
    """numpy, Flask, trafilatura and the rest cost a one-off ``newssearch query`` more than its search (issue 15)."""
    code = (
        "import sys\nfrom newssearch.cli import main\n"
        f"main(['query', 'START', 'treaty', '--json', '--index', {str(sample_index.index_dir)!r}], standalone_mode=False)\n"
        f"print(sorted(name for name in {UNUSED!r} if name in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["total"] > 0
    assert done.stderr.strip() == "[]"


def test_a_query_answered_with_numpy_leaves_numpys_masked_arrays_unimported(sample_index: SearchIndex) -> None:
    """Words with more postings than oneoff.py reads (any common word of Reuters) are ranked with numpy;
    its np.unique imports numpy.ma to ask whether an array is masked, 10 ms of such a process."""
    code = (
        "import sys\nfrom newssearch.engine.whoosh import oneoff\noneoff.MAX_POSTINGS = 0\nfrom newssearch.cli import main\n"
        f"main(['query', 'nuclear', 'treaty', '--json', '--index', {str(sample_index.index_dir)!r}], standalone_mode=False)\n"
        "print('numpy' in sys.modules, 'numpy.ma' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["total"] > 0
    assert done.stderr.strip() == "True False"


def test_a_bytes_column_of_a_small_segment_keeps_its_offsets(sample_index: SearchIndex) -> None:
    """Whoosh keeps a bytes column's offsets only past 32,768 articles a segment; below that, each
    reader adds up every length in a Python loop before its first value, which a one-off search
    pays for each column it reads (schema._bytes_column), and for the stored fields."""
    engine = sample_index.engine
    columns = [name for name, field in engine.searcher().schema.items() if isinstance(field.column_type, VarBytesColumn)]  # type: ignore[attr-defined]
    assert {"id", "filekey", "sketch"} <= set(columns)
    for segment, _ in engine.searcher().reader().leaf_readers():  # type: ignore[attr-defined]
        assert segment.doc_count_all() < 2**15
        for name in columns:
            assert segment.column_reader(name, translate=False).had_stored_offsets, name
        stored = segment._perdoc.column_reader(STORED_COLUMN_NAME, STORED_COLUMN)  # Whoosh's own column (patches.adopt_writer)
        assert stored._child.had_stored_offsets


def _at_exit(index_dir: Path, call: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A process that runs ``call`` (``run()`` or ``main(...)``) on ``newssearch query ARGS`` and, as Python
    exits, prints how many objects the collector has frozen."""
    code = (
        "import atexit, gc, sys\nfrom newssearch.cli import main, run\n"
        "atexit.register(lambda: print(gc.get_freeze_count(), file=sys.stderr))\n"
        f"sys.argv = ['newssearch', 'query', *{list(args)!r}, '--json', '--index', {str(index_dir)!r}]\n{call}\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_the_program_leaves_its_objects_out_of_the_collections_at_exit(sample_index: SearchIndex, tmp_path: Path) -> None:
    """Python's teardown collects garbage over every live object, several times: 20 ms of a one-off query
    (cli.run). The program freezes them first, whatever the command's outcome; ``main``, which a test or
    another program calls and then goes on, leaves the collector as it found it."""
    done = _at_exit(sample_index.index_dir, "run()", "START", "treaty")
    assert done.returncode == 0 and json.loads(done.stdout)["total"] > 0
    assert int(done.stderr) > 10_000
    failed = _at_exit(tmp_path / "none", "run()", "START")
    assert failed.returncode == 1 and failed.stderr.splitlines()[0].startswith("Error: ")
    assert int(failed.stderr.split()[-1]) > 10_000  # the exit status is the command's, and its objects are frozen too
    called = _at_exit(sample_index.index_dir, "main(sys.argv[1:], standalone_mode=False)", "START", "treaty")
    assert called.returncode == 0 and called.stderr.strip() == "0"
