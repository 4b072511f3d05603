"""Issue 12's search side on small articles built here: multi-select facets, undated articles
(the Undated year, date sorts, the Atom time), and the timeline's weeks and days."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from helpers import ATOM

from newssearch import SearchIndex, SearchRequest, reindex, search
from newssearch.cli import main
from newssearch.engine.base import Query
from newssearch.fields import SCHEMA
from newssearch.search import TimelineBar, _timeline
from newssearch.web import create_app

ADDED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
"""The archive files' modification time: when their articles entered the index."""

ARTICLES = [
    # id, date, source, body: "walrus" as often as it should rank (more is better)
    ("dated-weak", "1987-03-02", "Wire", "a walrus on the ice"),
    ("dated-strong", "1987-03-02", "Wire", "walrus walrus walrus walrus on the ice"),
    ("dated-later", "1987-03-20", "Paper", "walrus news from the north"),
    ("undated-weak", None, "Paper", "one walrus was seen at the harbour"),
    ("undated-strong", None, "Wire", "walrus walrus walrus walrus walrus herd at the beach"),
    ("undated-middle", None, "Wire", "walrus walrus by the lighthouse tonight"),
]


def write_archive(folder: Path, articles: list[tuple[str, str | None, str, str]] = ARTICLES) -> Path:
    """One export record per article (the undated ones without a date), every file at ADDED."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, (article_id, day, source, body) in enumerate(articles):
        record = {"id": article_id, "title": f"Report {number}", "body": body, "source": source} | ({"date": day} if day else {})
        path = folder / f"{number:02d}.jsonl"  # file order is not relevance order
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        os.utime(path, (ADDED.timestamp(), ADDED.timestamp()))
    return folder


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("dates")
    reindex(write_archive(base / "archive"), base / "index")
    return SearchIndex(base / "index")


def ids(index: SearchIndex, text: str, **options: object) -> list[str]:
    return [hit.id for hit in search(index, SearchRequest(text, fold=False, page_size=20, **options)).hits]  # type: ignore[arg-type]


def counts(result_facets: object, name: str) -> dict[str, int]:
    return {v.value: v.count for v in result_facets[name]}  # type: ignore[index]


# Undated articles -------------------------------------------------------------------------


def test_undated_articles_are_a_value_of_the_year_facet_and_a_filter(index: SearchIndex) -> None:
    result = search(index, SearchRequest("walrus", facets=True))
    assert counts(result.facets, "year") == {"1987": 3, "undated": 3} and result.undated == 3
    assert [v.value for v in result.facets["year"]] == ["1987", "undated"]  # after every year
    assert SCHEMA.facet("year").label_of("undated") == "Undated"
    assert set(ids(index, "walrus", filters={"year": ("undated",)})) == {"undated-weak", "undated-strong", "undated-middle"}
    assert len(ids(index, "walrus", filters={"year": ("undated", "1987")})) == 6
    assert SCHEMA.facet("year").check("undated") is None and SCHEMA.facet("year").check("Undated") is not None


def test_the_cli_filters_by_the_undated_year(index: SearchIndex) -> None:
    output = CliRunner().invoke(main, ["query", "walrus", "--index", str(index.index_dir), "--year", "undated", "--json"])
    assert output.exit_code == 0, output.output
    assert {hit["id"] for hit in json.loads(output.output)["hits"]} == {"undated-weak", "undated-strong", "undated-middle"}


@pytest.mark.parametrize("text", ["walrus", "walrus*", "body:walrus OR title:zzz"])  # term-at-a-time, and Whoosh's matchers
def test_date_sorts_put_undated_articles_last_by_relevance_and_tie_dated_ones_by_relevance(index: SearchIndex, text: str) -> None:
    relevance = [i for i in ids(index, text) if i.startswith("undated")]
    assert relevance[0] == "undated-strong" or text == "walrus*"  # a prefix scores every word alike
    newest, oldest = ids(index, text, sort="newest"), ids(index, text, sort="oldest")
    assert newest[:3] == ["dated-later", "dated-strong", "dated-weak"]  # same day: the better hit first
    assert oldest[:3] == ["dated-strong", "dated-weak", "dated-later"]
    assert newest[3:] == oldest[3:] == relevance  # undated last, in order of relevance, not of file


def test_atom_entries_without_a_date_have_the_stable_time_they_entered_the_index(index: SearchIndex) -> None:
    client = create_app(index.index_dir).test_client()
    feeds = [ET.fromstring(client.get("/search.atom?q=walrus").data) for _ in range(2)]
    times = [[entry.findtext(f"{ATOM}updated") for entry in feed.iter(f"{ATOM}entry")] for feed in feeds]
    assert times[0] == times[1] and times[0][:3] == ["1987-03-20T00:00:00Z", "1987-03-02T00:00:00Z", "1987-03-02T00:00:00Z"]
    assert times[0][3:] == ["2024-05-06T07:08:09Z"] * 3  # the files' modification time, not the request's
    hit = search(index, SearchRequest("walrus", filters={"year": ("undated",)})).hits[0]
    assert hit.added == ADDED and hit.to_dict()["added"] == "2024-05-06T07:08:09+00:00"


# Multi-select facets ----------------------------------------------------------------------


def test_a_chosen_facet_is_counted_without_its_own_filter_and_the_others_with_every_filter(index: SearchIndex) -> None:
    everything = search(index, SearchRequest("walrus", facets=True))
    wire = search(index, SearchRequest("walrus", filters={"source": ("Wire",)}, facets=True))
    assert wire.total == 4
    assert counts(wire.facets, "source") == counts(everything.facets, "source") == {"Wire": 4, "Paper": 2}  # OR within
    assert counts(wire.facets, "year") == {"1987": 2, "undated": 2}  # AND across: years of Wire's articles
    both = search(index, SearchRequest("walrus", filters={"source": ("Wire",), "year": ("undated",)}, facets=True))
    assert both.total == 2
    assert counts(both.facets, "source") == {"Wire": 2, "Paper": 1}  # sources of the undated matches
    assert counts(both.facets, "year") == {"1987": 2, "undated": 2}  # years of Wire's matches
    assert search(index, SearchRequest("walrus", filters={"source": ("Wire", "Paper")})).total == 6


def test_an_engine_counts_without_hits_when_asked_for_none(index: SearchIndex) -> None:
    for text in ("walrus", "walrus*"):
        matches = index.engine.search(Query(text, window=0, facets=True))
        assert (matches.total, matches.hits, matches.facets["source"]) == (6, [], {"Wire": 4, "Paper": 2})


def test_the_page_lists_the_other_sources_of_a_chosen_one_with_their_counts(index: SearchIndex) -> None:
    client = create_app(index.index_dir).test_client()
    text = client.get("/?q=walrus&source=Wire").get_data(as_text=True)
    listed = dict(re.findall(r'href="([^"]*)" data-facet="source"[^>]*>\s*<span class="value">([^<]*)</span>', text))
    by_value = {value: parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href, value in listed.items()}
    assert by_value == {"Wire": {"q": ["walrus"]}, "Paper": {"q": ["walrus"], "source": ["Wire", "Paper"]}}


# The timeline -----------------------------------------------------------------------------


def test_the_timeline_goes_from_years_to_months_weeks_and_days_as_the_span_shortens() -> None:
    def bars(days: dict[str, int]) -> list[tuple[str, int]]:
        return [(bar.period, bar.count) for bar in _timeline(days)]

    assert bars({"1987-03-02": 2, "1987-03-04": 1}) == [("1987-03-02", 2), ("1987-03-03", 0), ("1987-03-04", 1)]
    assert bars({"1987-03-01": 1, "1987-03-31": 1})[::30] == [("1987-03-01", 1), ("1987-03-31", 1)]  # a whole month: days
    weeks = bars({"1987-03-02": 2, "1987-03-08": 1, "1987-04-20": 1})
    assert weeks[0] == ("1987-W10", 3) and weeks[-1] == ("1987-W17", 1) and len(weeks) == 8
    assert bars({"1987-03-02": 1, "1987-07-01": 1}) == [("1987-03", 1), ("1987-04", 0), ("1987-05", 0), ("1987-06", 0), ("1987-07", 1)]
    assert bars({"1987-03-02": 1, "1991-01-01": 2}) == [("1987", 1), ("1988", 0), ("1989", 0), ("1990", 0), ("1991", 2)]
    assert bars({"1987-03": 4, "1987-04": 1}) == [("1987-03", 4), ("1987-04", 1)]  # an engine that counts months only
    assert _timeline({}) == []
    week = TimelineBar("1987-W10", 3)
    assert (week.unit, week.start, week.end) == ("week", date(1987, 3, 2), date(1987, 3, 8))


def test_a_short_span_is_drawn_per_day_with_links_to_each_day_and_the_undated_left_out_said(index: SearchIndex) -> None:
    result = search(index, SearchRequest("walrus", facets=True))
    assert [(bar.period, bar.count) for bar in result.timeline][::18] == [("1987-03-02", 2), ("1987-03-20", 1)]
    client = create_app(index.index_dir).test_client()
    text = client.get("/?q=walrus").get_data(as_text=True)
    svg = text[text.index('<svg class="timeline-chart"') : text.index("</svg>")]
    hrefs = [parse_qs(urlsplit(h.replace("&amp;", "&")).query) for h in re.findall(r'<a href="([^"]*)"', svg)]
    assert hrefs == [{"q": ["walrus"], "from-date": [day], "to-date": [day]} for day in ("1987-03-02", "1987-03-20")]
    assert "3 undated matches are not on the timeline" in text
    undated = re.search(r'not on the timeline: <a href="([^"]*)"', text)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(undated).query) == {"q": ["walrus"], "year": ["undated"]}
    day = client.get("/api/search?q=walrus&from-date=1987-03-02&to-date=1987-03-02").get_json()
    assert {hit["id"] for hit in day["hits"]} == {"dated-strong", "dated-weak"} and day["undated"] == 0


def test_a_week_bar_keeps_within_the_dates_chosen(tmp_path: Path) -> None:
    start = date(1987, 3, 4)  # a Wednesday: its week starts on Monday 2 March
    articles = [(f"day-{n}", (start + timedelta(days=n)).isoformat(), "Wire", "walrus") for n in range(0, 50, 7)]
    reindex(write_archive(tmp_path / "archive", articles), tmp_path / "index")
    client = create_app(tmp_path / "index").test_client()
    text = client.get("/?q=walrus&from-date=1987-03-04").get_data(as_text=True)
    assert "Matching articles per week" in text
    first = re.search(r'<svg class="timeline-chart".*?<a href="([^"]*)"', text, re.S)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(first).query) == {"q": ["walrus"], "from-date": ["1987-03-04"], "to-date": ["1987-03-08"]}


# A respelled query ------------------------------------------------------------------------


def test_results_of_a_respelling_link_to_articles_with_the_respelled_query(index: SearchIndex) -> None:
    """The article page marks the words the results were found by, and its way back finds them again."""
    client = create_app(index.index_dir).test_client()
    data = client.get("/api/search?q=walrsu").get_json()
    assert data["showing_suggestion"] and data["suggestion"] == "walrus"
    text = client.get("/?q=walrsu").get_data(as_text=True)
    article = re.search(r'<li class="hit">\s*<h2><a href="([^"]*)"', text)[1].replace("&amp;", "&")
    assert parse_qs(urlsplit(article).query) == {"q": ["walrus"]}
    page = client.get(article).get_data(as_text=True)
    assert "<mark>walrus</mark>" in page


def test_a_filtered_list_of_undated_articles_does_not_claim_a_date_order(index: SearchIndex) -> None:
    client = create_app(index.index_dir).test_client()
    undated = client.get("/?year=undated").get_data(as_text=True)
    assert "3 articles, none of them dated" in undated and "newest first" not in undated
    assert "6 articles, oldest first" in client.get("/?source=Wire&source=Paper&sort=oldest").get_data(as_text=True)
