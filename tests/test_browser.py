"""The web UI in a real browser: Debian's Chromium, driven by Playwright, against a live server.

These tests never skip: without /usr/bin/chromium they fail and say how to install it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
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


# The page a newsroom would pick (issue 12): phone filters, page size, back link, export,
# search as you type, focus, accessibility ----------------------------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh page at phone size (390x844), failing the test on any browser error, as ``page``."""
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    context.close()
    assert errors == [], "the browser reported errors"


def assert_accessible(page: Page, what: str) -> None:
    """axe-core (the copy the axe-playwright-python package ships) finds no violation on the page as it is now."""
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def test_phone_reaches_the_filters_at_the_top_and_desktop_shows_them_beside(phone: Page, page: Page, site: str) -> None:
    phone.goto(f"{site}/?q=oil")
    control = phone.locator("details.filters > summary")
    first_hit = phone.locator(".hit").first
    expect(control).to_have_text("Filters")
    expect(phone.locator(".facets")).to_be_hidden()
    control_box, hit_box = control.bounding_box(), first_hit.bounding_box()
    assert control_box and hit_box and control_box["y"] < hit_box["y"] < 844, "the Filters control is not above the results"
    for switch in phone.locator(".controls a").all():  # "Sort by", "Favour recent", page sizes: each on one line
        box = switch.bounding_box()
        assert box and box["height"] < 30, f"{switch.inner_text()!r} wraps"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    assert_accessible(phone, "phone, filters closed")
    control.click()
    expect(phone.locator(".facets")).to_be_visible()
    assert_accessible(phone, "phone, filters open")
    screenshot(phone, "search-phone-filters-open.png")
    phone.locator('.facet a[data-facet="source"]', has_text="Reuters").click()
    expect(phone).to_have_url(f"{site}/?q=oil&source=Reuters")
    expect(phone.locator("details.filters > summary")).to_have_text("Filters (1 active)")

    page.goto(f"{site}/?q=oil")
    expect(page.locator("details.filters > summary")).to_be_hidden()
    facets, results = page.locator(".facets").bounding_box(), page.locator(".results").bounding_box()
    assert facets and results and facets["x"] > results["x"] + results["width"] - 1, "the facets are not beside the results"
    assert_accessible(page, "desktop search page")
    screenshot(page, "search-desktop.png")


def test_phone_filters_open_without_javascript(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site}/?q=oil")
    expect(page.locator(".facets")).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.locator(".facets")).to_be_visible()
    context.close()


def test_page_size_changes_the_count(page: Page, site: str) -> None:
    page.goto(f"{site}/?q=oil")
    expect(page.locator(".hit")).to_have_count(10)
    page.get_by_role("link", name="25 results per page").click()
    expect(page).to_have_url(f"{site}/?q=oil&page-size=25")
    expect(page.locator(".hit")).to_have_count(25)
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(f"{site}/?q=oil&page-size=25&page=2")


def test_back_link_restores_a_filtered_page_two(page: Page, site: str) -> None:
    results = f"{site}/?q=oil&sort=newest&page-size=25&source=Reuters&page=2"  # in the order the page's links spell them
    page.goto(results)
    titles = page.locator(".hit h2").all_inner_texts()
    page.locator(".hit h2 a").nth(3).click()
    expect(page).to_have_url(re.compile(r"/article/"))
    assert_accessible(page, "article page")
    screenshot(page, "article.png")
    page.get_by_role("link", name="← Results for “oil”").click()
    expect(page).to_have_url(results)
    expect(page.locator(".hit h2")).to_have_text(titles)
    expect(page.locator(".pagination [aria-current='page']")).to_have_text("2")


def test_export_downloads_every_result_as_csv_and_json(phone: Page, site: str) -> None:
    phone.goto(f"{site}/?q=oil&source=Reuters")
    total = int(re.sub(r"\D", "", phone.locator("h1").inner_text().split(" ")[0]))
    with phone.expect_download() as csv_download:
        phone.get_by_role("link", name="Download all results as CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(csv_download.value.path()).read_text(encoding="utf-8"))))
    assert csv_download.value.suggested_filename == "newssearch-oil.csv" and len(rows) == total > 10
    assert {row["source"] for row in rows} == {"Reuters"}
    with phone.expect_download() as json_download:
        phone.get_by_role("link", name="Download all results as JSON").click()
    exported = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert [hit["id"] for hit in exported["hits"]] == [row["id"] for row in rows]


def test_results_update_as_you_type_and_the_url_follows(page: Page, site: str) -> None:
    page.goto(f"{site}/")
    box = page.get_by_label("Search the archive")
    expect(box).to_be_focused()  # every results page starts in the search box
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    box.press_sequentially("cocoa", delay=40)
    expect(page).to_have_url(f"{site}/?q=cocoa")
    expect(page.locator("h1")).to_contain_text("for “cocoa”")
    expect(page.locator(".hit mark").first).to_have_text(re.compile("cocoa", re.IGNORECASE))
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ results? for “cocoa”$"))
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    expect(box).to_be_focused()  # typing goes on undisturbed
    box.press("Enter")
    expect(page.locator("h1")).to_be_focused()  # after a search, focus on the results heading
    assert page.evaluate("window.__sameDocument") is True
    first = page.locator(".hit h2").first.inner_text()
    page.locator(".hit h2 a").first.click()
    expect(page).to_have_url(re.compile(r"/article/.*\?q=cocoa$"))
    page.go_back()  # Back returns to what was typed
    expect(page).to_have_url(f"{site}/?q=cocoa")
    expect(page.locator(".hit h2").first).to_have_text(first)
    assert_accessible(page, "results after typing")


def test_typing_keeps_the_filters_and_the_skip_link_stays_first(page: Page, site: str) -> None:
    page.goto(f"{site}/?source=Reuters")
    box = page.get_by_label("Search the archive")
    box.press_sequentially("oil", delay=40)
    expect(page).to_have_url(f"{site}/?q=oil&source=Reuters")
    expect(page.locator(".chip")).to_have_text(re.compile("Source: Reuters"))
    first = page.evaluate("""() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), summary, [tabindex]')]
        .filter((el) => el.tabIndex >= 0)[0].className""")
    assert first == "skip-link"
    assert page.evaluate("[...document.querySelectorAll('[tabindex]')].every((el) => el.tabIndex <= 0)")


def test_submitting_without_javascript_works_as_before(browser: Browser, site: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{site}/?source=Reuters")
    page.get_by_label("Search the archive").fill("cocoa")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{site}/?q=cocoa&source=Reuters")
    expect(page.get_by_label("Search the archive")).to_be_focused()  # a new page: focus in the box
    expect(page.locator(".hit mark").first).to_have_text(re.compile("cocoa", re.IGNORECASE))
    context.close()


def test_every_page_type_passes_axe(browser: Browser, site: str) -> None:
    """Each kind of page at both sizes, error pages included (whose status the console reports, so no error listener here)."""
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        viewer = context.new_page()
        for url in ("/", "/?q=zzxqvw", "/?facet=tags&facet-q=pal", "/?q=oil&year=1987", "/article/reuters-821", "/no-such-page", "/?page=x"):
            viewer.goto(f"{site}{url}")
            assert_accessible(viewer, f"{url} at {viewport['width']}px")
        context.close()


def test_the_axe_probe_sees_a_violation(page: Page) -> None:
    """The control for the axe tests: on a page with an unlabelled image and field, axe does report them."""
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"><input type="text"></main></html>')
    ids = {violation["id"] for violation in Axe().run(page).response["violations"]}
    assert {"image-alt", "label"} <= ids
