"""The cluster engine: OpenSearch, through its official client (opensearch-py).

The index lives in the cluster, behind an alias (NEWSSEARCH_OPENSEARCH_INDEX) that a full
reindex moves to a new physical index in one step (writing.py); the index folder keeps
only the writer's lock file. Configuration comes from the environment alone (config.py).
Searching translates the one parsed query language (querytree.py, translate.py) to the
query DSL; facets are ``terms`` aggregations, snippets come from the highlighter,
did-you-mean from the term suggester on the unstemmed words, related articles from
``more_like_this``, and recency from a ``function_score`` decay.
"""

from __future__ import annotations

import base64
import html
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch

from ...errors import ArticleNotFound, IndexOutdated, QueryError
from ...fields import Schema
from .. import querytree as t
from ..base import Engine, EngineStats, Indexed, Match, Matches, Query, Stored, Writer
from .config import Settings
from .errors import ClusterUnavailable, translated
from .mapping import doc_id, from_source, stored, stored_keys
from .translate import Translator

FACET_VALUES = 10_000
"""Values counted per facet: all of them for an archive's sources, years, months and tags."""
DAYS = "newssearch:days"
"""The aggregation of matches per day (Query.days), named apart from any facet of the table."""
RECENCY_HALF_LIFE = "30d"
RECENCY_FLOOR = 0.5
"""As the Whoosh engine's ranking.py: relevance times 0.5 + 0.5 * 0.5^(age / 30 days), the age
counted back from the newest article; undated articles get the floor."""
SNIPPET_FRAGMENT = 150
SNIPPET_LEAD = 300
RELATED_TERMS = 12
CHECK_SECONDS = 30.0
"""How long the index behind the alias, and its schema version, are taken as known."""
MARK = ("<mark>", "</mark>")
SHARD_RETRY_WAITS = (0.5, 1.0, 2.0)
"""Seconds before a search that some shards failed, or that failed whole with a passing status
(errors.RETRYABLE: all shards failed, 500), is sent again. A node that has just died fails
the shard requests already on their way to it until the cluster routes around it (a second
or two, tests/test_opensearch_failover.py); a red index fails every try, 3.5 s in all."""


