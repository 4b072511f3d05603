"""The web UI, JSON API, Atom feed and OpenSearch description, through Flask's test client."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask.testing import FlaskClient
from helpers import (
    ATOM,
    HOSTILE_QUERIES,
    HOSTILE_RECORDS,
    OUR_SCRIPT,
    SAFE_URL,
    SEED_ID,
    SEED_TITLE,
    XSS,
    bbc_article,
    engine_app,
    on_each_engine,
    write_export,
    write_hostile_archive,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from newssearch import NewssearchError, SearchIndex, reindex
from newssearch.engine.whoosh.docvalues import doc_values
from newssearch.engine.whoosh.searching import facet_fields
from newssearch.fields import SCHEMA
from newssearch.search import RESULT_WINDOW, TimelineBar
from newssearch.web import create_app
from newssearch.web.app import CSP
from newssearch.web.index import app_index
from newssearch.web.launcher import _Gunicorn
from newssearch.web.presenter import MIN_BAR_HEIGHT, http_url, page_numbers, period, timeline_chart
from newssearch.web.slots import RETRY_AFTER_SECONDS, SEARCH_SLOTS

TOPIC = SCHEMA.facet("topics")

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest, sample_index: SearchIndex) -> FlaskClient:
    """The app on the sample indexed by Whoosh, or by the engine a test names with ``on_each_engine("client")``."""
    if getattr(request, "param", "whoosh") == "opensearch":
        return engine_app(request.getfixturevalue("opensearch_sample")).test_client()
    return create_app(sample_index.index_dir).test_client()


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    base = tmp_path_factory.mktemp("hostile")
    reindex(write_hostile_archive(base / "archive"), base / "index")
    return create_app(base / "index").test_client()


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    with client.get(url) as response:
        assert response.status_code == status, f"{url}: {response.status_code}"
        return response.get_data(as_text=True)


def api(client: FlaskClient, url: str, status: int = 200) -> dict:
    with client.get(url) as response:
        assert response.status_code == status, f"{url}: {response.status_code}"
        assert response.mimetype == "application/json"
        return response.get_json()


def links(text: str, marker: str = "") -> list[str]:
    """The hrefs of the <a> elements whose tag contains ``marker``."""
    return [html.unescape(href) for tag, href in re.findall(r'(<a [^>]*href="([^"]*)"[^>]*>)', text) if marker in tag]


def headline_link(text: str, title: str) -> str:
    """The href of the result whose headline is ``title``."""
    [href] = re.findall(rf'<h2><a href="([^"]*)">{re.escape(html.escape(title))}</a></h2>', text)
    return html.unescape(href)


def first_headline_link(text: str) -> str:
    """The href of the first result's headline."""
    match = re.search(r'<li class="hit">\s*<h2><a href="([^"]*)"', text)
    assert match, "no results on the page"
    return html.unescape(match[1])


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# The search page --------------------------------------------------------------------------


@on_each_engine("client")
def test_search_page_finds_seed_with_highlights_facets_and_time(client: FlaskClient) -> None:
    text = page(client, "/?q=START+treaty")
    total = api(client, "/api/search?q=START+treaty")["total"]
    assert f'{total} results for “<span class="query">START treaty</span>”' in text
    assert SEED_TITLE in text
    assert f'href="/article/{SEED_ID}?q=START+treaty"' in text
    assert "<mark>START</mark> <mark>treaty</mark>" in text
    assert re.search(r"[\d.]+ seconds", text)
    assert re.search(r'data-facet="source">\s*<span class="value">Reuters</span>\s*<span class="count">\d+</span>', text)
    assert '<label class="visually-hidden" for="q">' in text and "autofocus" in text


@on_each_engine("client")
def test_empty_query_lists_newest_articles_first(client: FlaskClient) -> None:
    text = page(client, "/")
    assert "Newest articles" in text
    assert '?sort=newest" aria-current="true">Newest<' in text and "sort=relevance" not in text
    dates = [hit["date"] for hit in api(client, "/api/search")["hits"]]
    assert dates == sorted(dates, reverse=True) and None not in dates


def test_no_results_shows_query_language_tips(client: FlaskClient) -> None:
    text = page(client, "/?q=zzxqvw")
    assert "No articles found" in text and "Tips on the query language" in text and "date:1987-03" in text  # the sample's newest month


@on_each_engine("client")
def test_a_query_that_finds_nothing_shows_its_respelling(client: FlaskClient) -> None:
    text = page(client, "/?q=treety&source=Reuters")
    assert "Showing results for <em>treaty</em>. Search instead for" in text and 'for “<span class="query">treaty</span>”' in text
    assert 'value="treaty"' in text  # the search box holds what the results are for
    [href] = links(text.split("Search instead for", 1)[1].split("</p>", 1)[0])
    assert query(href) == {"q": ["treety"], "as-typed": ["1"], "source": ["Reuters"]}
    as_typed = page(client, href)
    search_form = as_typed.split('role="search"', 1)[1].split("</form>", 1)[0]
    assert "No articles found" in as_typed and 'name="as-typed"' not in search_form  # a new query is respelled again
    [respelled] = links(as_typed.split("Did you mean", 1)[1].split("</p>", 1)[0])
    assert query(respelled) == {"q": ["treaty"], "source": ["Reuters"]}
    data = api(client, "/api/search?q=treety&source=Reuters")
    assert (data["query"], data["suggestion"], data["showing_suggestion"]) == ("treety", "treaty", True) and data["total"] > 0
    assert api(client, "/api/search?q=treety&as-typed=1")["total"] == 0


def test_sort_links_keep_the_filters_and_go_to_page_one(client: FlaskClient) -> None:
    text = page(client, "/?q=oil&source=Reuters&page=2")
    [newest] = [href for href in links(text) if "sort=newest" in href]
    assert query(newest) == {"q": ["oil"], "source": ["Reuters"], "sort": ["newest"]}
    dates = [hit["date"] for hit in api(client, "/api" + newest.replace("/?", "/search?"))["hits"]]
    assert dates == sorted(dates, reverse=True)


