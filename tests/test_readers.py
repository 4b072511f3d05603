"""Readers turn real archive files into article records; bad input becomes problems, not crashes."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from helpers import REUTERS, SEED, bbc_article

from newssearch import read_file


def read(path: Path, relpath: str | None = None):
    return read_file(str(path), relpath or path.name)


def test_seed_page_headline_body_and_metadata() -> None:
    result = read(SEED)
    assert result.problems == []
    [article] = result.articles
    assert article.title == "Blinken and Lavrov meet in India for first time since full-scale Ukraine invasion"
    assert article.body.startswith("Yesterday, on Thursday (2 March) the US Secretary of State Antony Blinken")
    assert article.body.endswith("The fully-fledged G20 summit takes place in New Delhi on 9-10 September 2023.")
    assert article.source == "commonspace.eu with agencies"
    assert article.date is None  # the page states no date, and its file name has none
    assert article.id == SEED.name


def test_seed_page_furniture_and_metadata_lines_are_not_body() -> None:
    [article] = read(SEED).articles
    for furniture in ("Ramadan", "Related articles", "Editor's choice", "Borrell", "patrickn97", "Popular"):
        assert furniture not in article.body
    assert "source:" not in article.body and "photo:" not in article.body and "TASS" not in article.body


def test_text_page_date_from_date_line_or_file_name(tmp_path: Path) -> None:
    page = SEED.read_text(encoding="utf-8")
    named = tmp_path / "2023-03-03-blinken.txt"
    named.write_text(page, encoding="utf-8")
    assert read(named).articles[0].date == datetime(2023, 3, 3)
    dated = tmp_path / "blinken.txt"
    dated.write_text(page.replace("source:", "date: 2 March 2023\nauthor: Staff\nsource:", 1), encoding="utf-8")
    [article] = read(dated).articles
    assert (article.date, article.author) == (datetime(2023, 3, 2), "Staff")
    ambiguous = tmp_path / "2023-03-blinken.txt"  # a month is not a full date
    ambiguous.write_text(page, encoding="utf-8")
    assert read(ambiguous).articles[0].date is None


def test_unrecognised_date_line_is_reported_and_left_unknown(tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_text("Headline\n\nBody text.\ndate: sometime last week\n", encoding="utf-8")
    result = read(page)
    assert result.articles[0].date is None
    assert [p.skipped for p in result.problems] == [False]
    assert "unrecognised date" in result.problems[0].reason


def test_reuters_records_with_dates_titles_tags() -> None:
    result = read(REUTERS / "reut2-000.sgm.gz")
    assert len(result.articles) == 1000
    first = result.articles[0]
    assert (first.id, first.title, first.source) == ("reuters-1", "BAHIA COCOA REVIEW", "Reuters")
    assert first.date == datetime(1987, 2, 26, 15, 1, 1)
    assert first.tags == ("topic:cocoa", "place:el-salvador", "place:usa", "place:uruguay")
    assert first.body.startswith("SALVADOR, Feb 26 - Showers continued throughout the week")
    assert "&#" not in first.body and "\x03" not in first.body


def test_reuters_records_without_body_keep_their_title() -> None:
    articles = {a.id: a for a in read(REUTERS / "reut2-000.sgm.gz").articles}
    brief = articles["reuters-30"]  # <TEXT TYPE="BRIEF">: a headline and "Blah blah blah."
    assert brief.title == "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK"
    assert brief.body == ""
    unprocessed = articles["reuters-99"]  # <TEXT TYPE="UNPROC">: no TITLE or BODY elements
    assert (unprocessed.title, unprocessed.display_title) == ("", "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26")
    assert "Net free reserves" in unprocessed.body


def test_reuters_record_without_end_tag_ends_where_the_next_one_starts(tmp_path: Path) -> None:
    text = gzip.open(REUTERS / "reut2-000.sgm.gz").read().decode("utf-8")
    first_three = text[: text.index('<REUTERS TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5547" NEWID="4">')]
    broken = tmp_path / "broken.sgm"
    broken.write_text(first_three.replace("</REUTERS>", "", 1), encoding="utf-8")  # record 1 loses its end tag
    intact = {a.id: a for a in read(REUTERS / "reut2-000.sgm.gz").articles}
    result = read(broken)
    assert [a.id for a in result.articles] == ["reuters-1", "reuters-2", "reuters-3"]
    for article in result.articles:  # each record as itself: record 2 is not inside record 1
        assert article == replace(intact[article.id], path="broken.sgm")
    [problem] = result.problems
    assert (problem.location, problem.skipped) == ("line 2", False)
    assert "without its </REUTERS> end tag" in problem.reason


def test_reuters_non_utf8_byte_is_a_warning_not_a_loss() -> None:
    result = read(REUTERS / "reut2-017.sgm.gz")
    assert len(result.articles) == 1000
    [warning] = [p for p in result.problems if "UTF-8" in p.reason]
    assert not warning.skipped and warning.location.startswith("line ")
    assert "growth." in next(a for a in result.articles if a.id == "reuters-17980").body


def test_no_reader_invents_a_headline(tmp_path: Path) -> None:
    """An article without a headline has an empty title; only the display shows its opening words."""
    _, paragraphs = bbc_article("tech/010")
    body = "\n\n".join(paragraphs)
    (tmp_path / "export.jsonl").write_text(json.dumps({"id": "j", "body": body}) + "\n", encoding="utf-8")
    (tmp_path / "export.json").write_text(json.dumps([{"id": "k", "text": body}]), encoding="utf-8")
    with open(tmp_path / "export.csv", "w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([("id", "content"), ("c", body)])
    html_body = "".join(f"<p>{p}</p>" for p in paragraphs)
    (tmp_path / "page.html").write_text(f"<!doctype html><html><head></head><body><article>{html_body}</article></body></html>", encoding="utf-8")
    for name in ("export.jsonl", "export.json", "export.csv", "page.html"):
        [article] = read(tmp_path / name).articles
        assert article.title == "", name
        shown = article.display_title
        assert shown.endswith("…") and len(shown) <= 81 and paragraphs[0].startswith(shown.removesuffix("…")), (name, shown)
    short = tmp_path / "short.jsonl"
    short.write_text(json.dumps({"body": "Storm closes the port.\n\nMore later."}) + "\n", encoding="utf-8")
    assert read(short).articles[0].display_title == "Storm closes the port."


def test_html_page_yields_article_text_and_metadata_only(tmp_path: Path) -> None:
    title, paragraphs = bbc_article("politics/004")
    page = tmp_path / "story.html"
    page.write_text(
        f"""<!doctype html><html><head><title>{title} | BBC News</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="BBC News">
