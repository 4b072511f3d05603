"""The search service on real articles: ranking, query language, filters, facets, suggestions."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import SEED
from markupsafe import escape

from newssearch import ArticleNotFound, QueryError, SearchIndex, SearchRequest, get_article, related, search
from newssearch.cli import main
from newssearch.web import create_app

SEED_ID = f"commonspace/{SEED.name}"


def ids(index: SearchIndex, text: str, **options) -> list[str]:
    return [hit.id for hit in search(index, SearchRequest(text, **options)).hits]


def test_start_treaty_finds_the_seed_page_first(sample_index: SearchIndex) -> None:
    result = search(sample_index, SearchRequest("START treaty"))
    top = result.hits[0]
    assert top.id == SEED_ID
    assert top.title.startswith("Blinken and Lavrov meet in India")
    assert "<mark>START</mark> <mark>treaty</mark>" in top.snippet  # whole words highlighted, not stems


def test_an_acronym_prefers_articles_that_write_it_in_capitals(reuters_index: SearchIndex) -> None:
    """START is the treaty, not the verb: JAPAN HOUSING STARTS RISE leaves the first page and
    drops; typed in lower case, the word is the verb again."""
    housing = "reuters-11170"
    titles = [hit.title for hit in search(reuters_index, SearchRequest("START treaty")).hits]
    assert not any("HOUSING STARTS" in title for title in titles)
    assert all("TREATY" in title or "MISSILE" in title or "ARMS" in title for title in titles[:8]), titles
    caps, lower = ids(reuters_index, "START treaty", page_size=100), ids(reuters_index, "start treaty", page_size=100)
    assert housing in lower and (housing not in caps or caps.index(housing) > lower.index(housing))


def test_a_question_typed_in_capitals_is_not_read_as_operators(reuters_index: SearchIndex) -> None:
    """Caps lock: AND, OR and NOT in a long question are words, and every word still counts."""
    shouted = search(reuters_index, SearchRequest("COCOA PRICES AND BUFFER STOCK RULES OF THE COCOA ORGANIZATION"))
    spoken = search(reuters_index, SearchRequest("cocoa prices and buffer stock rules of the cocoa organization"))
    assert shouted.total == spoken.total > 1000
    assert [hit.id for hit in shouted.hits] == [hit.id for hit in spoken.hits]


def test_a_lone_sign_or_star_in_a_sentence_is_punctuation(sample_index: SearchIndex) -> None:
    """CACM query 39 asks about 'operators like *, +.': the signs neither fail nor narrow the search."""
    signs = search(sample_index, SearchRequest("Lavrov and the nuclear treaty: operators like *, +. and - in New Delhi"))
    words = search(sample_index, SearchRequest("Lavrov and the nuclear treaty: operators like in New Delhi"))
    assert signs.total == words.total > 100
    assert [hit.id for hit in signs.hits] == [hit.id for hit in words.hits] and signs.hits[0].id == SEED_ID


def test_words_only_in_site_furniture_do_not_find_the_page(sample_index: SearchIndex) -> None:
    assert SEED_ID not in ids(sample_index, "Ramadan", page_size=100)
    assert SEED_ID not in ids(sample_index, "Borrell Afghanistan", page_size=100)


def test_a_question_finds_the_article(sample_index: SearchIndex) -> None:
    assert ids(sample_index, "what did Blinken tell Lavrov about the nuclear treaty in New Delhi?")[0] == SEED_ID


def test_names_numbers_acronyms_and_accents(sample_index: SearchIndex) -> None:
    for text in ("Zakharova", "zakharova", "G20", "2010", "Zakhárova", '"fully-fledged"', "fullyfledged"):
        assert SEED_ID in ids(sample_index, text), text


def test_articles_with_all_words_rank_before_those_with_some(reuters_index: SearchIndex) -> None:
    both = set(ids(reuters_index, "cocoa AND brazil", page_size=100))
    assert 10 < len(both) < 100
    ranked = ids(reuters_index, "cocoa brazil", page_size=100)
    assert set(ranked[: len(both)]) == both  # every article with both words comes first
    assert len(ranked) == 100  # and articles with one of them follow


def test_a_long_sentence_still_finds_articles(reuters_index: SearchIndex) -> None:
    text = "which countries agreed on the buffer stock rules of the international cocoa organization in london"
    result = search(reuters_index, SearchRequest(text))
    assert result.total > 1000  # most words match somewhere: no empty page
    assert all("cocoa" in (h.title + h.snippet).lower() for h in result.hits[:5])


def test_query_language(reuters_index: SearchIndex) -> None:
    phrase = search(reuters_index, SearchRequest('"cocoa buffer stock"'))
    assert 0 < phrase.total < search(reuters_index, SearchRequest("cocoa buffer stock")).total
    assert "<mark>cocoa</mark> <mark>buffer</mark> <mark>stock</mark>" in phrase.hits[0].snippet.lower()
    without = search(reuters_index, SearchRequest("cocoa -buffer", page_size=100))
    assert without.total > 0 and all("buffer" not in get_article(reuters_index, h.id).body.lower() for h in without.hits)
    assert search(reuters_index, SearchRequest("cocoa NOT buffer")).total == without.total
    either = search(reuters_index, SearchRequest("cocoa OR coffee")).total
    assert either > search(reuters_index, SearchRequest("cocoa AND coffee")).total
    assert all("COCOA" in h.title for h in search(reuters_index, SearchRequest("title:cocoa", page_size=50)).hits)
    assert all("topic:cocoa" in h.tags for h in search(reuters_index, SearchRequest("tags:cocoa", page_size=50)).hits)  # a kind kept, not searched
    assert search(reuters_index, SearchRequest("source:reuters")).total == 21578
    assert search(reuters_index, SearchRequest("cocoa*")).total >= search(reuters_index, SearchRequest("cocoa")).total


def test_date_queries(reuters_index: SearchIndex) -> None:
    march = search(reuters_index, SearchRequest("date:1987-03 cocoa", page_size=100))
    assert march.total > 0 and all(h.date.strftime("%Y-%m") == "1987-03" for h in march.hits)
    assert search(reuters_index, SearchRequest("date:1987")).total == 21578
    days = search(reuters_index, SearchRequest("date:[1987-03-01 TO 1987-03-05] coffee", page_size=100))
    assert days.total > 0 and all(date(1987, 3, 1) <= h.date.date() <= date(1987, 3, 5) for h in days.hits)
    assert (
        search(reuters_index, SearchRequest("date:1987-03-05")).total
        == search(reuters_index, SearchRequest("", since=date(1987, 3, 5), until=date(1987, 3, 5))).total
    )


@pytest.mark.parametrize("text", ["date:[x TO y]", "date:yesterday", "x" * 5001])
def test_malformed_queries_raise_one_clear_error(sample_index: SearchIndex, text: str) -> None:
    with pytest.raises(QueryError) as error:
        search(sample_index, SearchRequest(text))
    assert "\n" not in str(error.value) and len(str(error.value)) < 200


def test_sorting_and_undated_articles_last(sample_index: SearchIndex) -> None:
    newest = search(sample_index, SearchRequest("", sort="newest", page_size=100)).hits
    dates = [h.date for h in newest if h.date]
    assert dates == sorted(dates, reverse=True)
    oldest = search(sample_index, SearchRequest("said", sort="oldest", page_size=100)).hits
    dated = [h.date for h in oldest if h.date]
    assert dated == sorted(dated) and oldest[0].date is not None
    pages = search(sample_index, SearchRequest("said", sort="oldest", page_size=100, fold=False)).pages
    last_page = search(sample_index, SearchRequest("said", sort="oldest", page=pages, page_size=100, fold=False)).hits
    undated = [h.date is None for h in last_page]
    assert undated[-1] and undated == sorted(undated)  # the undated ones after every dated one


def test_filters_and_facets(reuters_index: SearchIndex) -> None:
    result = search(reuters_index, SearchRequest("cocoa", facets=True))
    facets = result.facets
    assert facets is not None and facets["source"][0].value == "Reuters"
    assert sum(v.count for v in facets["month"]) == result.total
    brazil = next(v for v in facets["places"] if v.value == "brazil")
    assert search(reuters_index, SearchRequest("cocoa", filters={"places": ("brazil",)})).total == brazil.count
    march = next(v for v in facets["month"] if v.value == "1987-03")
    filtered = search(reuters_index, SearchRequest("cocoa", filters={"month": ("1987-03",), "source": ("REUTERS",)}))
    assert filtered.total == march.count
    both = search(reuters_index, SearchRequest("cocoa", filters={"month": ("1987-03", "1987-04")})).total
    april = next(v for v in facets["month"] if v.value == "1987-04").count
    assert both == march.count + april
    assert [bar.period for bar in result.timeline][:3] == ["1987-02", "1987-03", "1987-04"]
    assert sum(bar.count for bar in result.timeline) == result.total


@pytest.mark.parametrize(
    "text",
    ["cocoa", "oil prices", "oil oil prices", "japan and the united states argue over semiconductor trade", '"net loss"', '"trade deficit"',
     "oil prices NOT brazil", "coffee prices -brazil"],
)  # fmt: skip
def test_word_queries_score_as_whoosh_scores_the_same_query(reuters_index: SearchIndex, text: str) -> None:
    """Term-at-a-time ranking (wordrank.py) must give Whoosh's own scores for the relaxed query
    (or the phrase).

    Compared with Whoosh scoring every match (limit=None): with a limit, its block skipping
    misses some of the best articles ("oil prices" loses its top two on Reuters).
    """
    engine = reuters_index.engine
    parsed = engine.queries.parse(text)  # type: ignore[attr-defined]  # the Whoosh engine's own parser and searcher
    assert parsed.words is not None
    searcher = engine.searcher()  # type: ignore[attr-defined]
    expected = searcher.search(parsed.query, limit=None)[:20]
    result = search(reuters_index, SearchRequest(text, page_size=20, fold=False))
    assert result.total == len(searcher.search(parsed.query, limit=None)) > 20
    assert [hit.score for hit in result.hits] == pytest.approx([round(hit.score, 4) for hit in expected], abs=1e-3)
    assert {hit.id for hit in result.hits} == {hit["id"] for hit in expected}


TERM_SUMS = ["cocoa NOT brazil", "treat*", "title:cocoa", "title:cocoa OR body:treaty", "coco* NOT title:brazil", "tr?aty"]
"""Queries Whoosh scores as a sum of term scores (query.TermSum), which wordrank.rank_terms scores term-at-a-time."""


def _term_sum_both_ways(index: SearchIndex, text: str, monkeypatch: pytest.MonkeyPatch, fast_path: bool = True, **options) -> tuple[dict, dict]:
    """The JSON (without ``seconds``) of a search scored term-at-a-time (when ``fast_path``), and through Whoosh's matchers as before."""
    from newssearch.engine.whoosh import searching, wordrank

    ranked: list[tuple] = []
    request = SearchRequest(text, page_size=50, facets=True, fold=False, **options)
    with monkeypatch.context() as patch:
        patch.setattr(searching, "rank_terms", lambda *args: ranked.append(args) or wordrank.rank_terms(*args))
        fast = search(index, request).to_dict()
    assert bool(ranked) == fast_path, f"{text}: term-at-a-time {bool(ranked)}"
    with monkeypatch.context() as patch:
        patch.setattr(searching, "term_sum", lambda query, reader: None)
        slow = search(index, request).to_dict()
    fast.pop("seconds"), slow.pop("seconds")
    return fast, slow