class OpenSearchEngine(Engine):
    """The index ``settings.index`` on the cluster of ``settings.urls``."""

    def __init__(self, index_dir: Path, schema: Schema, settings: Settings) -> None:
        self.index_dir, self.schema, self.settings = index_dir, schema, settings
        self.client: OpenSearch = settings.client()
        self.translator = Translator(schema)
        self._where = settings.where()
        self._checked: tuple[float, str, float | None] | None = None  # (when, physical index, newest date)
        self._date_field = next((f.name for f in schema.fields if f.kind == "datetime"), None)
        self._stored = stored_keys(schema)

    @classmethod
    def from_environment(cls, index_dir: Path, schema: Schema) -> OpenSearchEngine:
        return cls(index_dir, schema, Settings.from_environment())

    # The index behind the alias ------------------------------------------------------------

    def holders(self) -> list[str]:
        """The physical indexes the alias names now (none before the first reindex)."""
        with translated(self._where):
            if not self.client.indices.exists(index=self.settings.index):
                return []
            return sorted(self.client.indices.get_alias(index=self.settings.index))

    def physical(self) -> str:
        """The current index, checked for this schema version (IndexNotFound, IndexOutdated)."""
        return self._check()[1]

    def forget(self) -> None:
        """Check the alias again at the next search: a reindex has just moved it."""
        self._checked = None

    def _check(self) -> tuple[float, str, float | None]:
        if self._checked is not None and time.monotonic() - self._checked[0] < CHECK_SECONDS:
            return self._checked
        holders = self.holders()
        if not holders:
            raise ClusterUnavailable(f"no {self._where}: run `newssearch reindex` first")
        physical = holders[0]
        with translated(self._where):
            mapping = self.client.indices.get_mapping(index=physical)[physical]["mappings"]
            if mapping.get("_meta", {}).get("newssearch_schema") != self.schema.version:
                raise IndexOutdated(self._where)
            newest = None
            if self._date_field:
                body = {"size": 0, "aggs": {"newest": {"max": {"field": self._date_field}}}}
                newest = self.client.search(index=physical, body=body)["aggregations"]["newest"]["value"]
        self._checked = (time.monotonic(), physical, newest)
        return self._checked

    # Writing -------------------------------------------------------------------------------

    def writer(self, full: bool, size_bytes: int) -> Writer:
        from .writing import OpenSearchWriter

        return OpenSearchWriter.open(self, full)

    def exists(self) -> bool:
        try:
            self._check()
        except (ClusterUnavailable, IndexOutdated):
            return False
        return True

    def indexed(self) -> Iterator[Indexed]:
        from .writing import scan_indexed

        if not self.exists():
            return  # a first (or schema-changing) reindex: no bookkeeping to keep
        names = ("id", "filekey", "blocks", "dropped", "copies")
        with translated(self._where):
            for source in scan_indexed(self.client, self.physical(), list(names)):
                values = from_source(source, self.schema, names)
                yield Indexed(**values)

    def _meta_index(self) -> str:
        return f"{self.settings.index}-meta"

    def save_report(self, report: dict[str, Any]) -> None:
        meta = self._meta_index()
        with translated(self._where):
            if not self.client.indices.exists(index=meta):
                mappings = {"dynamic": "strict", "properties": {"report": {"type": "text", "index": False}}}
                settings = {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}}
                self.client.indices.create(index=meta, body={"settings": settings, "mappings": mappings})
            self.client.index(index=meta, id="report", body={"report": json.dumps(report, default=str)}, refresh=True)

    def last_report(self) -> dict[str, Any] | None:
        with translated(self._where):
            if not self.client.indices.exists(index=self._meta_index()):
                return None
            found = self.client.get(index=self._meta_index(), id="report", ignore=404)
        return json.loads(found["_source"]["report"]) if found.get("found") else None

    # Searching -----------------------------------------------------------------------------

    def _parse(self, text: str) -> t.Node:
        from .. import parse  # the one parser of the query language, shared with the Whoosh engine

        return parse(text, self.schema)[0]

    def search(self, query: Query) -> Matches:
        tree = self._parse(query.text)
        _, physical, newest = self._check()
        text_query = self.translator.query(tree)
        by_date = _by_date(query)
        scoring = self._recency(text_query, newest) if query.recency and by_date is None and newest is not None else text_query
        body: dict[str, Any] = {
            "query": self._filtered(scoring, query),
            "size": query.window,
            "track_total_hits": True,
            "_source": {"includes": [*self._stored, "sketch"]},
            "sort": self._sort(by_date),
        }
        if query.facets:
            body["aggs"] = {f.name: {"terms": {"field": f.field, "size": FACET_VALUES}} for f in self.schema.facets}
        if query.days and self._date_field:
            per_day = {"field": self._date_field, "calendar_interval": "day", "format": "yyyy-MM-dd", "min_doc_count": 1}
            body.setdefault("aggs", {})[DAYS] = {"date_histogram": per_day}
        response = self._search(physical, body, query.deadline)
        hits = self._matches(response, scored=by_date is None)
        aggregations = response.get("aggregations", {})
        days = {b["key_as_string"]: b["doc_count"] for b in aggregations.pop(DAYS)["buckets"]} if DAYS in aggregations else None
        facets = None
        if query.facets:
            facets = {name: {b["key"]: b["doc_count"] for b in agg["buckets"]} for name, agg in aggregations.items()}
        return Matches(response["hits"]["total"]["value"], hits, facets, self._snippets(physical, self.translator.query(tree, highlight=True)), days)

    def _filtered(self, scoring: dict[str, Any], query: Query) -> dict[str, Any]:
        filters: list[dict[str, Any]] = []
        for name, values in query.filters.items():
            facet = self.schema.facet(name)
            if facet.fold_case:
                terms = [{"term": {facet.field: {"value": v, "case_insensitive": True}}} for v in values]
                filters.append({"bool": {"should": terms, "minimum_should_match": 1}})
            else:
                filters.append({"terms": {facet.field: list(values)}})
        if (query.since or query.until) and self._date_field:
            days: dict[str, Any] = {"format": "strict_date"}
            if query.since:
                days["gte"] = query.since.isoformat()
            if query.until:
                days["lte"] = query.until.isoformat()
                days["lte"] += "||/d"  # through the end of that day
            filters.append({"range": {self._date_field: days}})
        return {"bool": {"must": [scoring], "filter": filters}} if filters else scoring

    def _recency(self, scoring: dict[str, Any], newest: float) -> dict[str, Any]:
        assert self._date_field is not None
        decay = {self._date_field: {"origin": int(newest), "scale": RECENCY_HALF_LIFE, "decay": 0.5}}
        return {
            "function_score": {
                "query": scoring,
                "functions": [
                    {"weight": RECENCY_FLOOR},
                    {"filter": {"exists": {"field": self._date_field}}, "exp": decay, "weight": 1 - RECENCY_FLOOR},
                ],
                "score_mode": "sum",
                "boost_mode": "multiply",
            }
        }

    def _sort(self, by_date: bool | None) -> list[Any]:
        tie = {"id": "asc"}
        if by_date is None or self._date_field is None:
            return ["_score", tie]
        order = "desc" if by_date else "asc"
        return [{self._date_field: {"order": order, "missing": "_last", "unmapped_type": "date"}}, "_score", tie]

    def _search(self, index: str, body: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Run a search within the time left before ``deadline`` (of time.thread_time)."""
        left = deadline - time.thread_time()
        if left != float("inf"):
            if left <= 0:
                raise QueryError("the search ran out of time before it was sent: make the query more specific")
            body["timeout"] = f"{max(int(left * 1000), 1)}ms"
        for wait in (*SHARD_RETRY_WAITS, None):
            try:
                with translated(self._where):
                    response: dict[str, Any] = self.client.search(index=index, body=body)
            except ClusterUnavailable as error:
                if wait is None or not error.passing:
                    raise
                time.sleep(wait)
                continue
            if response.get("timed_out"):
                raise QueryError(f"the search took over {left:.0f} s and was stopped: make the query more specific")
            if not response.get("_shards", {}).get("failed"):
                return response
            if wait is not None:
                time.sleep(wait)
        raise ClusterUnavailable(f"the {self._where} is missing some shards (red): try again when the cluster has recovered")

    def _matches(self, response: dict[str, Any], scored: bool) -> list[Match]:
        matches = []
        for hit in response["hits"]["hits"]:
            source = hit["_source"]
            sketch = base64.b64decode(source["sketch"]) if source.get("sketch") else b""
            score = hit.get("_score") if scored else None
            matches.append(Match(id=source["id"], score=score, stored=stored(source, self.schema), sketch=sketch))
        return matches

    def _snippets(self, index: str, highlight_query: dict[str, Any]) -> Any:
        def snippets(matches: list[Match]) -> list[str]:
            if not matches:
                return []
            body = {
                "query": {"ids": {"values": [doc_id(m.id) for m in matches]}},
                "size": len(matches),
                "_source": ["id"],
                "highlight": {
                    "highlight_query": highlight_query,
                    "pre_tags": [MARK[0]],
                    "post_tags": [MARK[1]],
                    "encoder": "html",
                    "require_field_match": False,  # the query searches body_indexed; the body shows its words
                    "fields": {"body": {"fragment_size": SNIPPET_FRAGMENT, "number_of_fragments": 2, "no_match_size": SNIPPET_LEAD}},
                },
            }
            with translated(self._where):
                hits = self.client.search(index=index, body=body)["hits"]["hits"]
            found = {h["_source"]["id"]: " … ".join(h.get("highlight", {}).get("body", [])) for h in hits}
            return [" ".join(found.get(m.id, "").split()) for m in matches]

        return snippets

    def get(self, article_id: str) -> Stored | None:
        physical = self.physical()
        with translated(self._where):
            found = self.client.get(index=physical, id=doc_id(article_id), ignore=404, _source_excludes=["sketch", "blocks", "dropped", "copies"])
        return stored(found["_source"], self.schema) if found.get("found") else None

    def related(self, article_id: str, limit: int) -> Matches:
        physical = self.physical()
        if self.get(article_id) is None:
            raise ArticleNotFound(article_id)
        like = {
            "more_like_this": {
                "fields": ["body"],
                "like": [{"_index": physical, "_id": doc_id(article_id)}],
                "min_term_freq": 1,
                "min_doc_freq": 1,
                "max_query_terms": RELATED_TERMS,
                "minimum_should_match": 1,  # any of its key words, as the Whoosh engine's more-like-this
            }
        }
        body = {"query": like, "size": limit, "track_total_hits": True, "_source": {"includes": [*self._stored, "sketch"]}}
        response = self._search(physical, body, float("inf"))
        return Matches(response["hits"]["total"]["value"], self._matches(response, scored=True), None, self._snippets(physical, like))

    def suggest(self, text: str) -> str | None:
        """Words the index does not have, respelled to the most similar ones it has (term suggester)."""
        if not text.strip():
            return None
        body = {"size": 0, "suggest": {"words": {"text": text, "term": {"field": "body.exact", "suggest_mode": "missing", "min_word_length": 3}}}}
        response = self._search(self.physical(), body, float("inf"))
        respelled, changed = text, False
        for entry in sorted(response["suggest"]["words"], key=lambda e: -e["offset"]):  # from the end: offsets stay right
            if entry["options"]:
                start, end = entry["offset"], entry["offset"] + entry["length"]
                respelled, changed = respelled[:start] + entry["options"][0]["text"] + respelled[end:], True
        return respelled if changed else None

    def mark(self, text: str, query_text: str) -> str:
        try:
            words, prefixes = _searched_words(self._parse(query_text), {f.name for f in self.schema.searched})
        except QueryError:
            return ""
        if not text or not (words or prefixes):
            return ""
        with translated(self._where):
            tokens = self.client.indices.analyze(index=self.physical(), body={"analyzer": "newssearch_text", "text": text})["tokens"]
        spans: dict[int, int] = {}
        for token in tokens:
            term = token["token"]
            if term in words or any(term.startswith(p) for p in prefixes):
                start, end = token["start_offset"], token["end_offset"]
                spans[start] = max(spans.get(start, end), end)
        if not spans:
            return ""
        parts, position = [], 0
        for start in sorted(spans):
            if start < position:
                continue  # inside a word already marked (a part of a hyphenated word)
            parts += [html.escape(text[position:start], quote=False), MARK[0], html.escape(text[start : spans[start]], quote=False), MARK[1]]
            position = spans[start]
        parts.append(html.escape(text[position:], quote=False))
        return "".join(parts)

    def stats(self) -> EngineStats:
        physical = self.physical()
        with translated(self._where):
            count = self.client.count(index=physical)["count"]
            size = self.client.indices.stats(index=physical, metric="store")["_all"]["primaries"]["store"]["size_in_bytes"]
        return EngineStats(articles=count, size_bytes=size, location=f"{self._where} (now {physical})")

    def close(self) -> None:
        self.client.close()
        self.client = self.settings.client()  # a later call opens again
        self._checked = None


def _by_date(query: Query) -> bool | None:
    """Newest first (True), oldest first (False), or by relevance (None); an empty query lists the newest."""
    if query.sort == "relevance" and query.text.strip():
        return None
    return query.sort != "oldest"


def _searched_words(node: t.Node, fields: set[str]) -> tuple[set[str], tuple[str, ...]]:
    """The terms and prefixes a query looks for in the article text (not what it excludes)."""
    words: set[str] = set()
    prefixes: list[str] = []

    def walk(node: t.Node) -> None:
        if isinstance(node, (t.And, t.Or)):
            for child in node.children:
                walk(child)
        elif isinstance(node, t.AndNot):
            walk(node.positive)
        elif isinstance(node, t.Term) and node.field in fields:
            words.add(node.text)
        elif isinstance(node, t.Phrase) and node.field in fields:
            words.update(node.words)
        elif isinstance(node, t.Prefix) and node.field in fields:
            prefixes.append(node.text)

    walk(node)
    return words, tuple(prefixes)
