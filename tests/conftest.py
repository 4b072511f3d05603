"""Shared fixtures: indexes built from the real corpora in ../shared and the sample, Debian's Chromium;
the automatic ``corpus`` marker."""

from __future__ import annotations

import functools
import inspect
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import SAMPLE, SEED, SHARED, OpenSearchCluster, cluster_script, index_sample_with_cli, link_reuters
from playwright.sync_api import Browser, sync_playwright

from newssearch import SearchIndex, reindex

CORPUS_NAMES = re.compile(r"\b(SHARED|SEED|REUTERS|BBC_TAR|CISI|reuters_files|link_reuters|bbc_article|reuters_index)\b")
"""What a test or one of its fixtures names when it reads the real corpora in ../shared."""


@pytest.hookimpl(tryfirst=True)  # before `-m "not corpus"` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``corpus`` every test that reads ../shared, itself or through a fixture: `make test-fast` leaves them out."""
    for item in items:
        if isinstance(item, pytest.Function) and _reads_corpus(item):
            item.add_marker(pytest.mark.corpus)


def pytest_collection_finish(session: pytest.Session) -> None:
    if not SEED.exists() and any(item.get_closest_marker("corpus") for item in session.items):
        raise pytest.UsageError(f"the shared corpora are missing at {SHARED}: set NEWSSEARCH_SHARED to their folder")


def _reads_corpus(item: pytest.Function) -> bool:
    functions = [item.function, *(definitions[-1].func for definitions in item._fixtureinfo.name2fixturedefs.values())]
    return any(_names_corpus(function) for function in functions)


@functools.cache
def _names_corpus(function: Callable[..., object]) -> bool:
    try:
        return CORPUS_NAMES.search(inspect.getsource(function)) is not None
    except (OSError, TypeError):  # pytest's own fixtures, built-ins
        return False


@pytest.fixture(scope="session")
def reuters_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """All 21,578 Reuters articles, indexed once per test session."""
    base = tmp_path_factory.mktemp("reuters")
    link_reuters(base / "archive")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The bundled demo archive: the seed page, one Reuters file and a BBC export."""
    base = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, base / "archive")
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Never skipped: without it the test fails and says how to install it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium) to run the browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenSearchCluster]:
    """Three OpenSearch nodes on 127.0.0.1, started once for every test that asks, and stopped at the end.

    Started by scripts/opensearch-cluster, as a developer starts one: the first run on a machine
    fetches OpenSearch through Maven into the user's cache. The ports (19200-19202, 19300-19302) are
    not the defaults, so a developer's own cluster on 9200 can keep running; NEWSSEARCH_TEST_OPENSEARCH_PORT
    moves them (HTTP from that port, transport from 100 above it), for two test runs on one machine."""
    home = tmp_path_factory.mktemp("opensearch")
    port = int(os.environ.get("NEWSSEARCH_TEST_OPENSEARCH_PORT", "19200"))
    up = cluster_script(home, "up", "--nodes", "3", "--http-port", str(port), "--transport-port", str(port + 100))
    if up.returncode != 0:
        cluster_script(home, "down")
        pytest.fail(f"scripts/opensearch-cluster up failed: {up.stderr.strip()}")
    try:
        yield OpenSearchCluster(home, up.stdout.strip().splitlines()[-1].split(","))
    finally:
        cluster_script(home, "down", "--wipe")


@pytest.fixture(scope="session")
def opensearch_sample(opensearch_cluster: OpenSearchCluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample archive indexed into the session's cluster by `newssearch reindex --engine opensearch`, once:
    the environment the CLI then runs with (the index name ``sample``; test_cli, test_web, test_engines)."""
    urls = ",".join(opensearch_cluster.urls)
    env = {"NEWSSEARCH_ENGINE": "opensearch", "NEWSSEARCH_OPENSEARCH_URL": urls, "NEWSSEARCH_OPENSEARCH_INDEX": "sample"}
    return index_sample_with_cli(tmp_path_factory.mktemp("opensearch-sample"), env)