# Facets, filters, timeline, pagination ------------------------------------------------------


def facet_links(text: str, param: str) -> list[tuple[str, str, int]]:
    """(value, href, count) of each value listed in one facet."""
    pattern = rf'<a href="([^"]*)" data-facet="{param}"[^>]*>\s*<span class="value">([^<]*)</span>\s*<span class="count">([\d,]+)</span>'
    return [(html.unescape(value), html.unescape(href), int(count.replace(",", ""))) for href, value, count in re.findall(pattern, text)]


@on_each_engine("client")
def test_clicking_a_facet_value_filters_and_its_chip_removes_it(client: FlaskClient) -> None:
    unfiltered = api(client, "/api/search?q=oil")["total"]
    text = page(client, "/?q=oil")
    for param in ("source", "year", "topic"):
        label, href, count = facet_links(text, param)[0]
        value = query(href)[param][0]  # a topic is shown by its label ("Crude Oil"), filtered by its code
        assert query(href) == {"q": ["oil"], param: [value]} and label == next(f for f in SCHEMA.facets if f.param == param).label_of(value)
        filtered = page(client, href)
        assert api(client, "/api" + href.replace("/?", "/search?"))["total"] == count
        assert re.search(rf"{count:,} results? for", filtered)
        [chip] = links(filtered, 'class="chip"')
        assert query(chip) == {"q": ["oil"]}
        assert api(client, "/api" + chip.replace("/?", "/search?"))["total"] == unfiltered
        [active] = [link for link in facet_links(filtered, param) if link[0] == label]
        assert query(active[1]) == {"q": ["oil"]}  # clicking an active value removes it


def test_a_filter_typed_in_another_case_is_shown_active(client: FlaskClient) -> None:
    text = page(client, "/?q=oil&source=reuters")
    [(value, href, count)] = [link for link in facet_links(text, "source") if query(link[1]) == {"q": ["oil"]}]  # the one that removes it
    assert value == "Reuters" and 'data-facet="source" class="active" aria-current="true">\n          <span class="value">Reuters<' in text
    assert count == api(client, "/api/search?q=oil&source=Reuters")["total"]


def test_two_sources_are_chosen_from_the_page_the_others_staying_listed_with_their_counts(client: FlaskClient) -> None:
    """Multi-select (InstantSearch's refinement lists): with one source chosen, the others stay
    listed with what they would add; choosing a second gives the articles of either."""
    alone = {value: count for value, _, count in facet_links(page(client, "/?q=market"), "source")}
    assert {"Reuters", "BBC News"} <= alone.keys()
    one = page(client, "/?q=market&source=Reuters")
    listed = {value: (href, count) for value, href, count in facet_links(one, "source")}
    assert {value: count for value, (_, count) in listed.items()} == alone  # every source, counted without the source filter
    assert query(listed["BBC News"][0]) == {"q": ["market"], "source": ["Reuters", "BBC News"]}
    both = page(client, listed["BBC News"][0])
    assert re.search(rf"{alone['Reuters'] + alone['BBC News']:,} results for", both)
    removing = {value: query(href) for value, href, _ in facet_links(both, "source")}
    assert removing["Reuters"] == {"q": ["market"], "source": ["BBC News"]} and removing["BBC News"] == {"q": ["market"], "source": ["Reuters"]}
    assert both.count('data-facet="source" class="active"') == 2


@on_each_engine("client")
def test_values_of_one_facet_are_ored_and_different_facets_anded(client: FlaskClient) -> None:
    def total(params: str) -> int:
        return api(client, f"/api/search?q=market&{params}")["total"]

    reuters, bbc = total("source=Reuters"), total("source=BBC+News")
    assert reuters and bbc
    assert total("source=Reuters&source=BBC+News") == reuters + bbc
    assert 0 < total("source=Reuters&place=usa") < reuters
    assert total("source=BBC+News&place=usa") == 0


def test_month_facet_is_shown_once_a_year_is_chosen(client: FlaskClient) -> None:
    assert not facet_links(page(client, "/?q=oil"), "month")
    months = facet_links(page(client, "/?q=oil&year=1987"), "month")
    assert {value for value, _, _ in months} == {"February 1987", "March 1987"}
    assert all(query(href)["month"] for _, href, _ in months)


@on_each_engine("client")
def test_timeline_of_a_few_days_has_a_bar_per_day_linking_to_that_days_results(client: FlaskClient) -> None:
    """The sample's Reuters file spans 26 February to 3 March 1987: a bar per day, each linking
    to From/To dates of its day (a month chosen, the same: it drills down past the month)."""
    for url in ("/?q=oil", "/?q=oil&month=1987-03"):
        text = page(client, url)
        assert "Matching articles per day" in text
        svg = text[text.index('<svg class="timeline-chart"') : text.index("</svg>")]
        bars = links(svg)
        days = [(query(href)["from-date"], query(href)["to-date"]) for href in bars]
        assert all(since == until for since, until in days) and days[-1] == (["1987-03-03"], ["1987-03-03"])
        assert 'aria-label="3 March 1987: 13 articles"' in svg
    result = api(client, "/api" + bars[0].replace("/?", "/search?"))
    assert result["total"] == 8 and all(hit["date"].startswith("1987-03-01") for hit in result["hits"])


@on_each_engine("client")
def test_pagination_keeps_every_filter(client: FlaskClient) -> None:
    params = "q=oil&source=Reuters&year=1987&place=usa&place=uk&sort=newest&from-date=1987-02-01&to-date=1987-03-31&page-size=3"
    first = page(client, f"/?{params}")
    [next_page] = links(first, 'rel="next"')
    assert query(next_page) == parse_qs(params) | {"page": ["2"]}
    second = page(client, next_page)
    assert 'aria-current="page">2<' in second
    [previous] = links(second, 'rel="prev"')
    assert query(previous) == parse_qs(params)
    hits = [api(client, f"/api/search?{params}&page={number}")["hits"] for number in (1, 2)]
    assert {h["id"] for h in hits[0]}.isdisjoint(h["id"] for h in hits[1])
    for hit in hits[0] + hits[1]:
        assert hit["source"] == "Reuters" and {"place:usa", "place:uk"} & set(hit["tags"])
        assert "1987-02-01" <= hit["date"][:10] <= "1987-03-31"


