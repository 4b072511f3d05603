"""What several test files share: the corpora's places, small archives built in a test, and
ways to run the product as a user does (a child process, a live server).

Plain constants and functions; the fixtures are in conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from newssearch.testing import newssearch

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSSEARCH_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seeds" / "000_b3d05c4e7c5a75c5.txt"
REUTERS = SHARED / "corpora" / "reuters21578"
BBC_TAR = SHARED / "corpora" / "bbc" / "bbc-fulltext.tar.gz"
SAMPLE = ROOT / "sample" / "archive"

SUBPROCESS_TIMEOUT = 300  # no child process may hang a CI run


# The real corpora --------------------------------------------------------------------------


def reuters_files(count: int | None = None) -> list[Path]:
    return sorted(REUTERS.glob("reut2-*.sgm.gz"))[:count]


def link_reuters(archive: Path, count: int | None = None) -> None:
    """Put the Reuters files into an archive folder as symlinks, as a user might."""
    archive.mkdir(parents=True, exist_ok=True)
    for path in reuters_files(count):
        (archive / path.name).symlink_to(path)


def bbc_article(name: str) -> tuple[str, list[str]]:
    """Headline and paragraphs of one BBC article, e.g. ``bbc_article("politics/004")``."""
    with tarfile.open(BBC_TAR) as tar:
        file = tar.extractfile(f"bbc/{name}.txt")
        assert file is not None
        lines = file.read().decode("utf-8").splitlines()
    return lines[0].strip(), [line.strip() for line in lines[1:] if line.strip()]


# Pages and archives built in a test ----------------------------------------------------------


SEED_ID = "commonspace/000_b3d05c4e7c5a75c5.txt"
SEED_TITLE = "Blinken and Lavrov meet in India for first time since full-scale Ukraine invasion"
ATOM = "{http://www.w3.org/2005/Atom}"
OUR_SCRIPT = re.compile(r'<script src="/assets/[0-9a-f]{12}/app\.js" defer></script>')
"""The page's one script, at its fingerprinted URL."""

XSS = "window.__xss=1"
SAFE_URL = "https://example.com/news/2024/safe?x=1&y=<2>"
HOSTILE_ID = '"><script>window.__xss=1</script>'
HOSTILE_RECORDS = [
    {
        "id": "hostile-1",
        "title": f'<script>{XSS}</script>Hostile headline <img src=x onerror="{XSS}">',
        "body": (
            f'The xsscanary paragraph <script>{XSS}</script> with <img src=x onerror="{XSS}"> inside.\n\n'
            f'<svg onload="{XSS}"><circle r="5"/></svg> &lt;script&gt;{XSS}&lt;/script&gt; '
            f"&#60;img src=x onerror={XSS}&#62; <scr<script>ipt>{XSS}</script>\n\n"
            f'<a href="javascript:{XSS}">click me</a> <iframe src="javascript:{XSS}"></iframe> xsscanary end'
        ),
        "source": f'<img src=x onerror="{XSS}">Evil Source',
        "author": f'<b onmouseover="{XSS}">Mallory</b>',
        "section": f'"><script>{XSS}</script>',
        "tags": [f"<script>{XSS}</script>", f'x" onmouseover="{XSS}'],
        "url": f"javascript:{XSS}",
        "date": "1987-03-05",
    },
    {"id": "hostile-2", "title": "Entity-encoded xsscanary", "body": "xsscanary <img src=x onerror=alert(1)>", "url": f"&#106;avascript:{XSS}"},
    {"id": "hostile-3", "title": "Mixed-case xsscanary", "body": "xsscanary in mixed case", "url": f" JaVaScRiPt:{XSS}"},
    {"id": "hostile-4", "title": "Data xsscanary", "body": "xsscanary as data", "url": f"data:text/html,<script>{XSS}</script>"},
    {"id": "hostile-5", "title": "Tab xsscanary", "body": "xsscanary with a tab", "url": f"java\tscript:{XSS}"},
    {"id": HOSTILE_ID, "title": "Hostile id xsscanary", "body": "xsscanary with a hostile id"},
    {"title": "Safe link xsscanary", "body": "xsscanary from a site", "url": SAFE_URL, "date": "2024-01-02"},
]
HOSTILE_QUERIES = [
    f"<script>{XSS}</script>",
    f'"><img src=x onerror={XSS}>',
    f"</title><script>{XSS}</script>",
    f"javascript:{XSS}",
    f"&lt;script&gt;{XSS}",
    f'title:"<svg onload={XSS}>"',
]


