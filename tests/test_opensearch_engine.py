"""The OpenSearch engine against a real three-node cluster: the engine contract (base.py) on
small articles built here, the alias swap of a full reindex, an incremental update, and a
node killed in the middle of a bulk reindex."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers import OpenSearchCluster

from newssearch.acronyms import acronyms
from newssearch.article import Article
from newssearch.duplicates import sketch
from newssearch.engine import querytree as t
from newssearch.engine.base import Document, Query
from newssearch.engine.opensearch import OpenSearchEngine, writing
from newssearch.engine.opensearch.config import REQUEST_TIMEOUT, Settings
from newssearch.engine.opensearch.mapping import index_body
from newssearch.errors import ArticleNotFound, IndexLocked, IndexNotFound, IndexOutdated, NewssearchError, QueryError
from newssearch.fields import SCHEMA, Schema
from newssearch.web.app import create_app

pytestmark = pytest.mark.opensearch
_names = itertools.count()


def document(article: Article, signature: str = "v1", schema: Schema = SCHEMA) -> Document:
    """An article as the indexer hands it to an engine (base.Document)."""
    values = {field.name: getattr(article, field.name, None) for field in schema.fields}
    values["language"] = "en"
    values.update(
        acronyms=acronyms(article.title, article.body),
        filekey=f"{article.path}\0{signature}",
        sketch=sketch(article.title, article.body),
        blocks=b"",
        dropped=b"",
        copies=b"",
    )
    values.update({facet.field: list(facet.values(article)) for facet in schema.facets})
    return values


ARTICLES = [
    Article("cocoa-1", "Cocoa prices rise in Ghana", "Cocoa farmers in Ghana sold more beans as prices rose.", "a.txt",
            datetime(1987, 3, 2, 9, 30), "Reuters", tags=("cocoa", "Africa", "topic:acq")),
    Article("cocoa-2", "Ivory Coast cocoa crop", "The cocoa harvest of the Ivory Coast was larger than expected.", "a.txt",
            datetime(1987, 3, 20), "Reuters", tags=("cocoa",)),
    Article("treaty-1", "START treaty talks resume", "Negotiators met to discuss the START arms treaty in Geneva.", "b.txt",
            datetime(2024, 5, 1, 12), "BBC", tags=("politics",)),
    Article("cafe-1", "Café society", "The café on the corner serves coffee from Brazil.", "b.txt",
            datetime(2024, 6, 15), "bbc", tags=("food",)),
    Article("undated-1", "", "An undated note about coffee and cocoa markets.", "c.txt"),
]  # fmt: skip


@pytest.fixture
def engine(opensearch_cluster: OpenSearchCluster, tmp_path: Path) -> Iterator[OpenSearchEngine]:
    """An engine on an index of its own (2 shards, 1 replica), deleted after the test."""
    settings = Settings(urls=tuple(opensearch_cluster.urls), index=f"test-{next(_names)}", shards=2, replicas=1)
    engine = OpenSearchEngine(tmp_path / "index", SCHEMA, settings)
    yield engine
    engine.client.indices.delete(index=f"{settings.index}*", ignore_unavailable=True)
    engine.close()


def reindex(engine: OpenSearchEngine, articles: list[Article], signature: str = "v1") -> None:
    writer = engine.writer(full=True, size_bytes=0)
    for article in articles:
        writer.add(document(article, signature))
    writer.commit()


def ids(matches: object) -> list[str]:
    return [match.id for match in matches.hits]  # type: ignore[attr-defined]


def test_search_facets_filters_and_sorts_as_the_contract_says(engine: OpenSearchEngine) -> None:
    assert not engine.exists()
    reindex(engine, ARTICLES)
    assert engine.exists()

    found = engine.search(Query("cocoa", facets=True, window=10))
    assert found.total == 3 and set(ids(found)) == {"cocoa-1", "cocoa-2", "undated-1"}
    assert found.hits[0].id in {"cocoa-1", "cocoa-2"}  # the headline counts too (copy_to): titled ones first
    assert found.facets is not None
    assert found.facets["source"] == {"Reuters": 2, "(unknown)": 1}
    assert found.facets["year"] == {"1987": 2, "undated": 1}  # the Undated year (fields.UNDATED)
    assert found.facets["tags"] == {"cocoa": 2, "africa": 1}
    assert found.facets["topics"] == {"acq": 1}
    # a field indexed as something else than it is stored (tags without their kind)
    acq = engine.search(Query("tags:acq"))
    assert ids(acq) == ["cocoa-1"] and acq.hits[0].stored["tags"] == ("cocoa", "Africa", "topic:acq")
    first = found.hits[0]
    assert first.stored["date"] == datetime(1987, 3, 2, 9, 30) if first.id == "cocoa-1" else True
    assert first.score is not None and first.sketch

    # a facet filter: OR within a facet, case folded where the facet says so; AND across facets
    bbc = engine.search(Query("", filters={"source": ("BBC",)}))
    assert set(ids(bbc)) == {"treaty-1", "cafe-1"}
    assert ids(engine.search(Query("", filters={"source": ("bbc",), "tags": ("food",)}))) == ["cafe-1"]
    # date filters, both days included
    march = engine.search(Query("", since=date(1987, 3, 1), until=date(1987, 3, 20)))
    assert set(ids(march)) == {"cocoa-1", "cocoa-2"}
    # an empty query lists the newest first, undated last; dates sorts carry no score
    newest = engine.search(Query(""))
    assert ids(newest) == ["cafe-1", "treaty-1", "cocoa-2", "cocoa-1", "undated-1"]
    assert all(match.score is None for match in newest.hits)
    assert ids(engine.search(Query("", sort="oldest")))[:2] == ["cocoa-1", "cocoa-2"]
    # accents fold: cafe finds café
    assert ids(engine.search(Query("cafe"))) == ["cafe-1"]
    # the window
    assert len(engine.search(Query("", window=2)).hits) == 2


def test_snippets_mark_get_related_suggest_and_stats(engine: OpenSearchEngine) -> None:
    reindex(engine, ARTICLES)
    found = engine.search(Query("prices"))
    assert ids(found) == ["cocoa-1"]
    (snippet,) = found.snippets(found.hits)
    assert "<mark>prices</mark>" in snippet and "Cocoa" in snippet
    hostile = engine.mark("<b>Prices</b> & more", "prices")
    assert hostile == "&lt;b&gt;<mark>Prices</mark>&lt;/b&gt; &amp; more"
    assert engine.mark("nothing here", "prices") == ""

    article = engine.get("treaty-1")
    assert article is not None
    assert (article["title"], article["source"], article["tags"]) == ("START treaty talks resume", "BBC", ("politics",))
    assert article["body"].startswith("Negotiators")  # the body alone: the headline is only indexed with it
    assert engine.get("no-such-id") is None

    related = engine.related("cocoa-1", 3)
    assert "cocoa-1" not in ids(related) and ids(related)[0] in {"cocoa-2", "undated-1"}
    with pytest.raises(ArticleNotFound):
        engine.related("no-such-id", 3)

    assert engine.suggest("cocao prices") == "cocoa prices"
    assert engine.suggest("cocoa prices") is None

    stats = engine.stats()
    assert stats.articles == len(ARTICLES) and stats.size_bytes > 0 and engine.settings.index in stats.location
    engine.save_report({"added": 5})
    assert engine.last_report() == {"added": 5}
    assert {item.id: item.filekey for item in engine.indexed()}["cafe-1"] == "b.txt\0v1"


def test_a_long_id_and_the_query_trees_the_dsl_cannot_mistake(engine: OpenSearchEngine) -> None:
    long_id = "https://example.com/" + "x" * 600
    reindex(engine, [*ARTICLES, Article(long_id, "Long", "An article whose id is a very long URL.", "d.txt")])
    assert engine.get(long_id) is not None and engine.get(long_id)["title"] == "Long"  # type: ignore[index]
    search = engine.translator.query
    body = engine.client.search
    phrase = search(t.Phrase("body", ("arm", "treati")))  # searches the body with its headline
    assert [h["_source"]["id"] for h in body(index=engine.physical(), body={"query": phrase})["hits"]["hits"]] == ["treaty-1"]
    month = search(t.Prefix("date", "1987-03-"))
    assert body(index=engine.physical(), body={"query": month})["hits"]["total"]["value"] == 2
    with pytest.raises(QueryError, match="unknown field"):
        search(t.Term("nosuch", "x"))


def test_a_full_reindex_swaps_the_alias_and_deletes_the_old_index(engine: OpenSearchEngine) -> None:
    reindex(engine, ARTICLES[:2])
    first = engine.physical()
    writer = engine.writer(full=True, size_bytes=0)
    for article in ARTICLES:
        writer.add(document(article))
    assert engine.search(Query("")).total == 2  # the new index is invisible until commit
    with pytest.raises(IndexLocked):
        engine.writer(full=False, size_bytes=0)
    writer.commit()
    engine.forget()
    assert engine.physical() != first and engine.holders() == [engine.physical()]
    assert not engine.client.indices.exists(index=first)
    assert engine.search(Query("")).total == len(ARTICLES)

    cancelled = engine.writer(full=True, size_bytes=0)
    cancelled.add(document(ARTICLES[0]))
    target = cancelled.target  # type: ignore[attr-defined]
    cancelled.cancel()
    assert not engine.client.indices.exists(index=target) and engine.search(Query("")).total == len(ARTICLES)


def test_an_incremental_update_is_visible_at_commit_and_cancel_leaves_the_index(engine: OpenSearchEngine) -> None:
    reindex(engine, ARTICLES)
    writer = engine.writer(full=False, size_bytes=0)
    writer.delete_file("b.txt")  # treaty-1 and cafe-1
    changed = Article("treaty-1", "START treaty signed", "The treaty was signed.", "b.txt", datetime(2024, 7, 1), "BBC")
    writer.replace(document(changed, "v2"))
    writer.add(document(Article("new-1", "Sugar", "Sugar quotas were cut.", "e.txt", datetime(2024, 8, 1), "AP")))
    assert engine.search(Query("sugar")).total == 0
    writer.commit()
    assert engine.search(Query("sugar")).total == 1
    assert engine.get("cafe-1") is None
    assert engine.get("treaty-1")["title"] == "START treaty signed"  # type: ignore[index]
    assert engine.search(Query("")).total == len(ARTICLES)  # -2 +1 +1

    dropped = engine.writer(full=False, size_bytes=0)
    dropped.delete_file("a.txt")
    dropped.cancel()
    assert engine.search(Query("cocoa")).total == 3


def test_missing_outdated_and_unreachable_indexes_are_one_line_errors(engine: OpenSearchEngine, tmp_path: Path) -> None:
    with pytest.raises(IndexNotFound, match="run `newssearch reindex`"):
        engine.search(Query("cocoa"))
    reindex(engine, ARTICLES[:1])
    newer = OpenSearchEngine(tmp_path, Schema(SCHEMA.fields, SCHEMA.facets, SCHEMA.version + 1), engine.settings)
    with pytest.raises(IndexOutdated):
        newer.search(Query("cocoa"))
    assert not newer.exists()
    nowhere = OpenSearchEngine(tmp_path, SCHEMA, Settings(urls=("http://127.0.0.1:9",), index="x"))
    with pytest.raises(IndexNotFound, match="cannot reach") as error:
        nowhere.search(Query("cocoa"))
    assert "\n" not in str(error.value)


def test_settings_come_from_the_environment_and_bad_ones_are_named() -> None:
    settings = Settings.from_environment({"NEWSSEARCH_OPENSEARCH_URL": "http://a:9200, http://b:9200/", "NEWSSEARCH_OPENSEARCH_REPLICAS": "0"})
    assert (settings.urls, settings.index, settings.replicas) == (("http://a:9200", "http://b:9200"), "newssearch", 0)
    for environ, expected in [
        ({}, "needs NEWSSEARCH_OPENSEARCH_URL"),
        ({"NEWSSEARCH_OPENSEARCH_URL": "a:9200"}, "not an http"),
        ({"NEWSSEARCH_OPENSEARCH_URL": "http://a", "NEWSSEARCH_OPENSEARCH_INDEX": "Bad Name"}, "not an index name"),
        ({"NEWSSEARCH_OPENSEARCH_URL": "http://a", "NEWSSEARCH_OPENSEARCH_USER": "u"}, "both"),
        ({"NEWSSEARCH_OPENSEARCH_URL": "http://a", "NEWSSEARCH_OPENSEARCH_SHARDS": "0"}, "at least 1"),
    ]:
        with pytest.raises(NewssearchError, match=expected):
            Settings.from_environment(environ)


def test_a_node_killed_mid_bulk_loses_no_article(engine: OpenSearchEngine, opensearch_cluster: OpenSearchCluster) -> None:
    """3,000 small articles, 2 shards with a replica each; node 2 is SIGKILLed a third of the
    way in. Every article is indexed in the end, or the commit names those that are not."""
    reindex(engine, ARTICLES)
    failed: list[str] = []
    searches = 0
    done = threading.Event()

    def search_meanwhile() -> None:  # searches of the index being replaced, through the whole node loss
        nonlocal searches
        while not done.is_set():
            try:
                assert engine.search(Query("cocoa")).total == 3
            except Exception as error:  # noqa: BLE001 - every kind of failure counts
                failed.append(repr(error))
            searches += 1

    articles = [Article(f"n{i}", f"Note {i}", f"Small article number {i} about wheat and maize.", f"f{i // 100}.txt") for i in range(3000)]
    searcher = threading.Thread(target=search_meanwhile)
    searcher.start()
    writer = engine.writer(full=True, size_bytes=0)
    try:
        for i, article in enumerate(articles):
            if i == 1000:
                opensearch_cluster.run("kill-node", "2")
            writer.add(document(article))
        done.set()
        searcher.join()
        assert searches > 0 and failed == []
        try:
            writer.commit()
        except NewssearchError as error:  # reported, not dropped: the message names the articles
            pytest.fail(f"the reindex reported failures after the node loss: {error}")
        assert engine.search(Query("")).total == 3000
        assert {item.id for item in engine.indexed()} == {a.id for a in articles}
    finally:
        done.set()
        opensearch_cluster.run("start-node", "2")


def test_a_full_reindex_writes_once_every_copy_of_the_new_index_is_live(engine: OpenSearchEngine) -> None:
    """A replica still being copied cannot take over its shard: a node lost then would leave
    the shard with no copy, and every later article for it refused until the node came back."""
    writer = engine.writer(full=True, size_bytes=0)
    try:
        shards = engine.client.cat.shards(index=writer.target, format="json")  # type: ignore[attr-defined]
        assert sorted((s["shard"], s["prirep"], s["state"]) for s in shards) == [
            ("0", "p", "STARTED"), ("0", "r", "STARTED"), ("1", "p", "STARTED"), ("1", "r", "STARTED"),
        ]  # fmt: skip
    finally:
        writer.cancel()


def test_a_cluster_that_keeps_refusing_articles_is_given_up_on_within_the_bound(engine: OpenSearchEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new index whose shards no node may hold: its articles are refused (503) for as long as
    that lasts. The writer gives the cluster RECOVERY_SECONDS, then names the refused articles,
    sends no more, and leaves the index as it was; it does not wait out every bulk request's
    own retries (more than an hour, before)."""
    reindex(engine, ARTICLES)

    def nowhere(*args: object, **kwargs: object) -> dict[str, Any]:
        body = index_body(*args, **kwargs)  # type: ignore[arg-type]
        body["settings"]["index"]["routing.allocation.require._name"] = "no-such-node"
        return body

    monkeypatch.setattr(writing, "index_body", nowhere)
    monkeypatch.setattr(writing, "COPIES_WAIT", 1)
    monkeypatch.setattr(writing, "RECOVERY_SECONDS", 3.0)
    monkeypatch.setattr(writing, "CHUNK_DOCS", 2)
    requests: list[tuple[list[str], str, float]] = []  # each bulk request's articles, server wait and client timeout
    streaming_bulk = writing.helpers.streaming_bulk

    def recorded(client: object, actions: list[dict[str, Any]], **options: Any) -> Any:
        requests.append(([action["_id"] for action in actions], options["timeout"], options["request_timeout"]))
        return streaming_bulk(client, actions, **options)

    monkeypatch.setattr(writing.helpers, "streaming_bulk", recorded)
    writer = engine.writer(full=True, size_bytes=0)
    with pytest.raises(NewssearchError) as raised:
        for i in range(6):
            writer.add(document(Article(f"late-{i}", f"Late {i}", "An article for shards with no copy.", f"late{i}.txt")))
        writer.commit()
    # Bounded before each try, not measured after: the backoff's sleeps (1 s, then 2 s) use up
    # the 3 s, no try asks the server to wait past them, and only the first request is ever sent.
    assert 1 <= len(requests) <= 4
    for ids_sent, server_wait, client_timeout in requests:
        assert ids_sent == ["late-0", "late-1"]
        assert int(server_wait.removesuffix("s")) <= 3 and client_timeout <= 3 + REQUEST_TIMEOUT
    message = str(raised.value)
    assert message.startswith("6 articles could not be written")
    assert "late-0 (still refused after 3 s of retries); late-1 (still refused" in message
    assert "late-2 (not sent: the cluster kept refusing the articles before it)" in message
    assert message.endswith("the index was left as it was")
    assert ids(engine.search(Query("cocoa"))) and len(engine.holders()) == 1  # the old index, still the one