def test_date_form_carries_the_other_parameters(client: FlaskClient) -> None:
    text = page(client, "/?q=oil&source=Reuters&from-date=1987-03-01")
    form = text[text.index('<form class="dates"') : text.index("</form>", text.index('<form class="dates"'))]
    assert '<input type="hidden" name="q" value="oil">' in form
    assert '<input type="hidden" name="source" value="Reuters">' in form
    assert 'name="from-date" value="1987-03-01"' in form and 'type="hidden" name="from-date"' not in form
    chips = links(text, 'class="chip"')
    assert {"q": ["oil"], "source": ["Reuters"]} in [query(chip) for chip in chips]


# Page size, export, long facets, no-result tips ----------------------------------------------


def test_page_size_links_change_the_count_and_are_kept_in_links(client: FlaskClient) -> None:
    text = page(client, "/?q=oil&source=Reuters&page=2")
    sizes = {link_text: href for href, link_text in re.findall(r'<a href="([^"]*)"[^>]*aria-label="\d+ results per page">(\d+)<', text)}
    assert list(sizes) == ["10", "25", "50", "100"]
    assert query(html.unescape(sizes["25"])) == {"q": ["oil"], "source": ["Reuters"], "page-size": ["25"]}  # back to page 1
    assert "page-size" not in query(html.unescape(sizes["10"]))  # the default stays out of the URL
    at_25 = page(client, html.unescape(sizes["25"]))
    assert at_25.count('<li class="hit">') == 25 and 'aria-current="true" aria-label="25 results per page"' in at_25
    assert all(query(href)["page-size"] == ["25"] for href in links(at_25, "Page ") + links(at_25, 'rel="next"'))


def test_export_holds_every_result_up_to_the_window_in_csv_and_json(client: FlaskClient) -> None:
    for params in ("q=oil&source=Reuters", "", "q=zzxqvw&as-typed=1"):
        total = api(client, f"/api/search?{params}")["total"]
        with client.get(f"/api/export.csv?{params}") as response:
            assert response.status_code == 200 and response.mimetype == "text/csv"
            assert response.headers["Content-Disposition"].startswith('attachment; filename="newssearch')
            rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        exported = api(client, f"/api/export.json?{params}")
        assert len(rows) == exported["exported"] == len(exported["hits"]) == min(total, RESULT_WINDOW), params
        assert [row["id"] for row in rows] == [hit["id"] for hit in exported["hits"]]
        assert len({row["id"] for row in rows}) == len(rows)
        if total:
            first = api(client, f"/api/search?{params}&fold=0&page-size=100")["hits"]
            assert [row["id"] for row in rows[:100]] == [hit["id"] for hit in first]  # in the order of the results
    assert all(hit["source"] == "Reuters" for hit in api(client, "/api/export.json?q=oil&source=Reuters")["hits"])
    assert "<mark>" not in api(client, "/api/export.json?q=oil")["hits"][0]["snippet"]
    text = page(client, "/?q=oil&source=Reuters&page=2&page-size=25&facet=tags")
    for href in links(text, "download"):
        assert query(href) == {"q": ["oil"], "source": ["Reuters"]} and urlsplit(href).path in ("/api/export.csv", "/api/export.json")
    assert api(client, "/api/export.json?sort=sideways", status=400)["error"].startswith("unknown sort")


def test_export_neutralises_cells_a_spreadsheet_would_run(tmp_path: Path) -> None:
    formulas = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]
    records = [{"id": f"f{n}", "title": formula, "body": "spreadsheet canary", "source": formula} for n, formula in enumerate(formulas)]
    write_export(tmp_path / "archive" / "formulas.jsonl", records + [{"id": "plain", "title": "Plain title", "body": "spreadsheet canary"}])
    reindex(tmp_path / "archive", tmp_path / "index")
    with create_app(tmp_path / "index").test_client().get("/api/export.csv?q=canary") as response:
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert len(rows) == 5
    for n, formula in enumerate(formulas):
        assert rows[f"f{n}"]["title"] == rows[f"f{n}"]["source"] == "'" + formula
    assert rows["plain"]["title"] == "Plain title"


def test_long_facets_show_all_and_find_a_value_without_javascript(client: FlaskClient) -> None:
    tags = [v["value"] for v in api(client, "/api/search")["facets"]["topics"]]
    assert len(tags) > 20
    first = page(client, "/")
    assert len(links(facet_section(first, "topics"), 'data-facet="topic"')) == 20
    [show_all] = links(facet_section(first, "topics"), "")[-1:]
    assert f"Show all {len(tags)}" in first and query(show_all) == {"facet": ["topics"]}
    everything = page(client, show_all)
    shown = [html.unescape(v) for v in re.findall(r'<span class="value">([^<]*)</span>', facet_section(everything, "topics"))]
    assert shown == [TOPIC.label_of(t) for t in tags]
    assert "Show fewer" in everything and "autofocus" not in everything  # the page stays at the facet
    form = facet_section(everything, "topics").split('<form class="facet-filter"', 1)[1].split("</form>", 1)[0]
    assert 'name="facet" value="topics"' in form and 'name="facet-q"' in form
    found = page(client, "/?facet=topics&facet-q=PALM")
    values = re.findall(r'<span class="value">([^<]*)</span>', facet_section(found, "topics"))
    assert values == [TOPIC.label_of(t) for t in tags if "palm" in f"{t} {TOPIC.label_of(t)}".lower()] and values
    [palm] = [href for href in links(facet_section(found, "topics"), 'data-facet="topic"') if TOPIC.label_of(query(href)["topic"][0]) == values[0]]
    assert query(palm) == {"facet": ["topics"], "facet-q": ["PALM"], "topic": [query(palm)["topic"][0]]}  # the facet stays open and found
    filtered = page(client, palm)
    assert "facet" not in query(first_headline_link(filtered))
    assert "None contains “zzz”" in page(client, "/?facet=topics&facet-q=zzz")


