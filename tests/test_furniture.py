"""Site furniture is cut, article text never: on pages built in the test and on the real BBC archive."""

from __future__ import annotations

import csv
import gzip
import json
import tarfile
from pathlib import Path

import helpers
import pytest
from click.testing import CliRunner
from helpers import BBC_TAR, REUTERS, bbc_article
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from whoosh.analysis import STOP_WORDS

from newssearch import SearchIndex, SearchRequest, get_article, reindex, search
from newssearch.cli import main
from newssearch.engine.whoosh.analysis import TOKEN_PATTERN
from newssearch.indexer import ReindexReport

FOOTER = "Copyright 2005 The Daily Example. All rights reserved. Sign up for our newsletter."


def ids(index: SearchIndex, text: str) -> set[str]:
    return {hit.id for hit in search(index, SearchRequest(text, page_size=100, fold=False)).hits}


def phrase(text: str, words: int = 12) -> str:
    """The first words of a text as a quoted phrase query."""
    return '"' + " ".join(TOKEN_PATTERN.findall(text)[:words]) + '"'


def site_page(headline: str, paragraphs: list[str]) -> str:
    """A page saved from one site: the article, the site's copyright line, its metadata."""
    return "\n\n".join([headline, *paragraphs, FOOTER]) + "\n\nsource: The Daily Example\n"