def test_the_web_api_serves_from_the_cluster_and_answers_503_without_it(
    engine: OpenSearchEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured from the environment alone, as a deployment is: the same JSON, and 503 when no node answers."""
    reindex(engine, ARTICLES)
    monkeypatch.setenv("NEWSSEARCH_ENGINE", "opensearch")
    monkeypatch.setenv("NEWSSEARCH_OPENSEARCH_URL", ",".join(engine.settings.urls))
    monkeypatch.setenv("NEWSSEARCH_OPENSEARCH_INDEX", engine.settings.index)
    answer = create_app(tmp_path / "index").test_client().get("/api/search?q=cocoa&source=reuters&facets=1")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    data = answer.get_json()
    assert data["total"] == 2 and {hit["id"] for hit in data["hits"]} == {"cocoa-1", "cocoa-2"}
    assert any("<mark>" in hit["snippet"] for hit in data["hits"])

    monkeypatch.setenv("NEWSSEARCH_OPENSEARCH_URL", "http://127.0.0.1:9")
    unreachable = create_app(tmp_path / "index").test_client().get("/api/search?q=cocoa")
    assert unreachable.status_code == 503
    assert "cannot reach" in unreachable.get_data(as_text=True)


def test_words_are_analysed_as_the_parser_expects(engine: OpenSearchEngine) -> None:
    """The parser's terms come from Whoosh's analysis: stop words out without a gap, hyphens, folding, stems."""
    reindex(engine, [
        Article("boe", "Rates", "The Bank of England held rates; it's a co-operation of U.S.A. banks.", "boe.txt"),
        Article("other", "Banks", "English banks, and a bank for farmers in England.", "other.txt"),
    ])  # fmt: skip
    for query, expected in [
        ('"bank of england"', ["boe"]),  # "of" was never counted: bank and england are adjacent
        ("cooperation", ["boe"]),  # co-operation indexed joined too
        ("operation", ["boe"]),  # and as its parts
        ('"u.s.a"', ["boe"]),
        ("held", ["boe"]),
    ]:
        assert ids(engine.search(Query(query))) == expected, query


class _FlakyClient:
    """A client whose searches fail whole with ``status`` ``failures`` times, then answer."""

    def __init__(self, status: int, failures: int) -> None:
        self.status, self.failures, self.calls = status, failures, 0

    def search(self, index: str, body: dict[str, object]) -> dict[str, object]:
        from opensearchpy.exceptions import HTTP_EXCEPTIONS, TransportError

        self.calls += 1
        if self.calls <= self.failures:  # the class the client raises for the status
            error = HTTP_EXCEPTIONS.get(self.status, TransportError)
            raise error(self.status, "search_phase_execution_exception", {"error": {"reason": "all shards failed"}})
        return {"_shards": {"failed": 0}, "hits": {"hits": []}}


@pytest.mark.parametrize(("status", "failures", "answered"), [(500, 2, True), (503, 4, False), (400, 1, False)])
def test_a_search_failing_whole_for_a_passing_reason_is_sent_again(
    status: int, failures: int, answered: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A node just killed can fail every shard of a search at once (500, all shards failed):
    sent again as a search with failed shards is, up to 3 times; a refused query is not."""
    monkeypatch.setattr("newssearch.engine.opensearch.SHARD_RETRY_WAITS", (0.0, 0.0, 0.0))
    engine = OpenSearchEngine(Path("unused"), SCHEMA, Settings(urls=("http://127.0.0.1:9",), index="flaky"))
    client = engine.client = _FlakyClient(status, failures)  # type: ignore[assignment]
    if answered:
        assert engine._search("flaky", {}, float("inf"))["hits"] == {"hits": []}
    else:
        with pytest.raises(QueryError if status == 400 else IndexNotFound):
            engine._search("flaky", {}, float("inf"))
    assert client.calls == (failures + 1 if answered else min(failures, 4))