def facet_section(text: str, name: str) -> str:
    start = text.index(f'<section class="facet" id="facet-{name}"')
    return text[start : text.index("</section>", start)]


def test_no_result_tips_take_their_dates_from_the_index(tmp_path: Path) -> None:
    write_export(tmp_path / "dated" / "news.jsonl", [
        {"id": "a", "title": "Old", "body": "harbour news", "date": "2019-05-03"},
        {"id": "b", "title": "New", "body": "harbour news", "date": "2021-11-20"},
    ])  # fmt: skip
    reindex(tmp_path / "dated", tmp_path / "dated-index")
    text = page(create_app(tmp_path / "dated-index").test_client(), "/?q=zzxqvw")
    assert "<code>date:2021</code>, <code>date:2021-11</code>" in text and "1987" not in text
    reindex(write_articles(tmp_path / "undated", "walrus"), tmp_path / "undated-index")
    text = page(create_app(tmp_path / "undated-index").test_client(), "/?q=zzxqvw")
    assert "Tips on the query language" in text and "date:" not in text


def test_timeline_shows_each_bars_count_and_a_one_article_bar(client: FlaskClient) -> None:
    bars = timeline_chart([TimelineBar("1987-02", 1), TimelineBar("1987-03", 5000)])
    assert bars[0].height >= MIN_BAR_HEIGHT and [b.label for b in bars] == ["1", "5.0k"]
    text = page(client, "/?q=oil")
    counts = text.split('<ol class="timeline-counts', 1)[1].split("</ol>", 1)[0]
    totals = [bar["count"] for bar in api(client, "/api/search?q=oil")["timeline"]]
    assert re.findall(r"<li>(\d*)</li>", counts) == [str(count) if count else "" for count in totals] and len(totals) > 2


# Articles -----------------------------------------------------------------------------------


@on_each_engine("client")
def test_article_page_highlights_the_query_and_lists_related_articles(client: FlaskClient) -> None:
    text = page(client, f"/article/{SEED_ID}?q=START+treaty")
    assert f'<h1 id="article-title">{SEED_TITLE}</h1>' in text
    assert "2010 <mark>START</mark> <mark>treaty</mark> on nuclear proliferation" in text
    assert text.count("<p>") >= 7  # one per paragraph
    related = links(text.split('id="related-heading"', 1)[1].split("</aside>", 1)[0])
    assert related and all(href.startswith("/article/") for href in related)
    assert "<h1" in page(client, related[0])
    assert "<mark>" not in page(client, f"/article/{SEED_ID}")


def test_article_links_carry_the_search_and_its_back_link_returns_to_the_same_results(client: FlaskClient) -> None:
    params = "q=oil&source=Reuters&sort=newest&page=2&page-size=25"
    results = page(client, f"/?{params}&facet=tags")
    article = first_headline_link(results)
    assert query(article) == parse_qs(params)  # the page-only facet view is left out
    text = page(client, article, status=200)
    [back] = links(text.split('<p class="back">', 1)[1].split("</p>", 1)[0])
    assert back.startswith("/?") and query(back) == parse_qs(params)
    assert "Results for “oil”" in text
    related = links(text.split('id="related-heading"', 1)[1].split("</aside>", 1)[0])
    assert related and all(query(href) == parse_qs(params) for href in related)  # the way back survives a related article
    with client.get(article, headers={"Referer": "https://evil.example/?q=oil"}) as response:
        assert "evil.example" not in response.get_data(as_text=True)  # built from the search's parameters, never a URL from the request
    assert '<p class="back">' not in page(client, f"/article/{SEED_ID}")
    filtered = page(client, f"/article/{SEED_ID}?source=Reuters")
    assert "Back to the results" in filtered and 'href="/?source=Reuters"' in filtered


def test_article_highlight_finds_word_forms_and_prefixes(client: FlaskClient) -> None:
    assert "<mark>Ministry</mark>" in page(client, f"/article/{SEED_ID}?q=minis*")
    assert "<mark>full-scale</mark>" in page(client, f"/article/{SEED_ID}?q=full-scale")
    assert "<mark>" not in page(client, f"/article/{SEED_ID}?q=date:xx")  # a bad query only loses the highlight


@on_each_engine("client")
def test_article_api_json_shape(client: FlaskClient) -> None:
    data = api(client, "/api/article/reuters-821")
    assert set(data) == {"id", "title", "display_title", "body", "path", "date", "source", "author", "section", "tags", "language", "url", "related"}
    tags = ["place:usa", "place:us-virgin-islands", "place:guam"]
    assert (data["title"], data["date"], data["tags"]) == ("U.S. SIGNS TAX TREATY WITH VIRGIN ISLANDS", "1987-03-02T17:27:14", tags)
    assert data["related"] and set(data["related"][0]) >= {"id", "title", "date", "source", "snippet"}


@on_each_engine("client")
def test_search_api_json_shape(client: FlaskClient) -> None:
    data = api(client, "/api/search?q=START+treaty&page-size=5")
    assert set(data) == {
        "query", "total", "page", "page_size", "pages", "seconds", "hits", "suggestion", "showing_suggestion", "facets", "timeline", "undated",
    }  # fmt: skip
    assert (data["query"], data["page"], data["page_size"], len(data["hits"])) == ("START treaty", 1, 5, 5)
    assert set(data["hits"][0]) == {"id", "title", "display_title", "date", "added", "source", "tags", "url", "path", "score", "snippet", "similar"}
    assert data["hits"][0]["id"] == SEED_ID
    assert set(data["facets"]) == {facet.name for facet in SCHEMA.facets}
    assert set(data["facets"]["source"][0]) == {"value", "count"}
    assert [bar["period"] for bar in data["timeline"]][::5] == ["1987-02-26", "1987-03-03"] and data["undated"] >= 1  # the seed page has no date