<meta name="author" content="Political reporter"><link rel="canonical" href="https://news.example/politics/4">
<meta property="article:published_time" content="2005-02-14T09:30:00Z"><meta property="article:section" content="Politics">
<meta name="keywords" content="election, labour"><script>var tracking = "TRACKER-SCRIPT";</script></head>
<body><nav><ul><li><a href="/">Home NAVLINK</a></li><li><a href="/sport">Sport NAVLINK</a></li></ul></nav>
<div id="cookie-banner">We use cookies COOKIEBANNER. <button>Accept</button></div>
<main><article><h1>{title}</h1><time datetime="2005-02-14">14 February 2005</time>
{"".join(f"<p>{p}</p>" for p in paragraphs)}</article>
<aside class="related"><h2>Related articles</h2><ul><li><a href="/x">RELATEDTEASER about something else</a></li></ul></aside>
<section class="comments"><h3>Comments</h3><p>COMMENTTEXT first!</p></section></main>
<footer><p>Copyright BBC FOOTERTEXT. All rights reserved.</p></footer></body></html>""",
        encoding="utf-8",
    )
    [article] = read(page).articles
    assert article.title == title
    assert (article.url, article.source) == ("https://news.example/politics/4", "BBC News")
    assert article.date is not None and article.date.date().isoformat() == "2005-02-14"
    assert article.author == "Political reporter"
    assert paragraphs[0] in article.body and paragraphs[-1] in article.body
    for furniture in ("NAVLINK", "COOKIEBANNER", "RELATEDTEASER", "COMMENTTEXT", "FOOTERTEXT", "TRACKER-SCRIPT"):
        assert furniture not in article.body


def test_exports_keep_their_own_ids(tmp_path: Path) -> None:
    records = [
        {"id": "cms-1", "title": "One", "text": "First body", "published": "2023-03-01T10:00:00+01:00", "tags": ["a", "b"]},
        {"url": "https://x.example/2", "title": "Two", "content": "Second body", "tags": "c, d"},
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    (tmp_path / "a.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "a.csv").write_text("id,title,body,date,source\ncms-1,One,\"First, body\",2023-03-01,Wire\n,Three,Body,,\n", encoding="utf-8")
    jsonl = read(tmp_path / "a.jsonl").articles
    assert [a.id for a in jsonl] == ["cms-1", "https://x.example/2"]
    assert jsonl[0].date == datetime(2023, 3, 1, 9, 0)  # normalised to UTC
    assert jsonl[0].tags == ("a", "b") and jsonl[1].tags == ("c", "d") and jsonl[1].body == "Second body"
    assert [a.id for a in read(tmp_path / "a.json").articles] == ["cms-1", "https://x.example/2"]
    csv_articles = read(tmp_path / "a.csv").articles
    assert [a.id for a in csv_articles] == ["cms-1", "a.csv#2"]
    assert (csv_articles[0].body, csv_articles[0].source) == ("First, body", "Wire")


def test_malformed_records_are_reported_with_their_line(tmp_path: Path) -> None:
    lines = ['{"id": "ok-1", "title": "Good", "body": "fine"}', '{"id": "bad", "title": ', '{"id": "empty"}', '["x"]']
    (tmp_path / "e.jsonl").write_text("\n".join(lines), encoding="utf-8")
    result = read(tmp_path / "e.jsonl")
    assert [a.id for a in result.articles] == ["ok-1"]
    assert [p.location for p in result.problems] == ["line 2", "line 3", "line 4"]
    assert all(p.skipped for p in result.problems)


def test_bad_files_become_problems(tmp_path: Path) -> None:
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"title": "x", "body": "y"}\n' * 100)[:60])
    (tmp_path / "broken.json").write_text('[{"title": "x"', encoding="utf-8")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    reasons = {name: read(tmp_path / name).problems[0].reason for name in
               ("binary.txt", "empty.txt", "cut.jsonl.gz", "broken.json", "notes.docx")}  # fmt: skip
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "gzip" in reasons["cut.jsonl.gz"]
    assert "malformed JSON at line 1" in reasons["broken.json"]
    assert "unknown file type" in reasons["notes.docx"]


def test_latin1_text_is_read_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "cafe.txt").write_bytes("Café society\n\nThe café in Zürich reopened.\n".encode("latin-1"))
    result = read(tmp_path / "cafe.txt")
    assert result.articles[0].title == "Café society"
    assert result.problems[0].location == "line 1" and not result.problems[0].skipped


SITE_PAGE = """<!doctype html><html><head><title>Council passes the budget</title>{head}</head>
<body><article><h1>Council passes the budget</h1><p>{text}</p></article></body></html>"""
SITE_TEXT = " ".join(["The council voted on the new budget for the coming year after a long debate."] * 3)


def site_page(folder: Path, name: str, head: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(SITE_PAGE.format(head=head, text=SITE_TEXT), encoding="utf-8")
    return name


def test_html_source_is_the_site_name_the_page_gives(tmp_path: Path) -> None:
    heads = {
        "og.html": '<meta property="og:site_name" content="Daily Planet">',
        "app.html": '<meta name="application-name" content="Daily Planet">',
        "ld.html": '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"headline": "Council passes the budget", "publisher": {"@type": "Organization", "name": "Daily Planet"}}</script>',
    }
    for name, head in heads.items():
        site_page(tmp_path, name, head)
        [article] = read(tmp_path / name).articles
        assert article.source == "Daily Planet", name


def test_html_without_a_site_name_takes_the_folder_default_then_the_url_host(tmp_path: Path) -> None:
    canonical = '<link rel="canonical" href="https://www.planet.example/news/1">'
    facebook = '<meta property="article:publisher" content="https://www.facebook.com/dailyplanet">'
    site_page(tmp_path / "loose", "host.html", canonical + facebook)
    site_page(tmp_path / "loose", "none.html", "")
    site_page(tmp_path / "planet", "host.html", canonical)
    site_page(tmp_path / "planet", "named.html", '<meta property="og:site_name" content="The Daily Planet">' + canonical)
    (tmp_path / "planet" / ".newssearch.toml").write_text('source = "Daily Planet"\n', encoding="utf-8")
    paths = ("loose/host.html", "loose/none.html", "planet/host.html", "planet/named.html")
    source = {path: read(tmp_path / path, path).articles[0].source for path in paths}
    assert source == {
        "loose/host.html": "planet.example",  # not the Facebook page, not www.
        "loose/none.html": "",
        "planet/host.html": "Daily Planet",  # the folder's name before the URL's host
        "planet/named.html": "The Daily Planet",  # the page's own name before the folder's
    }


def test_a_page_or_record_gives_its_language_when_it_is_a_language_tag(tmp_path: Path) -> None:
    site_page(tmp_path, "en.html", "")
    (tmp_path / "gb.html").write_text((tmp_path / "en.html").read_text().replace("<html>", '<html class="x" lang="en-GB">'), "utf-8")
    (tmp_path / "bad.html").write_text((tmp_path / "en.html").read_text().replace("<html>", "<html lang='english please'>"), encoding="utf-8")
    assert [read(tmp_path / name).articles[0].language for name in ("en.html", "gb.html", "bad.html")] == ["", "en-GB", ""]
    records = '{"title": "A", "body": "B", "language": "pt-BR"}\n{"title": "C", "body": "D", "language": "Portuguese!"}\n'
    (tmp_path / "a.jsonl").write_text(records, encoding="utf-8")
    result = read(tmp_path / "a.jsonl")
    assert [a.language for a in result.articles] == ["pt-BR", ""]
    [problem] = result.problems
    assert (problem.location, problem.skipped) == ("line 2", False) and "not a language tag" in problem.reason
