"""One contract on both engines: the sample archive indexed by Whoosh and by OpenSearch gives the
same shape of answer everywhere a user or a program reads one (``query --json``, /api/search, the
article page and its API, the Atom feed, ``stats --json``), and a chosen set of the CLI and web
tests (filters, facets, pages, the article, related, did-you-mean) passes on both.

The OpenSearch cases share the session's cluster (conftest.py) and one index of the sample,
built once through ``newssearch reindex --engine opensearch`` as a user builds it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import test_cli
import test_web
from click.testing import CliRunner
from flask.testing import FlaskClient
from helpers import ROOT, SAMPLE, SEED_ID, OpenSearchCluster, link_reuters

from newssearch import SearchIndex, reindex
from newssearch.cli import main
from newssearch.engine.opensearch import OpenSearchEngine
from newssearch.engine.opensearch.config import Settings
from newssearch.fields import SCHEMA
from newssearch.search import SearchRequest, SearchResult, search
from newssearch.stats import index_stats
from newssearch.web import create_app
from newssearch.web.index import app_index

KINDS = [pytest.param("whoosh"), pytest.param("opensearch", marks=pytest.mark.opensearch)]


def build(base: Path, env: dict[str, str]) -> dict[str, str]:
    """The sample archive indexed through the CLI with ``env``: the environment its commands then run with."""
    shutil.copytree(SAMPLE, base / "archive")
    env = {**env, "NEWSSEARCH_ARCHIVE": str(base / "archive"), "NEWSSEARCH_INDEX": str(base / "index")}
    result = CliRunner().invoke(main, ["reindex"], env=env)
    assert result.exit_code == 0, result.output
    assert "1,016 articles in the index" in result.output
    return env


@pytest.fixture(scope="module")
def whoosh_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build(tmp_path_factory.mktemp("whoosh"), {"NEWSSEARCH_ENGINE": "whoosh"})


@pytest.fixture(scope="module")
def opensearch_env(opensearch_cluster: OpenSearchCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    urls = ",".join(opensearch_cluster.urls)
    env = {"NEWSSEARCH_ENGINE": "opensearch", "NEWSSEARCH_OPENSEARCH_URL": urls, "NEWSSEARCH_OPENSEARCH_INDEX": "contract"}
    yield build(tmp_path_factory.mktemp("opensearch"), env)
    cli(env, "stats")  # still answering at the end: nothing above broke the index


@pytest.fixture(scope="module", params=KINDS)
def demo(request: pytest.FixtureRequest) -> dict[str, str]:
    """test_cli's fixture of the same name, on each engine."""
    env: dict[str, str] = request.getfixturevalue(f"{request.param}_env")
    return env


def app_client(env: dict[str, str]) -> FlaskClient:
    """The web app on the index of ``env``, its engine named by ``create_app(engine=)``, opened at once
    (the cluster's address is read from the environment when the engine opens)."""
    app = create_app(env["NEWSSEARCH_INDEX"], engine=env["NEWSSEARCH_ENGINE"])
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if name.startswith("NEWSSEARCH_OPENSEARCH_"):
                patch.setenv(name, value)
        app_index(app).get()
    return app.test_client()


@pytest.fixture(scope="module")
def client(demo: dict[str, str]) -> FlaskClient:
    """test_web's fixture of the same name, on each engine."""
    return app_client(demo)


def cli(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(main, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


CLI_TESTS: list[Callable[[dict[str, str]], None]] = [
    test_cli.test_query_prints_ranked_results,
    test_cli.test_query_options_and_json,
    test_cli.test_a_query_that_finds_nothing_shows_its_respelling,
    test_cli.test_no_results_gives_tips,
]
WEB_TESTS: list[Callable[[FlaskClient], None]] = [
    test_web.test_search_page_finds_seed_with_highlights_facets_and_time,
    test_web.test_empty_query_lists_newest_articles_first,
    test_web.test_a_query_that_finds_nothing_shows_its_respelling,
    test_web.test_clicking_a_facet_value_filters_and_its_chip_removes_it,
    test_web.test_values_of_one_facet_are_ored_and_different_facets_anded,
    test_web.test_pagination_keeps_every_filter,
    test_web.test_timeline_of_a_few_days_has_a_bar_per_day_linking_to_that_days_results,
    test_web.test_article_page_highlights_the_query_and_lists_related_articles,
    test_web.test_article_api_json_shape,
    test_web.test_search_api_json_shape,
    test_web.test_atom_feed_lists_the_newest_matches_as_valid_xml,
]


@pytest.mark.parametrize("check", CLI_TESTS, ids=lambda check: check.__name__)
def test_cli_on_each_engine(check: Callable[[dict[str, str]], None], demo: dict[str, str]) -> None:
    check(demo)


@pytest.mark.parametrize("check", WEB_TESTS, ids=lambda check: check.__name__)
def test_web_on_each_engine(check: Callable[[FlaskClient], None], client: FlaskClient) -> None:
    check(client)


def test_the_engine_option_names_the_engine(demo: dict[str, str]) -> None:
    """--engine wins over NEWSSEARCH_ENGINE; a name neither engine has is a one-line error."""
    other = "opensearch" if demo["NEWSSEARCH_ENGINE"] == "whoosh" else "whoosh"
    chosen = cli({**demo, "NEWSSEARCH_ENGINE": other}, "stats", "--engine", demo["NEWSSEARCH_ENGINE"])
    assert chosen["articles"] == 1016
    bad = CliRunner().invoke(main, ["stats", "--engine", "solr"], env=demo)
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
def test_both_engines_answer_in_the_same_shape(whoosh_env: dict[str, str], opensearch_env: dict[str, str]) -> None:
    envs = (whoosh_env, opensearch_env)
    for args in (["query", "START", "treaty", "--facets"], ["query", "oil", "--source", "reuters", "--page", "2"], ["related", SEED_ID], ["stats"]):
        same_shape(*(cli(env, *args) for env in envs), where=" ".join(args))
    clients = [app_client(env) for env in envs]
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