def test_article_ids_with_slashes_and_urls_have_working_links(hostile_client: FlaskClient) -> None:
    text = page(hostile_client, "/?q=xsscanary&page-size=20")
    for title in ("Safe link xsscanary", "Hostile id xsscanary"):
        assert f">{title}</h1>" in page(hostile_client, headline_link(text, title))
    assert page(hostile_client, f"/article/{quote(SAFE_URL, safe='/:')}")
    assert api(hostile_client, f"/api/article/{quote(SAFE_URL, safe='/:')}")["url"] == SAFE_URL


# Errors -------------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("page=abc", "page must be a whole number"),
    ("page=0", "page must be 1 or more"),
    ("page-size=1000", "page size must be between 1 and 100"),
    ("sort=best", "unknown sort 'best'"),
    ("from-date=yesterday", "from-date must be a date written YYYY-MM-DD"),
    ("from-date=1987-03-02&to-date=1987-03-01", "is after the end date"),
    ("year=87", "year must be written YYYY"),
    ("month=1987-13", "month must be written YYYY-MM"),
    ("q=date:soon", "cannot understand the query"),
    ("q=" + "x" * 5200, "shorten it"),
    ("page=1000000000&page-size=100", "beyond the first 1,000 results"),
    ("page=101", "beyond the first 1,000 results"),
]


@pytest.mark.parametrize(("params", "message"), BAD_PARAMETERS)
def test_bad_parameters_give_a_friendly_400(client: FlaskClient, params: str, message: str) -> None:
    for path in ("/", "/search.atom"):
        text = page(client, f"{path}?{params}", status=400)
        assert "Please check the search" in text and message in html.unescape(text) and "Traceback" not in text
    assert message in api(client, f"/api/search?{params}", status=400)["error"]


def test_odd_but_valid_parameters_work(client: FlaskClient) -> None:
    for params in ("month=0000-01", "year=0000&month=9999-12", "from-date=0001-01-01&to-date=9999-12-31", "page=100", "q=%20"):
        assert "<h1" in page(client, f"/?{params}")


def test_unknown_article_and_route_give_404(client: FlaskClient) -> None:
    assert "Article not found" in page(client, "/article/no/such/article", status=404)
    assert "no/such/article" in api(client, "/api/article/no/such/article", status=404)["error"]
    assert "Not Found" in page(client, "/no-such-page", status=404)
    assert api(client, "/api/no-such-endpoint", status=404)["error"]
    response = client.post("/")
    assert response.status_code == 405 and "Method Not Allowed" in response.get_data(as_text=True)


def test_missing_index_gives_503_until_a_reindex_creates_it(tmp_path: Path) -> None:
    client = create_app(tmp_path / "index").test_client()
    text = page(client, "/", status=503)
    assert "newssearch reindex" in text and "Traceback" not in text
    assert "newssearch reindex" in api(client, "/api/search?q=x", status=503)["error"]
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "one.jsonl").write_text(json.dumps({"id": "a", "title": "First light", "body": "Morning news."}) + "\n")
    reindex(archive, tmp_path / "index")
    assert api(client, "/api/search?q=morning")["total"] == 1  # no restart needed


def test_pager_links_only_to_pages_within_the_result_window(client: FlaskClient) -> None:
    everything = api(client, "/api/search?page-size=100")
    assert everything["total"] > RESULT_WINDOW  # the sample has more articles than can be paged to
    assert everything["pages"] == RESULT_WINDOW // 100
    numbers = [int(query(url)["page"][0]) for url in links(page(client, "/?page-size=100")) if "page" in query(url)]
    assert max(numbers) == RESULT_WINDOW // 100
    last = page(client, f"/?page-size=100&page={max(numbers)}")
    assert not links(last, 'rel="next"')
    assert "beyond the first 1,000 results" in api(client, f"/api/search?page-size=100&page={max(numbers) + 1}", status=400)["error"]


