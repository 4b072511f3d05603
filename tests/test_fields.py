"""A facet is one line of the table (fields.py): added in a test-only schema, with no other edit,
it is indexed, counted, filtered on and shown by the Python API, the CLI, the JSON API and the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from helpers import write_export

from newssearch import QueryError, SearchIndex, SearchRequest, reindex, search
from newssearch.cli import make_cli
from newssearch.fields import SCHEMA, Facet
from newssearch.web import create_app

SECTION = Facet("section", "Section", "section", lambda article: [article.section] if article.section else [], help="Only articles of this section.")
WITH_SECTION = SCHEMA.with_facet(SECTION)
RECORDS = [
    {"id": "a", "title": "Oil prices rise", "body": "Oil rose on Monday.", "section": "Business", "date": "2023-03-01"},
    {"id": "b", "title": "Oil firms merge", "body": "Two oil firms merged.", "section": "Business", "date": "2023-03-02"},
    {"id": "c", "title": "Oil on the pitch", "body": "A football pitch was soaked in oil.", "section": "Sport", "date": "2023-03-03"},
    {"id": "d", "title": "Oil painting sold", "body": "An oil painting was sold.", "date": "2023-03-04"},
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("fields")
    write_export(base / "archive" / "news.jsonl", RECORDS)
    reindex(base / "archive", base / "index", schema=WITH_SECTION)
    return base / "index"


@pytest.fixture(scope="module")
def index(index_dir: Path) -> Iterator[SearchIndex]:
    with SearchIndex(index_dir, WITH_SECTION) as index:
        yield index


@pytest.fixture(scope="module")
def client(index_dir: Path) -> FlaskClient:
    return create_app(index_dir, schema=WITH_SECTION).test_client()


def test_the_python_api_counts_and_filters_the_facet(index: SearchIndex) -> None:
    result = search(index, SearchRequest("oil", facets=True))
    assert result.facets is not None
    assert [(v.value, v.count) for v in result.facets["section"]] == [("Business", 2), ("Sport", 1)]
    assert {hit.id for hit in search(index, SearchRequest("oil", filters={"section": ("Sport",)})).hits} == {"c"}
    either = search(index, SearchRequest("oil", filters={"section": ("Business", "Sport")}))
    assert either.total == 3


def test_a_filter_on_a_facet_the_schema_lacks_is_a_clear_error(index_dir: Path) -> None:
    with SearchIndex(index_dir) as plain, pytest.raises(QueryError, match="unknown filter 'section'"):
        search(plain, SearchRequest("oil", filters={"section": ("Sport",)}))


def test_the_cli_offers_the_facet_as_an_option_and_prints_it(index_dir: Path) -> None:
    cli = make_cli(WITH_SECTION)
    runner = CliRunner()
    assert "--section" in runner.invoke(cli, ["query", "--help"]).output
    assert "--section" not in runner.invoke(make_cli(SCHEMA), ["query", "--help"]).output
    printed = runner.invoke(cli, ["query", "oil", "--facets", "--index", str(index_dir)])
    assert printed.exit_code == 0 and "Section: Business (2), Sport (1)" in printed.output
    data = json.loads(runner.invoke(cli, ["query", "oil", "--facets", "--json", "--index", str(index_dir)]).output)
    assert data["facets"]["section"] == [{"value": "Business", "count": 2}, {"value": "Sport", "count": 1}]
    filtered = json.loads(runner.invoke(cli, ["query", "oil", "--section", "Sport", "--json", "--index", str(index_dir)]).output)
    assert [hit["id"] for hit in filtered["hits"]] == ["c"]


def test_the_api_counts_and_filters_the_facet(client: FlaskClient) -> None:
    data = client.get("/api/search?q=oil").get_json()
    assert data["facets"]["section"] == [{"value": "Business", "count": 2}, {"value": "Sport", "count": 1}]
    filtered = client.get("/api/search?q=oil&section=Business").get_json()
    assert filtered["total"] == 2 and {hit["id"] for hit in filtered["hits"]} == {"a", "b"}


def test_the_page_shows_the_facet_with_its_label_and_values(client: FlaskClient) -> None:
    page = client.get("/?q=oil").get_data(as_text=True)
    assert ">Section<" in page and "section=Business" in page and "section=Sport" in page
    filtered = client.get("/?q=oil&section=Sport").get_data(as_text=True)
    assert "Oil on the pitch" in filtered and "Oil firms merge" not in filtered
