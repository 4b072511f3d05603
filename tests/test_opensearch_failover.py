"""A node of the cluster dies while the product runs (issue 14, "node failure").

Three nodes; the index has 2 primary shards with 1 replica each (NEWSSEARCH_OPENSEARCH_SHARDS
and _REPLICAS, as a deployment sets them). ``newssearch serve`` runs as a real process
configured from the environment alone; four clients query its JSON API without pause; an
incremental ``newssearch reindex`` of 3,000 new articles runs; once it has written a quarter
of them, the node that holds the primary of shard 0 is SIGKILLed. No search may fail. The
reindex either succeeds or fails with a one-line error, and then a second run completes.
After the node is back, every article is in the index exactly once.
"""

from __future__ import annotations

import http.client
import random
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from helpers import OpenSearchCluster, get_json, newssearch, run, wait_until, write_export

from newssearch.testing import serving

pytestmark = pytest.mark.opensearch

INDEX = "failover"
FIRST = 200  # articles of the first, full reindex
NEW = 3000  # articles of the incremental reindex the node dies in
PER_FILE = 100
CLIENTS = 4
KILL_AFTER = NEW // 4  # documents the incremental bulk has written when the node is killed
REINDEX_SECONDS = 300  # generous: the bulk retries for about 90 s while a replica is promoted
QUERIES = ["wheat", "maize prices", '"port strike"', "harvest NOT drought", "ghana", "report*", ""]
WORDS = (
    "wheat maize cocoa coffee sugar copper tin rubber harvest drought port strike prices rose fell "
    "ghana brazil canada exporters farmers traders ministry quota tender shipment forecast report"
).split()


def records(first: int, count: int) -> list[dict[str, Any]]:
    """Small articles, each with its own mix of words (no two alike, so none is folded as a copy)."""
    chosen = random.Random(f"failover-{first}")
    return [
        {
            "id": f"art-{n}",
            "title": f"{chosen.choice(WORDS).title()} note {n}",
            "body": f"Report {n}: " + " ".join(chosen.choices(WORDS, k=24)) + ".",
            "date": f"1999-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "source": "Wire",
        }
        for n in range(first, first + count)
    ]


def write_archive(archive: Path, first: int, count: int, folder: str) -> set[str]:
    ids: set[str] = set()
    for start in range(first, first + count, PER_FILE):
        ids |= write_export(archive / folder / f"{start:06d}.jsonl", records(start, min(PER_FILE, first + count - start)))
    return ids


class Clients:
    """CLIENTS threads querying /api/search in a loop, each on a keep-alive connection.

    Every answer that is not a 200 with hits, and every connection error, is a failure. A
    503 with Retry-After is the server's admission control (web/slots.py: a heavy search
    waits at most 0.5 s for its slot), not the engine's: the client waits as asked and
    sends the same search again, as a browser's user would."""

    def __init__(self, url: str) -> None:
        self.port = int(url.rsplit(":", 1)[1])
        self.done = threading.Event()
        self.answered = 0
        self.failures: list[str] = []
        self.refused = 0  # 503 with Retry-After: the server process had every search slot taken (web/slots.py)
        self.threads = [threading.Thread(target=self._loop, args=(n,)) for n in range(CLIENTS)]

    def __enter__(self) -> Clients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def _loop(self, offset: int) -> None:
        connection = self._connect()
        number = offset
        while not self.done.is_set():
            path = f"/api/search?q={quote(QUERIES[number % len(QUERIES)])}"
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as error:
                self.failures.append(f"{path}: {error!r}")
                connection.close()
                connection = self._connect()
                number += 1
                continue
            if response.status == 503 and response.getheader("Retry-After"):  # busy: the same search again, as asked
                self.refused += 1
                time.sleep(float(response.getheader("Retry-After", "1")))
                connection.close()  # idle that long, the server has closed it (gunicorn's keep-alive is 2 s)
                connection = self._connect()
                continue
            if response.status != 200 or b'"hits"' not in body:
                self.failures.append(f"{path}: {response.status} {body[:200]!r}")
            self.answered += 1
            number += 1
        connection.close()


def primaries_written(url: str, index: str) -> int:
    stats = get_json(f"{url}/{index}/_stats/indexing")
    return int(stats["_all"]["primaries"]["indexing"]["index_total"])


def node_of_first_primary(url: str, index: str) -> int:
    shards = get_json(f"{url}/_cat/shards/{index}?format=json")
    (primary,) = [s for s in shards if s["shard"] == "0" and s["prirep"] == "p"]
    return int(primary["node"].removeprefix("node-"))