def write_articles(archive: Path, *words: str) -> Path:
    """An export of one small article per word, each findable by its word."""
    archive.mkdir(parents=True, exist_ok=True)
    records = [{"id": word, "title": f"News of {word}", "body": f"Today the {word} report came in."} for word in words]
    (archive / "news.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return archive


def test_a_removed_index_gives_503_and_a_rebuilt_one_is_served_at_once(tmp_path: Path) -> None:
    """The folder removed under the server, then rebuilt (the same generation, other articles), then replaced."""
    index_dir = tmp_path / "index"
    reindex(write_articles(tmp_path / "old", "walrus"), index_dir)
    client = create_app(index_dir).test_client()
    assert api(client, "/api/search?q=walrus")["total"] == 1
    assert "walrus" in page(client, "/article/walrus")
    shutil.rmtree(index_dir)
    for url in ("/api/search?q=walrus", "/api/article/walrus"):
        assert "newssearch reindex" in api(client, url, status=503)["error"]  # never an answer from the deleted index
    assert "The archive is not indexed yet" in page(client, "/?q=walrus", status=503)
    reindex(write_articles(tmp_path / "new", "narwhal"), index_dir)
    assert api(client, "/api/search?q=narwhal")["total"] == 1 and api(client, "/api/search?q=walrus")["total"] == 0
    reindex(write_articles(tmp_path / "other", "beluga"), tmp_path / "other-index")
    shutil.rmtree(index_dir)
    (tmp_path / "other-index").rename(index_dir)  # replaced by another folder
    assert api(client, "/api/search?q=beluga")["total"] == 1 and api(client, "/api/search?q=narwhal")["total"] == 0


def test_search_index_close_releases_its_files_and_reopens_on_use(tmp_path: Path) -> None:
    reindex(write_articles(tmp_path / "archive", "walrus"), tmp_path / "index")
    with SearchIndex(tmp_path / "index") as index:
        searcher = index.engine.searcher()
    assert searcher.is_closed
    assert index.engine.searcher() is not searcher and not index.engine.searcher().is_closed
    index.close()


def test_a_server_worker_closes_the_index_when_it_exits(tmp_path: Path) -> None:
    """gunicorn's worker_exit hook, run as a worker on its way out: the index's files close, and open again on use."""
    reindex(write_articles(tmp_path / "archive", "walrus"), tmp_path / "index")
    app = create_app(tmp_path / "index")
    assert api(app.test_client(), "/api/search?q=walrus")["total"] == 1
    searcher = app_index(app).get().engine.searcher()  # the one the request opened: the test client runs it in this thread
    _Gunicorn(app).cfg.worker_exit(None, None)
    assert searcher.is_closed
    assert api(app.test_client(), "/api/search?q=walrus")["total"] == 1


def test_a_server_worker_warms_its_index_as_it_starts_and_starts_without_one(tmp_path: Path) -> None:
    """gunicorn's post_worker_init hook, run in each worker as it starts: it warms the index in a
    thread; with no index yet it gives up quietly and the first search says what to do; once
    there is one it opens it."""
    app = create_app(tmp_path / "index")
    warming = _Gunicorn(app).cfg.post_worker_init(None)
    warming.join(timeout=60)
    assert not warming.is_alive() and not app_index(app).warm()
    assert "newssearch reindex" in api(app.test_client(), "/api/search?q=walrus", status=503)["error"]
    reindex(write_articles(tmp_path / "archive", "walrus"), tmp_path / "index")
    assert app_index(app).warm()
    engine = app_index(app).get().engine
    read = doc_values(engine.searcher(), facet_fields(SCHEMA))._version.columns  # type: ignore[attr-defined]
    assert "timestamp" in read and any(key[0] == "facets" for key in read._values if isinstance(key, tuple))  # columns read once, here
    assert api(app.test_client(), "/api/search?q=walrus")["total"] == 1


@contextmanager
def taken(client: FlaskClient, lane: str) -> Iterator[None]:
    """Every search slot of one lane of this process taken, as by long searches."""
    slots = client.application.extensions["newssearch.slots"][lane]
    for _ in range(SEARCH_SLOTS[lane]):
        assert slots.acquire(timeout=10)
    try:
        yield
    finally:
        for _ in range(SEARCH_SLOTS[lane]):
            slots.release()


def test_a_saturated_server_answers_503_with_retry_after_at_once(client: FlaskClient) -> None:
    with taken(client, "any"):
        response = client.get("/api/search?q=oil")
        assert response.status_code == 503 and response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "try again" in response.get_json()["error"]
        assert "The server is busy" in page(client, "/?q=oil", status=503)
    for url, status in [("/?q=oil", 200), ("/?page=x", 400), ("/article/nope", 404), ("/api/search?q=oil*", 200)] * 3:
        assert client.get(url).status_code == status  # every answer, error or not, gave its slots back


def test_heavy_searches_wait_for_their_own_slot_and_leave_the_rest_to_everyday_ones(client: FlaskClient) -> None:
    with taken(client, "heavy"):
        heavy = ("/api/search?q=oil*", "/api/search?q=date:[1987-01-01+TO+1987-02-01]", "/api/search?q=oil&page=20", "/api/export.csv?q=oil")
        for url in heavy:
            assert client.get(url).status_code == 503, url
        assert api(client, "/api/search?q=oil")["total"] > 0
        assert api(client, "/api/search?q=oil&page=10")["page"] == 10


def test_links_use_the_configured_base_url_whatever_the_host_header(sample_index: SearchIndex) -> None:
    client = create_app(sample_index.index_dir, base_url="https://news.example.org/archive/").test_client()
    headers = {"Host": "evil.example"}
    description = ET.fromstring(client.get("/opensearch.xml", headers=headers).data)
    templates = [url.get("template") for url in description.findall(f"{OPENSEARCH}Url")]
    assert templates[0] == "https://news.example.org/archive/?q={searchTerms}"
    assert all(t.startswith("https://news.example.org/archive/") for t in templates)
    feed = ET.fromstring(client.get("/search.atom?q=oil", headers=headers).data)
    urls = [feed.findtext(f"{ATOM}id"), *(link.get("href") for link in feed.iter(f"{ATOM}link")), *(e.text for e in feed.iter(f"{ATOM}id"))]
    assert len(urls) > 20 and all(url.startswith("https://news.example.org/archive/") for url in urls), urls


@pytest.mark.parametrize(
    ("host", "base"),
    [
        ("news.example.org:8080", "http://news.example.org:8080"),
        ("[::1]:5000", "http://[::1]:5000"),
        ('evil.example/"><x y="', "http://localhost"),
        ("evil.example:5000:1", "http://localhost"),
        ("evil.example:port", "http://localhost"),
        ("ev il.example", "http://localhost"),
        ("evil.example@other", "http://localhost"),
    ],
)
def test_without_a_base_url_only_a_valid_host_header_is_used(client: FlaskClient, host: str, base: str) -> None:
    description = ET.fromstring(client.get("/opensearch.xml", headers={"Host": host}).data)
    templates = [url.get("template") for url in description.findall(f"{OPENSEARCH}Url")]
    assert templates[0] == f"{base}/?q={{searchTerms}}" and all(t.startswith(f"{base}/") for t in templates), templates
    feed = ET.fromstring(client.get("/search.atom?q=oil", headers={"Host": host}).data)
    assert feed.findtext(f"{ATOM}id") == f"{base}/search.atom?q=oil"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "news.example.org", "https://news.example.org/?x=1", 'https://a"b.example', 'https://x.org/a"b', "ftp://x.org"]
)
def test_a_bad_base_url_is_refused_in_one_line(tmp_path: Path, url: str) -> None:
    with pytest.raises(NewssearchError, match="the base URL must be http"):
        create_app(tmp_path, base_url=url)


# Feeds, OpenSearch, headers, static files ------------------------------------------------------


