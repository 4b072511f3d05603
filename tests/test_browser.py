"""The web UI in a real browser: Debian's Chromium, driven by Playwright, against a live server.

These tests never skip: without /usr/bin/chromium they fail and say how to install it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from helpers import HOSTILE_QUERIES, HOSTILE_RECORDS, ROOT, SEED_TITLE, running, write_hostile_archive
from playwright.sync_api import Browser, Page, expect

from newssearch import SearchIndex, reindex
from newssearch.web import create_app

pytestmark = pytest.mark.slow  # a real browser, as the marker says: make test-fast leaves these out
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def site(sample_index: SearchIndex) -> Iterator[str]:
    with running(create_app(sample_index.index_dir)) as url:
        yield url


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("hostile-browser")
    reindex(write_hostile_archive(base / "archive"), base / "index")
    with running(create_app(base / "index")) as url:
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page; the test fails if the browser reports an error (a CSP violation, a script error)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], "the browser reported errors"


def test_typing_a_query_shows_highlighted_results(page: Page, site: str) -> None:
    page.goto(f"{site}/")
    box = page.get_by_label("Search the archive")
    expect(box).to_be_focused()
    box.press_sequentially("START treaty")
    box.press("Enter")
    expect(page).to_have_url(f"{site}/?q=START+treaty")
    first = page.locator(".hit").first
    expect(first.get_by_role("heading")).to_have_text(SEED_TITLE)
    expect(first.locator("mark")).to_have_text(["START", "treaty"])
    expect(page.locator(".facet").first.locator(".count").first).to_have_text(re.compile(r"^\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("results for")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "results.png", full_page=True)


def test_slash_focuses_the_search_box(page: Page, site: str) -> None:
    page.goto(f"{site}/article/reuters-821")
    box = page.get_by_label("Search the archive")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    page.keyboard.type("a/b")  # inside the box "/" is just a character
    expect(box).to_have_value("a/b")


def test_facet_timeline_and_pages_filter_and_keep_filters(page: Page, site: str) -> None:
    page.goto(f"{site}/?q=oil")
    page.locator('.facet a[data-facet="source"]', has_text="Reuters").click()
    expect(page).to_have_url(f"{site}/?q=oil&source=Reuters")
    expect(page.locator(".chip")).to_have_text(re.compile(r"Source: Reuters"))
    page.locator(".timeline-chart a[data-period='1987-03']").click()
    expect(page).to_have_url(f"{site}/?q=oil&source=Reuters&month=1987-03")
    for date in page.locator(".hit time").all():
        assert (date.get_attribute("datetime") or "").startswith("1987-03")
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(f"{site}/?q=oil&source=Reuters&month=1987-03&page=2")
    expect(page.locator(".pagination [aria-current='page']")).to_have_text("2")
    page.locator(".chip", has_text="Source: Reuters").click()
    expect(page).to_have_url(f"{site}/?q=oil&month=1987-03")


def test_article_page_and_a_related_article(page: Page, site: str) -> None:
    page.goto(f"{site}/?q=START+treaty")
    page.get_by_role("link", name=SEED_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEED_TITLE)
    expect(page.locator(".article-body mark")).to_have_text(["START", "treaty"])
    related = page.locator(".related a").first
    title = related.inner_text()
    related.click()
    expect(page).to_have_url(re.compile(r"/article/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert title != SEED_TITLE


def test_page_works_without_javascript_and_at_phone_width(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/")
    page.get_by_label("Search the archive").fill("cocoa")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".hit mark").first).to_have_text(re.compile("cocoa", re.IGNORECASE))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    page.screenshot(path=ARTIFACTS / "results-phone.png", full_page=True)
    context.close()


def test_the_script_probe_sees_a_script_that_runs(page: Page) -> None:
    """The control for the next test: on an unprotected page, the same payload does run."""
    page.set_content('<svg onload="window.__xss=1"></svg>')
    assert page.evaluate("window.__xss") == 1


def test_hostile_articles_and_queries_run_no_script(page: Page, hostile_site: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def visit(url: str) -> None:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.mouse.move(200, 300)  # would fire an onmouseover
        assert page.evaluate("window.__xss") is None, f"a script ran on {url}"
        assert dialogs == [], f"a dialog opened on {url}"

    visit(f"{hostile_site}/?q=xsscanary&page-size=20")
    expect(page.locator(".hit h2")).to_have_count(len(HOSTILE_RECORDS))
    expect(page.get_by_text("<script>window.__xss=1</script>Hostile headline")).to_be_visible()
    for href in [link.get_attribute("href") for link in page.locator(".hit h2 a").all()]:
        visit(f"{hostile_site}{href}")
    visit(f"{hostile_site}/article/hostile-1")
    body = page.locator(".article-body")
    expect(body).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(body).to_contain_text('<svg onload="window.__xss=1">')
    expect(page.locator(".byline")).to_contain_text('<b onmouseover="window.__xss=1">Mallory</b>')
    expect(page.locator(".original")).to_contain_text("javascript:window.__xss=1")
    expect(page.locator(".original a")).to_have_count(0)
    for hostile in HOSTILE_QUERIES:
        visit(f"{hostile_site}/")
        page.get_by_label("Search the archive").fill(hostile)
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        expect(page.get_by_label("Search the archive")).to_have_value(hostile)
        assert page.evaluate("window.__xss") is None and dialogs == []