def test_repeated_article_text_stays_and_the_template_goes(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    _, background = bbc_article("politics/020")
    for n in range(1, 11):  # ten stories, four of them repeating a background paragraph between their own
        headline, paragraphs = bbc_article(f"politics/{n:03d}")
        if n <= 4:
            paragraphs = [*paragraphs[:2], background[1], *paragraphs[2:]]
        (archive / f"story-{n:02d}.txt").write_text(site_page(headline, paragraphs), encoding="utf-8")
    headline, paragraphs = bbc_article("tech/005")
    for copy in ("a", "b", "c"):  # one story saved three times: its own lines on 3 pages are still its own
        (archive / f"copy-{copy}.txt").write_text(site_page(headline, [*paragraphs, background[2]]), encoding="utf-8")
    (archive / "brief.txt").write_text(site_page("Storm closes port", ["The port closed at noon.", "Ferries wait."]), encoding="utf-8")
    report = reindex(archive, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")

    assert ids(index, '"all rights reserved"') == {"brief.txt"}  # the template, where it is most of the page
    assert (report.furniture_blocks, report.furniture_lines) == (1, 13)
    assert ids(index, phrase(background[1])) == {f"story-{n:02d}.txt" for n in range(1, 5)}
    assert ids(index, phrase(background[2])) == {"copy-a.txt", "copy-b.txt", "copy-c.txt"}
    assert get_article(index, "story-01.txt").body.endswith(bbc_article("politics/001")[1][-1])

    listing = CliRunner().invoke(main, ["furniture", "--index", str(tmp_path / "index"), "--json"])
    assert listing.exit_code == 0, listing.output
    [entry] = json.loads(listing.output)
    assert entry["line"] == FOOTER and len(entry["pages"]) == 13 and "brief.txt" not in entry["pages"]
    text = CliRunner().invoke(main, ["furniture", "--index", str(tmp_path / "index")]).output
    assert FOOTER in text and "left out of 13 pages" in text and "    story-10.txt" in text


def test_pages_that_open_alike_are_still_different_pages(tmp_path: Path) -> None:
    """Pages count once per story (headline and first line): a share bar opening every page does not make them one."""
    archive = tmp_path / "archive"
    archive.mkdir()
    share = "Share this article on Facebook, Twitter or by email"
    for n in range(1, 6):
        headline, paragraphs = bbc_article(f"sport/{n:03d}")
        (archive / f"match-{n}.txt").write_text(site_page(headline, [share, *paragraphs]), encoding="utf-8")
    report = reindex(archive, tmp_path / "index")
    assert (report.furniture_blocks, report.furniture_lines) == (1, 5)
    assert ids(SearchIndex(tmp_path / "index"), '"all rights reserved"') == set()


@pytest.fixture(scope="module")
def archive_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReindexReport, SearchIndex]:
    """Real articles in every format: three BBC sections as saved text pages, BBC stories as HTML
    pages and exports (JSONL, JSON, CSV), and one Reuters SGML file."""
    base = tmp_path_factory.mktemp("every-reader")
    archive = base / "archive"
    with tarfile.open(BBC_TAR) as tar:
        members = [m for m in tar.getmembers() if m.name.split("/")[1:2] in (["politics"], ["sport"], ["tech"])]
        tar.extractall(archive, members=members, filter="data")
    stories = [bbc_article(f"business/{n:03d}") for n in range(1, 61)]
    for n, (headline, paragraphs) in enumerate(stories[:15]):
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        (archive / f"page-{n}.html").write_text(
            f'<!doctype html><html><head><title>{headline} | BBC News</title><meta property="og:site_name" content="BBC News">'
            f"</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>{headline}</h1>{body}</article>"
            "<footer><p>Copyright BBC. Read about our approach to external linking.</p></footer></body></html>",
            encoding="utf-8",
        )
    records = [{"id": f"export-{n}", "title": h, "body": "\n\n".join(p), "source": "BBC"} for n, (h, p) in enumerate(stories[15:])]
    (archive / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[:15]), encoding="utf-8")
    (archive / "export.json").write_text(json.dumps(records[15:30]), encoding="utf-8")
    with open(archive / "export.csv", "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records[30:])
    (archive / "reut2-000.sgm").write_bytes(gzip.decompress((REUTERS / "reut2-000.sgm.gz").read_bytes()))
    report = reindex(archive, base / "index")
    return report, SearchIndex(base / "index")


# Lines that recur in related BBC stories (readers' comments, a squad list, ballot figures,
# a columnist's note), which the rule of "5+ words on 3+ pages" used to cut from each of them.
RECURRING = [
    ("I would keep Gerrard. No amount of money could replace", ["sport/bbc/112", "sport/bbc/118", "sport/bbc/121"]),
    ("R Russell, B Douglas, N Hines, J Dunbar, M Blair", ["sport/bbc/311", "sport/bbc/322", "sport/bbc/407"]),
    ("Unison's 800,000 workers, the Transport and General Workers' Union's 70,000", ["politics/bbc/069", "politics/bbc/311", "politics/bbc/312"]),
    ("Bill Thompson is a regular commentator on the BBC World Service", ["tech/bbc/164", "tech/bbc/184", "tech/bbc/187", "tech/bbc/198"]),
]


def test_no_bbc_article_text_is_taken_for_furniture(archive_index: tuple[ReindexReport, SearchIndex]) -> None:
    report, index = archive_index
    assert report.furniture_lines == 0
    for text, pages in RECURRING:
        expected = {"bbc/{0}/{2}.txt".format(*page.split("/")) for page in pages}
        assert expected <= ids(index, f'"{text}"'), text


@pytest.fixture(scope="module")
def stored_articles(archive_index: tuple[ReindexReport, SearchIndex]) -> dict[str, list[tuple[str, str]]]:
    """(id, body) of the stored articles with six words or more, by the reader that read them."""
    kinds: dict[str, list[tuple[str, str]]] = {}
    for doc in helpers.stored_articles(archive_index[1].index_dir).values():
        suffix = doc["path"].rsplit(".", 1)[-1]
        kind = {"jsonl": "export", "json": "export", "csv": "export"}.get(suffix, suffix)
        if len(TOKEN_PATTERN.findall(doc["body"])) >= 6:
            kinds.setdefault(kind, []).append((doc["id"], doc["body"]))
    return {kind: sorted(articles) for kind, articles in kinds.items()}


@pytest.mark.parametrize("kind", ["txt", "html", "export", "sgm"])
@settings(max_examples=100, deadline=None, derandomize=True)
@given(data=st.data())
def test_six_words_of_a_stored_article_found_as_a_phrase_find_it(
    archive_index: tuple[ReindexReport, SearchIndex], stored_articles: dict[str, list[tuple[str, str]]], kind: str, data: st.DataObject
) -> None:
    _, index = archive_index
    article_id, body = data.draw(st.sampled_from(stored_articles[kind]), label="article")
    words = TOKEN_PATTERN.findall(body)
    start = data.draw(st.integers(0, len(words) - 6), label="start")
    span = words[start : start + 6]
    assume(any(len(word) > 1 and word.lower() not in STOP_WORDS for word in span))  # a phrase a user would search
    assert article_id in ids(index, '"' + " ".join(span) + '"')


SPORT = [bbc_article(f"sport/{n:03d}") for n in range(20, 28)]
TEASERS = [bbc_article(f"tech/{n:03d}") for n in (1, 2)]


def page_text(n: int, state: int) -> str:
    """Page ``n`` of one site: 1 the bare article, 2 with the copyright line, 3 with teasers too."""
    headline, paragraphs = SPORT[n]
    boxes = [line for title, lead in TEASERS for line in ("Read more:", title, lead[0])] if state == 3 else []
    return "\n\n".join([headline, *paragraphs, *boxes, *([FOOTER] if state >= 2 else [])]) + "\n\nsource: The Daily Example\n"


def stored(index_dir: Path) -> dict[str, tuple[str, str]]:
    return {doc["id"]: (doc["title"], doc["body"]) for doc in helpers.stored_articles(index_dir).values()}


@settings(max_examples=6, deadline=None, derandomize=True)
@given(steps=st.lists(st.tuples(st.integers(0, len(SPORT) - 1), st.integers(0, 3)), min_size=1, max_size=5))
@example(steps=[(0, 0), (1, 0)])  # the copyright line drops to two pages: no longer furniture on the two unchanged ones
@example(steps=[(0, 3), (1, 3), (2, 3)])  # teasers reach a third page: furniture on the two unchanged ones too
def test_incremental_furniture_equals_full(tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[int, int]]) -> None:
    """Whether a line is furniture depends on every page of the site: an incremental reindex still equals a full one."""
    base = tmp_path_factory.mktemp("steps")
    archive = base / "archive"
    archive.mkdir()
    states = {n: 2 for n in range(4)}  # four pages with the copyright line to start with
    for n, state in states.items():
        (archive / f"p{n}.txt").write_text(page_text(n, state), encoding="utf-8")
    reindex(archive, base / "index")
    for n, state in steps:  # state 0: the page is deleted
        if states.get(n, 0) == state:
            continue
        path = archive / f"p{n}.txt"
        path.unlink(missing_ok=True) if state == 0 else path.write_text(page_text(n, state), encoding="utf-8")
        states[n] = state
        if not any(states.values()):
            return
        incremental = reindex(archive, base / "index")
        full = reindex(archive, base / "full", full=True)
        assert stored(base / "index") == stored(base / "full")
        assert (incremental.furniture_blocks, incremental.furniture_lines) == (full.furniture_blocks, full.furniture_lines)