@on_each_engine("client")
def test_atom_feed_lists_the_newest_matches_as_valid_xml(client: FlaskClient) -> None:
    response = client.get("/search.atom?q=oil&source=Reuters&sort=relevance")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}title") == "newssearch: oil"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 20
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert updated == sorted(updated, reverse=True)  # newest first, whatever the sort parameter says
    first = entries[0]
    link = first.find(f"{ATOM}link").get("href")
    assert link == first.findtext(f"{ATOM}id") and link.startswith("http://localhost/article/reuters-")
    assert page(client, urlsplit(link).path)
    assert all(datetime.fromisoformat(u.replace("Z", "+00:00")) for u in updated)


def test_opensearch_description_parses_and_every_page_links_it(client: FlaskClient) -> None:
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    description = ET.fromstring(response.data)
    assert description.findtext(f"{OPENSEARCH}ShortName") == "newssearch"
    templates = {url.get("type"): url.get("template") for url in description.findall(f"{OPENSEARCH}Url")}
    assert templates["text/html"] == "http://localhost/?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"
    head = '<link rel="search" type="application/opensearchdescription+xml" title="newssearch" href="/opensearch.xml">'
    for url, status in (("/", 200), (f"/article/{SEED_ID}", 200), ("/?page=x", 400), ("/article/nope", 404)):
        assert head in page(client, url, status)


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ("/", "/api/search?q=oil", f"/article/{SEED_ID}", "/article/nope", "/?page=x", "/static/style.css", "/search.atom"):
        with client.get(url) as response:
            headers = response.headers
        assert headers["Content-Security-Policy"] == CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self';" in CSP and "unsafe-inline" not in CSP


def test_static_files_are_served_locally_fingerprinted_and_immutable(client: FlaskClient) -> None:
    text = page(client, "/")
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', text)
    names = {re.sub(r"^/assets/[0-9a-f]{12}/", "", asset) for asset in assets}
    assert {"style.css", "app.js", "favicon.svg"} <= names and "/static/" not in text
    static = Path(client.application.static_folder or "")
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.get_data() == (static / asset.rsplit("/", 1)[1]).read_bytes()
        digest = asset.split("/")[2]
        assert digest == hashlib.sha256(response.get_data()).hexdigest()[:12]  # the URL changes with the content
        stale = asset.replace(digest, "0" * 12)
        with client.get(stale) as response:  # an old fingerprint is sent to the current one, never cached
            assert response.status_code == 302 and response.headers["Location"].endswith(asset)
            assert "immutable" not in response.headers.get("Cache-Control", "")
    with client.get("/assets/000000000000/../../app.py") as response:
        assert response.status_code == 404
    with client.get("/") as response:
        assert "immutable" not in response.headers.get("Cache-Control", "")  # pages stay fresh
    assert not re.search(r'(?:href|src)="(?:https?:)?//', text)  # no CDN
    assert "<style" not in text and " style=" not in text  # CSP: no inline styles


# Hostile content ----------------------------------------------------------------------------

ALLOWED_ELEMENTS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "header", "div", "span", "form", "label",
    "input", "button", "p", "kbd", "main", "footer", "section", "h1", "h2", "h3", "ul", "ol", "li", "nav", "time",
    "mark", "aside", "figure", "figcaption", "svg", "line", "rect", "code", "pre", "article", "details", "summary",
}  # fmt: skip


