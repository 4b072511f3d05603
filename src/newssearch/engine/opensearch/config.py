"""Where the cluster is and how to reach it: from the environment only, never the command line
(a password on a command line is visible to every user of the machine in its process list).

    NEWSSEARCH_OPENSEARCH_URL       one or more node URLs, comma-separated (required)
    NEWSSEARCH_OPENSEARCH_INDEX     the index name, an alias to the current physical index (default newssearch)
    NEWSSEARCH_OPENSEARCH_USER      basic-auth user and password, if the cluster asks for them
    NEWSSEARCH_OPENSEARCH_PASSWORD
    NEWSSEARCH_OPENSEARCH_CA        a CA bundle (PEM) to verify the nodes' TLS certificates with
    NEWSSEARCH_OPENSEARCH_VERIFY    "false" to skip certificate verification (a test cluster only)
    NEWSSEARCH_OPENSEARCH_SHARDS    primary shards of a new index (default 1)
    NEWSSEARCH_OPENSEARCH_REPLICAS  replicas of each shard (default 1: one node may fail)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opensearchpy import OpenSearch

from ...errors import NewssearchError

PREFIX = "NEWSSEARCH_OPENSEARCH_"
REQUEST_TIMEOUT = 30.0
"""Seconds a request may take before the client tries another node."""
INDEX_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,200}")
"""What OpenSearch accepts as an index name, less the odd cases (dots, plus signs)."""


@dataclass(frozen=True)
class Settings:
    urls: tuple[str, ...]
    index: str = "newssearch"
    user: str = ""
    password: str = ""
    ca: str = ""
    verify: bool = True
    shards: int = 1
    replicas: int = 1

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings, or a NewssearchError naming the variable to fix."""
        raw = environ.get(PREFIX + "URL", "")
        urls = tuple(url.strip().rstrip("/") for url in raw.split(",") if url.strip())
        if not urls:
            raise NewssearchError(f"the OpenSearch engine needs {PREFIX}URL: the URL of one or more nodes, comma-separated")
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise NewssearchError(f"{PREFIX}URL: {url!r} is not an http:// or https:// URL of a node")
        index = environ.get(PREFIX + "INDEX", "newssearch").strip()
        if not INDEX_NAME.fullmatch(index):
            raise NewssearchError(f"{PREFIX}INDEX: {index!r} is not an index name (lower-case letters, digits, - and _)")
        user, password = environ.get(PREFIX + "USER", ""), environ.get(PREFIX + "PASSWORD", "")
        if bool(user) != bool(password):
            raise NewssearchError(f"set both {PREFIX}USER and {PREFIX}PASSWORD, or neither")
        ca = environ.get(PREFIX + "CA", "")
        if ca and not os.path.isfile(ca):
            raise NewssearchError(f"{PREFIX}CA: no file {ca}: give the PEM file of the CA that signed the nodes' certificates")
        verify = environ.get(PREFIX + "VERIFY", "true").strip().lower() not in ("false", "0", "no")
        return cls(urls, index, user, password, ca, verify, _count(environ, "SHARDS", 1, 1), _count(environ, "REPLICAS", 1, 0))

    def client(self, *, retry_refused: bool = True) -> OpenSearch:
        """A client over every node: a request to a node that is down is retried on another.

        With ``retry_refused`` it is also sent again when a node refuses it (502-504) or does
        not answer in time. A caller that retries those itself, within a bound of its own
        (the bulk writer), turns that off: the client's retries would multiply its bound."""
        options: dict[str, Any] = {
            "hosts": list(self.urls),
            "timeout": REQUEST_TIMEOUT,
            "max_retries": 3,
            "retry_on_timeout": retry_refused,
            "retry_on_status": (502, 503, 504) if retry_refused else (),
        }
        if self.user:
            options["http_auth"] = (self.user, self.password)
        if any(url.startswith("https:") for url in self.urls):
            options.update(use_ssl=True, verify_certs=self.verify, ssl_show_warn=self.verify)
            if self.ca:
                options["ca_certs"] = self.ca
        return OpenSearch(**options)

    def where(self) -> str:
        """The cluster and index, for messages (never the password)."""
        return f"index {self.index!r} on the OpenSearch cluster at {','.join(self.urls)}"


def _count(environ: Mapping[str, str], name: str, default: int, least: int) -> int:
    raw = environ.get(PREFIX + name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise NewssearchError(f"{PREFIX}{name}: {raw!r} is not a whole number of at least {least}")
    return int(raw)