def indexed_ids(url: str, index: str) -> list[str]:
    """Every article id in the index, through a scroll (ids in the stored source, not the _id)."""
    found: list[str] = []
    page = get_json(f"{url}/{index}/_search?scroll=1m", body={"size": 1000, "_source": ["id"], "sort": ["_doc"]})
    while page["hits"]["hits"]:
        found += [hit["_source"]["id"] for hit in page["hits"]["hits"]]
        page = get_json(f"{url}/_search/scroll", body={"scroll": "1m", "scroll_id": page["_scroll_id"]})
    return found


@pytest.fixture
def cluster_env(opensearch_cluster: OpenSearchCluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenSearchCluster]:
    """The environment a deployment sets (inherited by every newssearch process started here)."""
    for name, value in {
        "NEWSSEARCH_ENGINE": "opensearch",
        "NEWSSEARCH_OPENSEARCH_URL": ",".join(opensearch_cluster.urls),
        "NEWSSEARCH_OPENSEARCH_INDEX": INDEX,
        "NEWSSEARCH_OPENSEARCH_SHARDS": "2",
        "NEWSSEARCH_OPENSEARCH_REPLICAS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    yield opensearch_cluster
    for line in opensearch_cluster.run("status").stdout.splitlines():  # whatever happened, every node runs again
        if line.endswith("not running"):
            opensearch_cluster.run("start-node", line.split()[1].rstrip(":"))
    request = urllib.request.Request(f"{opensearch_cluster.urls[0]}/{INDEX}*", method="DELETE")
    urllib.request.urlopen(request, timeout=60).close()


@pytest.mark.slow
def test_a_node_killed_under_searches_and_an_incremental_reindex_loses_nothing(cluster_env: OpenSearchCluster, tmp_path: Path) -> None:
    cluster, url = cluster_env, cluster_env.urls[0]
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    expected = write_archive(archive, 0, FIRST, "first")
    full = run("reindex", "--full", "--archive", archive, "--index", index_dir)
    assert full.returncode == 0, full.stderr
    settings = get_json(f"{url}/{INDEX}/_settings")
    (physical,) = settings
    assert (settings[physical]["settings"]["index"]["number_of_shards"], settings[physical]["settings"]["index"]["number_of_replicas"]) == ("2", "1")

    expected |= write_archive(archive, FIRST, NEW, "new")
    victim = node_of_first_primary(url, physical)
    with serving(index_dir, threads=4) as server, Clients(server.url) as clients:
        wait_until(lambda: clients.answered >= 20, 60, "the clients are answered")
        before = primaries_written(url, physical)
        command = newssearch("reindex", "--archive", str(archive), "--index", str(index_dir))
        reindex = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_until(lambda: primaries_written(url, physical) - before >= KILL_AFTER or reindex.poll() is not None, 120, "the bulk is under way")
            assert reindex.poll() is None, "the reindex ended before the node could be killed: raise NEW"
            cluster.run("kill-node", str(victim))
            killed_at = clients.answered
            _, err = reindex.communicate(timeout=REINDEX_SECONDS)
        finally:
            if reindex.poll() is None:
                reindex.kill()
                reindex.communicate()
        if reindex.returncode != 0:  # allowed: a one-line error, then the second run does the rest
            assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        again = run("reindex", "--archive", archive, "--index", index_dir, timeout=REINDEX_SECONDS)
        assert again.returncode == 0, again.stderr
        if reindex.returncode == 0:
            assert "0 added, 0 updated, 0 removed" in again.stdout, again.stdout  # the first run left nothing undone
        wait_until(lambda: clients.answered >= killed_at + 20, 120, "searches are answered after the node loss")

    outcome = f"the first reindex exit {reindex.returncode} {err.strip()[:300]}"
    print(f"\nnode {victim} killed: {clients.answered:,} searches, {clients.refused} busy retried, {len(clients.failures)} failed, {outcome}")
    assert clients.failures == [], clients.failures[:5]

    cluster.run("start-node", str(victim))
    health = cluster.health(status="green", no_relocating_shards="true")
    assert health["status"] == "green", health
    get_json(f"{url}/{physical}/_refresh", body={})
    found = indexed_ids(url, physical)
    assert len(found) == len(expected) and set(found) == expected
    assert Counter(found).most_common(1)[0][1] == 1
    assert get_json(f"{url}/{physical}/_count")["count"] == len(expected)
