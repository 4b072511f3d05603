"""Writing to the cluster: a full rebuild into a new physical index swapped in by one alias
change, or an incremental update of the current one, both through the bulk API.

- **Full.** A new index ``NAME-<time>`` (no refreshes while it fills), once its replicas
  are live, gets every article; ``commit`` refreshes it, waits until each of its shards
  has a live copy, then moves the alias ``NAME`` from the old index to it in one atomic
  ``_aliases`` request and deletes the old one. Searchers see the old index or the new
  one, never a half-built one. ``cancel`` deletes the new index.
- **Incremental.** Changes are kept in a spill file until ``commit``, which sends them
  (deletes first, then additions in order) with refreshes off, then refreshes once, so
  they become visible together; ``cancel`` drops the file and nothing was sent. A crash
  during ``commit`` leaves part of the changes in; the next reindex sees those files as
  still changed and sends them again.
- **Failures.** A bulk item refused for a transient reason (429, 5xx, a node gone while
  the request was on its way) is sent again with exponential backoff, for RECOVERY_SECONDS
  from the first refusal; then the writer gives up on it and sends nothing more, since
  the cluster is not recovering. An article refused then, left unsent, or refused for good
  (a 400) is named in the error ``commit`` raises. Nothing is dropped silently: a full
  rebuild with any failure is not swapped in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from opensearchpy import OpenSearch, helpers

from ...errors import IndexLocked, NewssearchError
from ..base import Document, Writer
from .config import REQUEST_TIMEOUT
from .errors import RETRYABLE, translated
from .mapping import doc_id, index_body, to_source

if TYPE_CHECKING:
    from . import OpenSearchEngine

CHUNK_DOCS = 500
CHUNK_BYTES = 5_000_000
"""A bulk request holds at most this many articles or bytes of them (OpenSearch's advice: 5-15 MB)."""
RECOVERY_SECONDS = 90.0
"""How long, from the first transient refusal, the cluster has to take refused items again:
enough to promote the replicas of a lost node's shards, or to drain a full write queue."""
BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
"""Waits before each new try of refused items; the last is repeated until RECOVERY_SECONDS."""
TRY_SECONDS = 30
"""The longest a bulk request may wait on the server for a shard with no live copy
(OpenSearch's own default is a minute, then the client's retries multiply it)."""
COPIES_WAIT = 60
"""Seconds a new index may take to have every copy of its shards live before writing starts."""
SHARDS_WAITS = 4
MAX_NAMED_FAILURES = 5


class BulkSender:
    """Sends bulk actions, retrying what failed for a transient reason; keeps what failed for good.

    The time it spends on one outage is bounded before each try: no try starts after
    RECOVERY_SECONDS from the first refusal, and none asks the server to wait for a shard
    beyond that. Once an outage outlasts it, nothing more is sent: every later article
    would wait out the same outage."""

    def __init__(self, client: OpenSearch, index: str) -> None:
        self.client, self.index = client, index
        self.failures: list[tuple[str, str]] = []  # (article id or _id, reason)
        self._refused_since: float | None = None  # when the current outage began
        self._gave_up = False

    def send(self, actions: list[dict[str, Any]]) -> None:
        pending = {action["_id"]: action for action in actions}  # later actions on one _id replace earlier ones
        if self._gave_up:
            self.failures += [(_article(action), "not sent: the cluster kept refusing the articles before it") for action in pending.values()]
            return
        waits = iter(BACKOFF_SECONDS)
        while pending:
            left = self._left()
            if left <= 0:
                self._gave_up = True
                break
            pending = self._try(list(pending.values()), min(left, TRY_SECONDS))
            if not pending:
                self._refused_since = None  # the outage, if any, is over
                break
            if self._refused_since is None:
                self._refused_since = time.monotonic()
            time.sleep(min(next(waits, BACKOFF_SECONDS[-1]), max(self._left(), 0)))
        reason = f"still refused after {RECOVERY_SECONDS:.0f} s of retries"
        self.failures += [(_article(action), reason) for action in pending.values()]

    def _left(self) -> float:
        """Seconds the current outage may still take (RECOVERY_SECONDS when there is none)."""
        if self._refused_since is None:
            return RECOVERY_SECONDS
        return self._refused_since + RECOVERY_SECONDS - time.monotonic()

    def _try(self, actions: list[dict[str, Any]], wait: float) -> dict[str, dict[str, Any]]:
        """One bulk pass, waiting at most ``wait`` seconds for an unavailable shard; the actions to try again."""
        by_id = {action["_id"]: action for action in actions}
        again: dict[str, dict[str, Any]] = {}
        seconds = max(int(wait), 1)
        results = helpers.streaming_bulk(
            self.client, actions, index=self.index, chunk_size=len(actions), max_chunk_bytes=CHUNK_BYTES * 2,
            raise_on_error=False, raise_on_exception=False, yield_ok=False,
            timeout=f"{seconds}s", request_timeout=seconds + REQUEST_TIMEOUT,
        )  # fmt: skip
        for _, item in results:
            op, info = next(iter(item.items()))
            status, action = info.get("status"), by_id.get(info.get("_id", ""))
            if action is None:
                continue
            if op == "delete" and status == 404:
                continue  # already gone
            if not isinstance(status, int) or status in RETRYABLE:  # "N/A": the request itself failed
                again[action["_id"]] = action
            else:
                self.failures.append((_article(action), _why(info)))
        return again


def _article(action: dict[str, Any]) -> str:
    return str(action.get("_source", {}).get("id", action["_id"]))


def _why(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {str(error.get('reason'))[:160]}"
    return str(error)[:160]


class OpenSearchWriter(Writer):
    """The one writer of an index at a time (a lock file beside the engine's side files)."""

    def __init__(self, engine: OpenSearchEngine, full: bool, lock: IO[str]) -> None:
        self.engine, self.full, self._lock = engine, full, lock
        self.client = engine.client
        settings = engine.settings
        self._where = settings.where()
        self._chunk: list[dict[str, Any]] = []
        self._chunk_bytes = 0
        if full:
            self.target = f"{settings.index}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
            with translated(self._where):
                self._create(index_body(engine.schema, settings.shards, settings.replicas), settings.replicas)
            self._spill: IO[str] | None = None
        else:
            self.target = engine.physical()
            self._spill = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.sender = BulkSender(settings.client(retry_refused=False), self.target)
        self._deleted_paths: list[str] = []
        self._done = False

    def _create(self, body: dict[str, Any], replicas: int) -> None:
        """Create the new index and wait until each shard has every copy the data nodes can hold.

        A replica protects the shard only once it is live: a node lost while its primary's
        replica is still being copied leaves that shard with no copy to promote, and every later
        article for it refused until the node returns. Past COPIES_WAIT it goes on regardless:
        the writing may well succeed, and a failure is reported, not swapped in."""
        nodes = self.client.cluster.health()["number_of_data_nodes"]
        copies = 1 + min(replicas, max(nodes - 1, 0))
        self.client.indices.create(
            index=self.target, body=body, wait_for_active_shards=copies,
            timeout=f"{COPIES_WAIT}s", request_timeout=COPIES_WAIT + REQUEST_TIMEOUT,
        )  # fmt: skip

    @classmethod
    def open(cls, engine: OpenSearchEngine, full: bool) -> OpenSearchWriter:
        engine.index_dir.mkdir(parents=True, exist_ok=True)
        lock = (engine.index_dir / "opensearch-writer.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise IndexLocked(engine.settings.where()) from None
        try:
            return cls(engine, full, lock)
        except BaseException:
            lock.close()
            raise

    # Changes -----------------------------------------------------------------------------

    def add(self, document: Document) -> None:
        self.replace(document)

    def replace(self, document: Document) -> None:
        source = to_source(document, self.engine.schema)
        action = {"_op_type": "index", "_id": doc_id(document["id"]), "_source": source}
        if self._spill is not None:
            self._spill.write(json.dumps(action) + "\n")
        else:
            self._queue(action)

    def delete_file(self, path: str) -> None:
        if self.full:
            return  # a new index holds no earlier article
        self._deleted_paths.append(path)

    def _queue(self, action: dict[str, Any]) -> None:
        self._chunk.append(action)
        self._chunk_bytes += len(json.dumps(action.get("_source", {})))
        if len(self._chunk) >= CHUNK_DOCS or self._chunk_bytes >= CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._chunk:
            self.sender.send(self._chunk)
            self._chunk, self._chunk_bytes = [], 0

    # Commit ------------------------------------------------------------------------------

    def commit(self) -> None:
        if self._done:
            return
        try:
            with translated(self._where):
                self._commit_full() if self.full else self._commit_incremental()
        finally:
            self._release()

    def _commit_full(self) -> None:
        self._flush()
        self._raise_failures(swapped=False)
        indices = self.client.indices
        indices.put_settings(index=self.target, body={"index": {"refresh_interval": None}})  # back to the default
        indices.refresh(index=self.target)
        # Every primary active (yellow) is enough to swap: replicas are copied while the new index
        # serves, as after any node loss; waiting for green would wait out the delayed allocation.
        for _ in range(SHARDS_WAITS):  # each health call waits up to 30 s on the server, then answers 408
            health = self.client.cluster.health(index=self.target, wait_for_status="yellow", request_timeout=60, ignore=408)
            if not health["timed_out"]:
                break
        if health["status"] == "red":
            raise NewssearchError(f"the new index {self.target} has shards with no copy after {SHARDS_WAITS * 30} s: the old index stays")
        alias = self.engine.settings.index
        old = self.engine.holders()
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in old if name != alias]
        if alias in old:  # a concrete index of the alias's name, from elsewhere: replaced
            actions.append({"remove_index": {"index": alias}})
        actions.append({"add": {"index": self.target, "alias": alias}})
        indices.update_aliases(body={"actions": actions})
        for name in old:
            if name != alias:
                indices.delete(index=name, ignore_unavailable=True)
        self.engine.forget()

    def _commit_incremental(self) -> None:
        indices = self.client.indices
        indices.put_settings(index=self.target, body={"index": {"refresh_interval": "-1"}})
        try:
            for path in self._deleted_paths:
                for hit in helpers.scan(self.client, index=self.target, query={"query": {"term": {"path": path}}, "_source": False}):
                    self._queue({"_op_type": "delete", "_id": hit["_id"]})
            assert self._spill is not None
            self._spill.seek(0)
            for line in self._spill:
                self._queue(json.loads(line))
            self._flush()
        finally:
            indices.put_settings(index=self.target, body={"index": {"refresh_interval": None}})
            indices.refresh(index=self.target)
        self._raise_failures(swapped=True)

    def _raise_failures(self, swapped: bool) -> None:
        failures = self.sender.failures
        if not failures:
            return
        named = "; ".join(f"{article} ({reason})" for article, reason in failures[:MAX_NAMED_FAILURES])
        more = f" and {len(failures) - MAX_NAMED_FAILURES} more" if len(failures) > MAX_NAMED_FAILURES else ""
        outcome = "the other changes are in; run reindex again to retry them" if swapped else "the index was left as it was"
        raise NewssearchError(f"{len(failures)} articles could not be written to the {self._where}: {named}{more}; {outcome}")

    def cancel(self) -> None:
        if self._done:
            return  # after a commit (or a failed one, which cleaned up) there is nothing to drop
        try:
            if self.full:
                with translated(self._where):
                    self.client.indices.delete(index=self.target, ignore_unavailable=True)
        finally:
            self._release()

    def _release(self) -> None:
        self._done = True
        if self._spill is not None:
            self._spill.close()
            self._spill = None
        if self.full and self.sender.failures:
            with contextlib.suppress(Exception):  # the failure being reported matters more than this cleanup
                self.client.indices.delete(index=self.target, ignore_unavailable=True)
        self.sender.client.close()
        self._lock.close()


def scan_indexed(client: OpenSearch, index: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    """Every live article's ``fields``, in no order (a scroll over the index)."""
    for hit in helpers.scan(client, index=index, query={"_source": fields}):
        yield hit["_source"]