class _Inspector(HTMLParser):
    """Collects anything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.search_box: str | None = None  # what the search box holds, as the browser reads it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("id") == "q":
            self.search_box = attributes.get("value")
        if tag not in ALLOWED_ELEMENTS:
            self.problems.append(f"element <{tag}>")
        if tag == "script" and not OUR_SCRIPT.fullmatch(f"{self.get_starttag_text()}</script>"):
            self.problems.append(f"script {attrs}")
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in ("href", "src", "action", "formaction") and url.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")


def assert_inert(text: str) -> _Inspector:
    inspector = _Inspector()
    inspector.feed(text)
    assert inspector.problems == []
    assert "<script" not in OUR_SCRIPT.sub("", text)
    assert not re.search(r'<a\s[^>]*href="\s*javascript:', text, re.IGNORECASE)
    return inspector


def test_hostile_articles_render_as_inert_text(hostile_client: FlaskClient) -> None:
    results = page(hostile_client, "/?q=xsscanary&page-size=20")
    assert_inert(results)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;Hostile headline" in results
    assert "Evil Source" in results
    articles = [href for href in links(results) if href.startswith("/article/")]
    assert len(articles) == len(HOSTILE_RECORDS)
    for href in articles:
        assert_inert(page(hostile_client, href))
    article = page(hostile_client, "/article/hostile-1?q=xsscanary")
    assert "<mark>xsscanary</mark>" in article
    assert "&lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in article or '&lt;img src=x onerror="window.__xss=1"&gt;' in article
    assert "&lt;svg onload=" in article and "Mallory" in article
    assert_inert(page(hostile_client, "/?q=xsscanary&source=" + quote(HOSTILE_RECORDS[0]["source"])))


def test_links_from_article_data_are_only_http(hostile_client: FlaskClient) -> None:
    for number in range(1, 6):
        text = page(hostile_client, f"/article/hostile-{number}")
        assert "Original address (not a web link)" in text
        assert "Original article at" not in text
    text = page(hostile_client, headline_link(page(hostile_client, "/?q=xsscanary&page-size=20"), "Safe link xsscanary"))
    assert f'<a href="{html.escape(SAFE_URL)}" rel="noopener noreferrer nofollow">Original article at example.com</a>' in text


def test_hostile_feed_and_api_stay_well_formed(hostile_client: FlaskClient) -> None:
    feed = ET.fromstring(hostile_client.get("/search.atom?q=xsscanary").data)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert f'<script>{XSS}</script>Hostile headline <img src=x onerror="{XSS}">' in titles
    response = hostile_client.get("/api/article/hostile-1")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.mimetype == "application/json"


@pytest.mark.parametrize("hostile", HOSTILE_QUERIES)
def test_hostile_queries_are_reflected_as_text(hostile_client: FlaskClient, hostile: str) -> None:
    for url in (f"/?q={quote(hostile)}", f"/article/hostile-1?q={quote(hostile)}", f"/?q={quote(hostile)}&page=x"):
        response = hostile_client.get(url)
        assert response.status_code in (200, 400)
        assert assert_inert(response.get_data(as_text=True)).search_box == hostile  # shown as typed, as data


# Never a 500 ------------------------------------------------------------------------------------

_PARAMS = st.sampled_from(["q", "page", "page-size", "sort", "source", "year", "month", "tag", "from-date", "to-date"])
_VALUES = st.one_of(st.text(max_size=30), st.from_regex(r"-?\d{1,5}(-\d\d){0,2}", fullmatch=True))  # also near-dates


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_PARAMS, _VALUES), max_size=5))
def test_no_parameters_cause_a_server_error(client: FlaskClient, params: list[tuple[str, str]]) -> None:
    for path in ("/", "/api/search", "/search.atom"):
        response = client.get(path, query_string=params)
        assert response.status_code in (200, 400), (path, params, response.get_data(as_text=True)[:500])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_no_article_id_causes_a_server_error(client: FlaskClient, article_id: str) -> None:
    for path in ("/article/", "/api/article/"):
        response = client.get(path + quote(article_id, safe=""))
        assert response.status_code in (200, 404, 308), (article_id, response.status_code)


# Helpers ------------------------------------------------------------------------------------


def test_page_numbers_show_ends_and_neighbours() -> None:
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 6) == [1, 2, 3, None, 6]
    assert page_numbers(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert page_numbers(4, 6) == [1, 2, 3, 4, 5, 6]


def test_timeline_chart_scales_to_the_tallest_bar() -> None:
    bars = timeline_chart([TimelineBar("1987-02", 10), TimelineBar("1987-03", 0), TimelineBar("1987-04", 40)])
    assert [(b.height, b.y, b.unit) for b in bars] == [(30.0, 90.0, "month"), (0.0, 120.0, "month"), (120.0, 0.0, "month")]
    assert bars[0].x < bars[1].x < bars[2].x and timeline_chart([]) == []
    assert [(b.unit, b.start.isoformat(), b.end.isoformat()) for b in timeline_chart([TimelineBar("1987", 1), TimelineBar("1988-02", 1)])] == [
        ("year", "1987-01-01", "1987-12-31"), ("month", "1988-02-01", "1988-02-29"),
    ]  # fmt: skip
    [week, day] = timeline_chart([TimelineBar("1987-W10", 1), TimelineBar("1987-03-09", 1)])
    assert (week.unit, week.start.isoformat(), week.end.isoformat(), day.unit) == ("week", "1987-03-02", "1987-03-08", "day")
    assert [period(p) for p in ("1987", "1987-03", "1987-W10", "1987-03-09")] == ["1987", "March 1987", "week of 2 March 1987", "9 March 1987"]


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.com/a", "https://example.com/a"),
        (" http://example.com ", "http://example.com"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,x", None),
        ("https:javascript:alert(1)", None),
        ("//example.com/a", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_http_url_allows_only_web_links(url: str, link: str | None) -> None:
    assert http_url(url) == link


# The full Reuters collection ------------------------------------------------------------------


def test_reuters_timeline_shows_1987_months_and_facets_filter(reuters_index: SearchIndex) -> None:
    client = create_app(reuters_index.index_dir).test_client()
    data = api(client, "/api/search?q=cocoa")
    periods = [bar["period"] for bar in data["timeline"]]
    assert periods[0].startswith("1987-") and periods[-1].startswith("1987-") and "1987-03" in periods
    text = page(client, "/?q=cocoa")
    bars = links(text[text.index('<svg class="timeline-chart"') : text.index("</svg>")])
    assert [query(href)["month"][0] for href in bars] == [bar["period"] for bar in data["timeline"] if bar["count"]]
    [(value, href, count)] = [link for link in facet_links(text, "topic") if link[0] == "Cocoa"]
    filtered = api(client, "/api" + href.replace("/?", "/search?") + "&page-size=100")
    assert filtered["total"] == count and all("topic:cocoa" in hit["tags"] for hit in filtered["hits"])
    march = api(client, "/api/search?q=cocoa&month=1987-03&page-size=100")
    assert march["total"] == dict((b["period"], b["count"]) for b in data["timeline"])["1987-03"]
    assert all(hit["date"].startswith("1987-03") for hit in march["hits"])


def test_near_duplicates_fold_and_recency_toggle(tmp_path: Path) -> None:
    """Two copies of one story show as one hit with '1 similar' that expands to the other."""
    title, paragraphs = bbc_article("business/254")
    archive = tmp_path / "archive"
    archive.mkdir()
    records = [
        {"id": "copy-1", "title": title, "body": "\n\n".join(paragraphs), "source": "Wire"},
        {"id": "copy-2", "title": "Updated: " + title, "body": "\n\n".join(paragraphs), "source": "Wire"},
        {"id": "other", "title": "Games firms face tough future", "body": "Video games firms warn of a tough year.", "source": "Wire"},
    ]
    (archive / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    reindex(archive, tmp_path / "index")
    client = create_app(tmp_path / "index").test_client()
    folded = page(client, "/?q=video+games")
    assert folded.count('class="hit"') == 2 and "1 similar article" in folded and "<details" in folded
    assert folded.count("/article/copy-") == 2  # the lead and, inside the details, its copy
    unfolded = page(client, "/?q=video+games&fold=0")
    assert unfolded.count('class="hit"') == 3 and "similar article" not in unfolded
    data = api(client, "/api/search?q=video+games")
    assert [len(hit["similar"]) for hit in data["hits"]] == [1, 0]
    toggled = page(client, "/?q=video+games&recency=1")
    assert 'aria-checked="true"' in toggled
    switch_off = html.unescape(re.search(r'class="toggle" href="([^"]+)"', toggled)[1])
    assert "recency" not in switch_off and "q=video+games" in switch_off