@pytest.mark.parametrize("text", TERM_SUMS)
def test_term_sums_score_as_whoosh_scores_them_on_reuters(reuters_index: SearchIndex, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same hits, order, scores (as shown: 4 decimals), count, facets and snippets as Whoosh's own matchers."""
    fast, slow = _term_sum_both_ways(reuters_index, text, monkeypatch)
    assert fast == slow and fast["total"] > 20
    fresh, fresh_before = _term_sum_both_ways(reuters_index, text, monkeypatch, recency=True)
    assert fresh == fresh_before


def test_a_minus_word_leaves_out_every_article_with_it(reuters_index: SearchIndex) -> None:
    """Whoosh's AndNot matcher (-word) keeps reuters-2521, with brazil in headline and body;
    term-at-a-time leaves it out, as NOT does (Whoosh's And with a Not scores 1 more)."""
    article = get_article(reuters_index, "reuters-2521")
    assert "BRAZIL" in article.title and "cocoa" in article.body.lower()
    for page in (1, 2):
        minus = search(reuters_index, SearchRequest("cocoa -brazil", page=page, page_size=100, fold=False))
        with_not = search(reuters_index, SearchRequest("cocoa NOT brazil", page=page, page_size=100, fold=False))
        assert [(h.id, h.score + 1) for h in minus.hits] == [(h.id, pytest.approx(h.score, abs=2e-4)) for h in with_not.hits]
        assert minus.total == with_not.total > 100 and "reuters-2521" not in [h.id for h in minus.hits]


@pytest.fixture(scope="module")
def terms_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """A few short articles: cocoa in the headline, the body or both, with and without brazil; treat- words; exact ties."""
    from newssearch import reindex

    records = [
        {"id": "title-only", "title": "Cocoa prices", "body": "Traders expect a rise.", "date": "1987-03-02"},
        {"id": "body-only", "title": "Markets", "body": "Cocoa and coffee rose; the treaty talks went on.", "date": "1987-03-03"},
        {"id": "both", "title": "Cocoa", "body": "Cocoa growers met to treat the crop.", "date": "1987-03-01"},
        {"id": "brazil", "title": "Cocoa in Brazil", "body": "Brazil cocoa exports grew.", "date": "1987-03-04"},
        {"id": "ghana", "title": "Ghana harvest", "body": "Ghana cocoa treatment plants.", "date": "1987-03-05"},
        {"id": "tie-a", "title": "Coffee", "body": "Cocoa treaty treats.", "date": "1987-04-01"},
        {"id": "tie-b", "title": "Coffee", "body": "Cocoa treaty treats.", "date": "1987-02-01"},
        {"id": "undated", "title": "Treatment", "body": "A treaty on cocoa."},
    ]
    base = tmp_path_factory.mktemp("terms")
    (base / "archive").mkdir()
    (base / "archive" / "terms.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("text", [*TERM_SUMS, "cocoa -brazil -ghana"])
def test_term_sums_score_as_whoosh_scores_them(terms_index: SearchIndex, text: str, sort: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a segment this small, Whoosh gives each word of treat* (treat, treati, treatment) a constant
    score (query.WHOOSH_PRELOADED_OR): that query keeps Whoosh's matchers."""
    fast, slow = _term_sum_both_ways(terms_index, text, monkeypatch, fast_path=text != "treat*", sort=sort)
    assert fast == slow and fast["total"] >= 2


def test_term_sums_leave_out_the_excluded_words_and_keep_ties_in_order(terms_index: SearchIndex) -> None:
    assert "brazil" not in ids(terms_index, "cocoa NOT brazil") and "brazil" in ids(terms_index, "cocoa")
    assert "brazil" not in ids(terms_index, "cocoa treaty NOT brazil") and "brazil" in ids(terms_index, "cocoa treaty")
    found = ids(terms_index, "cocoa -brazil -ghana", fold=False)
    assert {"brazil", "ghana"}.isdisjoint(found) and found.index("tie-a") + 1 == found.index("tie-b")
    assert set(ids(terms_index, "title:cocoa", fold=False)) == {"title-only", "both", "brazil"}
    assert set(ids(terms_index, "treat*", fold=False)) == {"body-only", "both", "ghana", "tie-a", "tie-b", "undated"}


@pytest.mark.parametrize("text", ["cocoa", "cocoa*", "title:cocoa", '"cocoa prices"', "cocoa NOT brazil"])
def test_filters_hold_for_counts_and_facets_of_every_kind_of_query(reuters_index: SearchIndex, text: str) -> None:
    everything = search(reuters_index, SearchRequest(text, facets=True))
    march = search(reuters_index, SearchRequest(text, filters={"month": ("1987-03",)}, facets=True, page_size=50))
    assert 0 < march.total < everything.total
    assert march.total == next(v.count for v in everything.facets["month"] if v.value == "1987-03")
    assert march.facets["month"] == everything.facets["month"]  # a chosen facet is counted without its own filter
    assert [(v.value, v.count) for v in march.facets["year"]] == [("1987", march.total)]  # the others with it
    assert sum(bar.count for bar in march.timeline) == march.total and {bar.period[:7] for bar in march.timeline} == {"1987-03"}
    assert all(hit.date.strftime("%Y-%m") == "1987-03" for hit in march.hits)
    nowhere = search(reuters_index, SearchRequest(text, filters={"source": ("no such source",)}, facets=True))
    assert (nowhere.total, nowhere.hits, nowhere.facets["source"], nowhere.facets["year"]) == (0, [], everything.facets["source"], [])


def test_pages(reuters_index: SearchIndex) -> None:
    first = ids(reuters_index, "cocoa", page_size=10)
    second = ids(reuters_index, "cocoa", page=2, page_size=10)
    assert len(second) == 10 and not set(first) & set(second)
    assert ids(reuters_index, "cocoa", page=90) == []  # past the last result, within the result window
    with pytest.raises(QueryError, match="beyond the first 1,000 results"):
        search(reuters_index, SearchRequest("cocoa", page=999))
    with pytest.raises(QueryError):
        search(reuters_index, SearchRequest("cocoa", page=0))


def test_did_you_mean_catches_rare_words_that_match_something(reuters_index: SearchIndex) -> None:
    interst = search(reuters_index, SearchRequest("interst rates"))  # the stemmer makes interstate "interst"
    assert interst.total > 0 and interst.suggestion == "interest rates" and not interst.showing_suggestion
    assert search(reuters_index, SearchRequest("intrest rates")).suggestion == "interest rates"
    assert search(reuters_index, SearchRequest("oil prises")).suggestion == "oil prices"  # the word, not the stem "price"
    assert search(reuters_index, SearchRequest("cocao prices")).suggestion == "cocoa prices"
    assert search(reuters_index, SearchRequest('title:Intrest AND "OIL prises"')).suggestion == 'title:Interest AND "OIL prices"'
    for correct in ("petroleum exports", "interest rates", "START treaty", "Sumita", "pond", "tin prices"):
        assert search(reuters_index, SearchRequest(correct)).suggestion is None, correct


def test_a_query_that_finds_nothing_shows_its_respelling(reuters_index: SearchIndex) -> None:
    typed = search(reuters_index, SearchRequest("cocao", page_size=3))
    assert (typed.query, typed.suggestion, typed.showing_suggestion) == ("cocao", "cocoa", True)
    assert typed.total == search(reuters_index, SearchRequest("cocoa")).total > 0
    assert all("cocoa" in hit.snippet.lower() or "cocoa" in hit.title.lower() for hit in typed.hits)
    assert typed.to_dict()["showing_suggestion"] is True
    as_typed = search(reuters_index, SearchRequest("cocao", correct=False))
    assert (as_typed.total, as_typed.suggestion, as_typed.showing_suggestion) == (0, "cocoa", False)


def test_article_and_related(reuters_index: SearchIndex) -> None:
    article = get_article(reuters_index, "reuters-1")
    assert article.title == "BAHIA COCOA REVIEW"
    similar = related(reuters_index, "reuters-1")
    assert similar and "reuters-1" not in [h.id for h in similar]
    assert any("COCOA" in h.title for h in similar)
    with pytest.raises(ArticleNotFound):
        get_article(reuters_index, "no-such-id")


def test_json_shape(sample_index: SearchIndex) -> None:
    data = search(sample_index, SearchRequest("START treaty", facets=True)).to_dict()
    assert {"query", "total", "page", "hits", "facets"} <= data.keys()
    hit = data["hits"][0]
    assert set(hit) == {"id", "title", "display_title", "date", "added", "source", "tags", "url", "path", "score", "snippet", "similar"}
    assert hit["date"] is None and isinstance(hit["score"], float)
    dated = search(sample_index, SearchRequest("cocoa")).to_dict()["hits"][0]
    assert dated["date"].startswith("1987-")


@pytest.fixture(scope="module")
def crafted_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """A small export built from real BBC paragraphs, arranged to probe one ranking rule each."""
    from helpers import bbc_article

    from newssearch import reindex

    base = tmp_path_factory.mktemp("crafted")
    filler = " ".join(p for n in range(1, 40) for p in bbc_article(f"business/{n:03d}")[1])
    _, politics = bbc_article("politics/010")
    records = [
        {"id": "close", "title": "Talks", "body": f"{politics[0]} The nuclear treaty was signed. {politics[1]}"},
        {"id": "apart", "title": "Talks", "body": f"The nuclear plant. {politics[0]} {politics[1]} A treaty."},
        {"id": "deep", "title": "Long report", "body": f"{filler} Finally the zeppelin landed in Hamburg."},
        {"id": "hyphen", "title": "Co-operation pact", "body": "The co-operation between the two ministries grew."},
        {"id": "joined", "title": "Cooperation", "body": "Cooperation between the firms grew."},
        {"id": "old", "title": "Harvest", "body": "The cocoa harvest was large.", "date": "1987-01-05"},
        {"id": "new", "title": "Harvest", "body": "The cocoa harvest was large in the north.", "date": "1987-06-05"},
    ]
    (base / "archive").mkdir()
    (base / "archive" / "crafted.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


def test_words_close_together_rank_higher(crafted_index: SearchIndex) -> None:
    assert ids(crafted_index, "nuclear treaty", fold=False)[:2] == ["close", "apart"]


def test_snippets_find_matches_deep_in_long_articles(crafted_index: SearchIndex) -> None:
    hit = search(crafted_index, SearchRequest("zeppelin")).hits[0]
    assert len(get_article(crafted_index, "deep").body) > 50_000
    assert "<mark>zeppelin</mark> landed" in hit.snippet


def test_hyphenated_and_joined_words_find_each_other(crafted_index: SearchIndex) -> None:
    assert {"hyphen", "joined"} <= set(ids(crafted_index, "co-operation"))
    assert {"hyphen", "joined"} <= set(ids(crafted_index, "cooperation"))
    snippets = [h.snippet for h in search(crafted_index, SearchRequest("cooperation", fold=False)).hits if h.id == "hyphen"]
    assert "<mark>co-operation</mark>" in snippets[0]


def test_recency_blend_prefers_the_newer_of_equal_matches(crafted_index: SearchIndex) -> None:
    plain = ids(crafted_index, "cocoa harvest", fold=False)
    recent = ids(crafted_index, "cocoa harvest", fold=False, recency=True)
    assert plain[0] == "old" and recent[0] == "new"  # the shorter old one wins on relevance alone


def test_a_search_running_too_long_is_stopped(sample_index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules["newssearch.search"], "TIME_LIMIT_SECONDS", 0.0)
    for request in (SearchRequest("oil"), SearchRequest("oil", filters={"source": ("Reuters",)}, facets=True, sort="newest")):
        with pytest.raises(QueryError, match="was stopped"):
            search(sample_index, request)


def test_an_article_without_a_headline_has_none_in_the_index(tmp_path: Path) -> None:
    """Its opening words are body, once: not a boosted headline too. The display still shows them."""
    from helpers import bbc_article

    from newssearch import reindex

    headline, paragraphs = bbc_article("tech/010")
    records = [{"id": "untitled", "body": "\n\n".join(paragraphs)}, {"id": "titled", "title": headline, "body": paragraphs[-1]}]
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    reindex(tmp_path / "archive", tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    opening = paragraphs[0].split()[:3]
    for word in opening:
        assert ids(index, word) == ["untitled"] and ids(index, f"title:{word}") == [], word
    [hit] = search(index, SearchRequest(" ".join(opening))).hits
    assert hit.title == "" and paragraphs[0].startswith(hit.display_title.removesuffix("…"))
    assert hit.to_dict()["display_title"] == hit.display_title and hit.to_dict()["title"] == ""
    assert get_article(index, "untitled").display_title == hit.display_title

    printed = CliRunner().invoke(main, ["query", opening[0], "--index", str(tmp_path / "index")]).output
    assert f"1. {hit.display_title}" in printed
    client = create_app(tmp_path / "index").test_client()
    for url in (f"/?q={opening[0]}", "/article/untitled", f"/search.atom?q={opening[0]}"):
        assert str(escape(hit.display_title)) in client.get(url).get_data(as_text=True), url
    assert client.get("/api/article/untitled").get_json()["title"] == ""


def test_words_in_order_are_found_once_an_article_however_often_it_has_them() -> None:
    """wordrank._in_order, given each word's places (document * 2**32 + position): "oil prices"
    twice in article 3, once in 5, and the two words seven places apart in 8."""
    import numpy as np

    from newssearch.engine.whoosh import wordrank

    def places(*pairs: tuple[int, int]) -> np.ndarray:
        return np.array(sorted(document << 32 | position for document, position in pairs), dtype=np.int64)

    oil, prices = places((3, 1), (3, 10), (5, 4), (8, 1)), places((3, 2), (3, 11), (5, 5), (8, 8))
    assert wordrank._in_order([oil, prices], slop=1).tolist() == [3, 5]
    assert wordrank._in_order([oil, prices], slop=7).tolist() == [3, 5, 8]
    assert wordrank._in_order([prices, oil], slop=8).tolist() == [3]  # "prices" at 2, "oil" at 10
    assert wordrank._in_order([oil, places()], slop=1).tolist() == []
