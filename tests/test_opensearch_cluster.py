"""scripts/opensearch-cluster: a real multi-node OpenSearch on 127.0.0.1, its node failures, its errors.

The cluster tests share the session's three-node cluster (the ``opensearch_cluster`` fixture) and leave
it as they found it; the error tests start no JVM."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from helpers import OpenSearchCluster, assert_one_line_error, cluster_script, get_json


def node_names(url: str) -> set[str]:
    return {node["name"] for node in get_json(f"{url}/_cat/nodes?format=json")}


@pytest.mark.opensearch
def test_three_nodes_answer_and_survive_a_killed_node(opensearch_cluster: OpenSearchCluster) -> None:
    cluster = opensearch_cluster
    assert cluster.urls == [f"http://127.0.0.1:{port}" for port in (19200, 19201, 19202)]
    for url in cluster.urls:
        assert get_json(url)["version"]["number"] == "2.19.6"
        assert node_names(url) == {"node-1", "node-2", "node-3"}
    health = cluster.health(nodes="3", status="green")
    assert (health["number_of_nodes"], health["status"], health["timed_out"]) == (3, "green", False)

    # the English analysis the engine's mapping uses comes from the analysis-common module
    analyzed = get_json(f"{cluster.urls[0]}/_analyze", body={"analyzer": "english", "text": "Markets were rising"})
    assert [token["token"] for token in analyzed["tokens"]] == ["market", "were", "rise"]

    cluster.run("kill-node", "2")
    health = cluster.health(nodes="2")
    assert health["number_of_nodes"] == 2 and not health["timed_out"]
    assert node_names(cluster.urls[2]) == {"node-1", "node-3"}
    with pytest.raises(OSError):
        get_json(cluster.urls[1], timeout=5)

    started = cluster.run("start-node", "2")
    assert started.stdout.strip().splitlines()[-1] == ",".join(cluster.urls)
    health = cluster.health(cluster.urls[1], nodes="3", status="green")
    assert (health["number_of_nodes"], health["status"]) == (3, "green")


@pytest.mark.opensearch
def test_one_node_up_then_down_closes_its_ports(tmp_path: Path) -> None:
    up = cluster_script(tmp_path, "up", "--nodes", "1", "--http-port", "19210", "--transport-port", "19310")
    try:
        assert up.returncode == 0, up.stderr
        assert up.stdout.strip().splitlines()[-1] == "http://127.0.0.1:19210"
        assert get_json("http://127.0.0.1:19210/_cluster/health")["number_of_nodes"] == 1
        pid = int((tmp_path / "node-1" / "pid").read_text())
    finally:
        down = cluster_script(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    for port in (19210, 19310):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open"
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z"


@pytest.mark.opensearch
def test_a_cluster_not_healthy_in_time_is_one_line_and_leaves_no_process(tmp_path: Path) -> None:
    up = cluster_script(tmp_path, "up", "--nodes", "1", "--http-port", "19220", "--transport-port", "19320",
                        "--timeout", "1")  # fmt: skip
    assert up.returncode == 1
    assert_one_line(up.stderr, "not healthy within 1 s")
    assert cluster_script(tmp_path, "status").stdout.strip().splitlines()[0].endswith("not running")


def assert_one_line(stderr: str, *expected: str) -> None:
    assert_one_line_error(stderr, *expected, prefix="opensearch-cluster: ")


def test_a_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        up = cluster_script(tmp_path, "up", "--nodes", "1", "--http-port", str(port), "--transport-port", "19330")
    assert up.returncode == 1
    assert_one_line(up.stderr, f"HTTP port {port} on 127.0.0.1 is taken", "--http-port")
    assert not (tmp_path / "node-1" / "pid").exists()


def fake_java(folder: Path, version_line: str) -> Path:
    """A JAVA_HOME whose `java -version` says ``version_line``, as that JDK would."""
    java = folder / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize(
    ("java_home", "expected"),
    [
        (None, "cannot run Java from OPENSEARCH_JAVA_HOME="),
        ('openjdk version "25" 2025-09-16', "needs Java 11 to 23, and OPENSEARCH_JAVA_HOME="),
    ],
)
def test_a_java_that_cannot_run_opensearch_is_named(tmp_path: Path, java_home: str | None, expected: str) -> None:
    home = fake_java(tmp_path / "jdk", java_home) if java_home else tmp_path / "no-jdk"
    env = {**os.environ, "OPENSEARCH_JAVA_HOME": str(home)}
    up = cluster_script(tmp_path / "run", "up", "--nodes", "1", env=env)
    assert up.returncode == 1
    assert_one_line(up.stderr, expected, "set OPENSEARCH_JAVA_HOME")


def test_the_first_up_without_maven_central_says_so(tmp_path: Path) -> None:
    """An empty cache and a Maven that cannot reach Central (a proxy on a closed port): one line, no cluster."""
    unreachable = " ".join(f"-D{scheme}.proxyHost=127.0.0.1 -D{scheme}.proxyPort=9" for scheme in ("http", "https"))
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MAVEN_OPTS": f"-Dmaven.repo.local={tmp_path / 'm2'} {unreachable}",
    }
    up = cluster_script(tmp_path / "run", "up", "--nodes", "1", "--http-port", "19230", "--transport-port", "19330",
                        env=env)  # fmt: skip
    assert up.returncode == 1
    assert_one_line(up.stderr, "Maven Central could not be reached", "maven-failed.log")
    assert not (tmp_path / "cache" / "newssearch" / "opensearch" / "2.19.6").exists()


@pytest.mark.opensearch
def test_a_node_that_does_not_exist_is_named(opensearch_cluster: OpenSearchCluster) -> None:
    killed = cluster_script(opensearch_cluster.home, "kill-node", "7")
    assert killed.returncode == 1
    assert_one_line(killed.stderr, "node 7 does not exist", "nodes 1 to 3")
