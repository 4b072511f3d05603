"""The two engines side by side: the sample archive indexed by Whoosh and by OpenSearch gives the
same shape of answer everywhere a user or a program reads one (``query --json``, /api/search, the
article page and its API, the Atom feed, ``stats --json``), the ``--engine`` option, and Reuters
indexed by both finds the same articles (parity). Chosen CLI and web tests run on both engines
in test_cli.py and test_web.py (helpers.on_each_engine).

The OpenSearch cases share the session's cluster and its one index of the sample (conftest.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import ENGINE_KINDS, ROOT, SEED_ID, OpenSearchCluster, engine_app, index_sample_with_cli, link_reuters

from newssearch import SearchIndex, reindex
from newssearch.cli import main
from newssearch.engine.opensearch import OpenSearchEngine
from newssearch.engine.opensearch.config import Settings
from newssearch.fields import SCHEMA
from newssearch.search import SearchRequest, SearchResult, search
from newssearch.stats import index_stats


@pytest.fixture(scope="module")
def whoosh_sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return index_sample_with_cli(tmp_path_factory.mktemp("whoosh"), {"NEWSSEARCH_ENGINE": "whoosh"})


@pytest.fixture(scope="module", params=ENGINE_KINDS)
def sample(request: pytest.FixtureRequest) -> dict[str, str]:
    """The sample indexed through the CLI by each engine: the environment its commands run with."""
    env: dict[str, str] = request.getfixturevalue(f"{request.param}_sample")
    return env


def cli(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(main, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_engine_option_names_the_engine(sample: dict[str, str]) -> None:
    """--engine wins over NEWSSEARCH_ENGINE; a name neither engine has is a one-line error."""
    other = "opensearch" if sample["NEWSSEARCH_ENGINE"] == "whoosh" else "whoosh"
    chosen = cli({**sample, "NEWSSEARCH_ENGINE": other}, "stats", "--engine", sample["NEWSSEARCH_ENGINE"])
    assert chosen["articles"] == 1016
    bad = CliRunner().invoke(main, ["stats", "--engine", "solr"], env=sample)
    assert bad.exit_code == 2 and "Invalid value for '--engine': 'solr' is not one of 'whoosh', 'opensearch'." in bad.output
    assert "Traceback" not in bad.output


def same_shape(whoosh: Any, opensearch: Any, where: str = "") -> None:
    """Assert the two answers have the same keys at every level and the same type of every value."""
    if isinstance(whoosh, dict):
        assert isinstance(opensearch, dict) and list(whoosh) == list(opensearch), f"{where}: keys {list(whoosh)} != {list(opensearch)}"
        for key in whoosh:
            same_shape(whoosh[key], opensearch[key], f"{where}.{key}")
    elif isinstance(whoosh, list):
        assert isinstance(opensearch, list), where
        assert bool(whoosh) == bool(opensearch), f"{where}: one engine has items, the other none"
        for item in whoosh[:1] + opensearch[:1]:
            same_shape(whoosh[0], item, f"{where}[]")
    elif whoosh is not None and opensearch is not None:
        assert type(whoosh) is type(opensearch), f"{where}: {type(whoosh).__name__} != {type(opensearch).__name__}"


@pytest.mark.opensearch
def test_both_engines_answer_in_the_same_shape(whoosh_sample: dict[str, str], opensearch_sample: dict[str, str]) -> None:
    envs = (whoosh_sample, opensearch_sample)
    for args in (["query", "START", "treaty", "--facets"], ["query", "oil", "--source", "reuters", "--page", "2"], ["related", SEED_ID], ["stats"]):
        same_shape(*(cli(env, *args) for env in envs), where=" ".join(args))
    clients = [engine_app(env).test_client() for env in envs]
    for url in ("/api/search?q=START+treaty", "/api/search?q=cocoa&source=Reuters&year=1987", "/api/search?q=cocao", f"/api/article/{SEED_ID}"):
        answers = [client.get(url) for client in clients]
        assert [a.status_code for a in answers] == [200, 200], url
        same_shape(*(a.get_json() for a in answers), where=url)
    pages = [client.get(f"/article/{SEED_ID}?q=START+treaty").get_data(as_text=True) for client in clients]
    before_related = [text.split('id="related-heading"', 1)[0] for text in pages]
    assert before_related[0] == before_related[1]  # the same stored article, the same highlight: the same page up to its related articles
    feeds = [ET.fromstring(client.get("/search.atom?q=oil").data) for client in clients]
    assert [[child.tag for child in entry] for entry in feeds[0]] == [[child.tag for child in entry] for entry in feeds[1]]


# Parity on Reuters ----------------------------------------------------------------------------


def bench_queries() -> Any:
    """benchmarks/perf/queries.py's QUERIES: plain data, loaded by its path (benchmarks/ is no package)."""
    path = ROOT / "benchmarks" / "perf" / "queries.py"
    spec = importlib.util.spec_from_file_location("perf_queries", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return module.QUERIES


@pytest.fixture(scope="module")
def reuters_on_opensearch(opensearch_cluster: OpenSearchCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    """All of Reuters in one OpenSearch index (one shard, so its scores use the same statistics as Whoosh's one index)."""
    base = tmp_path_factory.mktemp("reuters-opensearch")
    link_reuters(base / "archive")
    engine = OpenSearchEngine(base / "index", SCHEMA, Settings(urls=tuple(opensearch_cluster.urls), index="parity", shards=1, replicas=0))
    reindex(base / "archive", base / "index", engine=engine)
    yield SearchIndex(base / "index", SCHEMA, engine)
    engine.client.indices.delete(index="parity*", ignore_unavailable=True)
    engine.close()


def top_ten(index: SearchIndex, query: Any) -> SearchResult:
    request = SearchRequest(
        q=query.text, filters={"source": (query.source,)} if query.source else {},
        since=date.fromisoformat(query.since) if query.since else None, until=date.fromisoformat(query.until) if query.until else None,
    )  # fmt: skip
    return search(index, request)


@pytest.mark.opensearch
def test_reuters_parity(reuters_index: SearchIndex, reuters_on_opensearch: SearchIndex) -> None:
    """Same article count; for every benchmark query totals within 1% and, on average, 70% of the top ten shared."""
    assert index_stats(reuters_on_opensearch).articles == index_stats(reuters_index).articles == 21578
    rows = []
    for query in bench_queries():
        whoosh, opensearch = top_ten(reuters_index, query), top_ten(reuters_on_opensearch, query)
        overlap = len({h.id for h in whoosh.hits} & {h.id for h in opensearch.hits}) / max(len(whoosh.hits), 1)
        rows.append((query.text, query.source or query.since or "", whoosh.total, opensearch.total, overlap))
    print(f"\n{'query':<55} {'whoosh':>7} {'opensearch':>10} {'top-10 overlap':>14}")
    for text, extra, whoosh_total, opensearch_total, overlap in rows:
        print(f"{text + ' ' + extra:<55} {whoosh_total:>7} {opensearch_total:>10} {overlap:>14.0%}")
    average = sum(row[4] for row in rows) / len(rows)
    print(f"average top-10 overlap: {average:.1%}")
    assert [row[:3] for row in rows if abs(row[3] - row[2]) > 0.01 * row[2]] == []
    assert average >= 0.70
    cocoa = top_ten(reuters_on_opensearch, bench_queries()[0])
    assert cocoa.query == "cocoa" and all("cocoa" in (hit.title + hit.snippet).lower() for hit in cocoa.hits)