def write_hostile_archive(archive: Path) -> Path:
    """An export whose every field tries to run script (the web and browser tests' hostile archive)."""
    archive.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(record) for record in HOSTILE_RECORDS]
    (archive / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return archive


def write_export(path: Path, records: list[dict[str, Any]]) -> set[str]:
    """A JSON Lines export of ``records``; returns their ids."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return {record["id"] for record in records}


# Running the product as a user does ---------------------------------------------------------


def benchmark(name: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python benchmarks/NAME.py ARGS`` in a child process: the tests run a benchmark script as a user does, never import it."""
    command = [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)


def run(*args: str | Path, timeout: float = SUBPROCESS_TIMEOUT, **options: Any) -> subprocess.CompletedProcess[str]:
    """``newssearch ARGS`` in a child process, as a user runs it."""
    return subprocess.run(newssearch(*map(str, args)), capture_output=True, text=True, timeout=timeout, **options)


def start_reindex(archive: Path, index_dir: Path, *flags: str, output: int | None = subprocess.PIPE) -> subprocess.Popen[str]:
    """A reindex in a process group of its own, so that a kill reaches any worker process too."""
    command = newssearch("reindex", "--archive", str(archive), "--index", str(index_dir), *flags)
    return subprocess.Popen(command, stdout=output, stderr=output, text=True, start_new_session=True)


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL the process and its group: no handler runs, as in a power cut or the OOM killer."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it had already finished
    process.communicate()


def assert_one_line_error(stderr: str, *expected: str, prefix: str = "Error: ") -> None:
    """What a user sees on a failure: one ``Error: ...`` line (``prefix``: the program's own) saying what to do, never a traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(prefix), stderr
    for text in expected:
        assert text in lines[0], lines[0]


POLL_SECONDS = 0.05


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition``; a bound on the polls only keeps a broken run from hanging."""
    for _ in range(int(timeout / POLL_SECONDS)):
        if condition():
            return
        time.sleep(POLL_SECONDS)
    assert condition(), f"gave up after {timeout} s waiting until {what}"


@contextmanager
def running(app: Flask) -> Iterator[str]:
    """Serve ``app`` from a background thread on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def mounted(target: Path, *mount_args: str, read_only: bool = False) -> Iterator[None]:
    """A mount on ``target`` for the duration (root only), always undone; skips where mounting is not allowed."""
    mount = subprocess.run(["mount", *mount_args, str(target)], capture_output=True, text=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount here ({mount.stderr.strip()}): the environment-fault tests need root in a machine that allows mounts")
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(target)], check=True)


def stored_articles(index_dir: Path) -> dict[str, dict[str, Any]]:
    """Every article of a Whoosh index with all its stored fields, by id (opening the index afresh)."""
    from newssearch.engine.whoosh.store import open_index

    with open_index(index_dir).searcher() as searcher:
        return {fields["id"]: fields for fields in searcher.all_stored_fields()}


# A real OpenSearch cluster (scripts/opensearch-cluster) ----------------------------------------

CLUSTER_SCRIPT = ROOT / "scripts" / "opensearch-cluster"
CLUSTER_TIMEOUT = 600  # the first `up` fetches OpenSearch through Maven; later ones start three JVMs


def cluster_script(home: Path, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``scripts/opensearch-cluster --home HOME ARGS`` in a child process, as a developer runs it."""
    command = [sys.executable, str(CLUSTER_SCRIPT), "--home", str(home), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=CLUSTER_TIMEOUT, **options)


def get_json(url: str, timeout: float = 30, body: Any = None) -> Any:
    """What an OpenSearch node answers to a GET (a POST of ``body`` as JSON, if given), parsed."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class OpenSearchCluster:
    """A running cluster started by scripts/opensearch-cluster: its nodes' URLs and its run folder."""

    home: Path
    urls: list[str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = cluster_script(self.home, *args)
        assert done.returncode == 0, done.stderr
        return done

    def health(self, url: str | None = None, **wait: str) -> Any:
        """``_cluster/health`` from a node (the first by default), waiting as ``wait_for_*`` parameters say."""
        query = urllib.parse.urlencode({**{f"wait_for_{key}": value for key, value in wait.items()}, "timeout": "60s"})
        return get_json(f"{url or self.urls[0]}/_cluster/health?{query}", timeout=90)


# Both engines ---------------------------------------------------------------------------------

ENGINE_KINDS = [pytest.param("whoosh"), pytest.param("opensearch", marks=pytest.mark.opensearch)]


def on_each_engine(fixture: str) -> pytest.MarkDecorator:
    """Run a test twice, its ``fixture`` (test_cli's ``demo``, test_web's ``client``) on the sample
    indexed by Whoosh and by OpenSearch (the session's cluster): the same test, the same expectations."""
    return pytest.mark.parametrize(fixture, ENGINE_KINDS, indirect=True)


def index_sample_with_cli(base: Path, env: dict[str, str]) -> dict[str, str]:
    """The sample archive indexed by ``newssearch reindex`` with ``env`` (which may name an engine):
    the environment the CLI's commands on that index then run with."""
    from click.testing import CliRunner

    from newssearch.cli import main

    shutil.copytree(SAMPLE, base / "archive")
    env = {**env, "NEWSSEARCH_ARCHIVE": str(base / "archive"), "NEWSSEARCH_INDEX": str(base / "index")}
    result = CliRunner().invoke(main, ["reindex"], env=env)
    assert result.exit_code == 0, result.output
    assert "read 3 of 3 files" in result.output and "1,016 added" in result.output
    return env


def engine_app(env: dict[str, str]) -> Flask:
    """The web app on the index ``env`` names (NEWSSEARCH_INDEX, NEWSSEARCH_ENGINE), its engine opened
    at once: the cluster's address (NEWSSEARCH_OPENSEARCH_*) is read when the engine opens."""
    from newssearch.web import create_app
    from newssearch.web.index import app_index

    app = create_app(env["NEWSSEARCH_INDEX"], engine=env.get("NEWSSEARCH_ENGINE"))
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            if name.startswith("NEWSSEARCH_OPENSEARCH_"):
                patch.setenv(name, value)
        app_index(app).get()
    return app
