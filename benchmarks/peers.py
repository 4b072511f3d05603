"""The engines newssearch is measured against, each ranking the same documents for the same query text.

Each peer indexes a document as its title and body in one text and is used as its makers
ship it; only the BM25 parameters are set where they are settable (k1 1.2, b 0.75):

- ``BM25``: ``rank_bm25.BM25Okapi`` over words (``\\w+``, lower-cased) with Whoosh's English
  stop list removed and PyStemmer's Snowball English stemmer;
- ``FTS5``: SQLite's FTS5 with its ``porter unicode61`` tokenizer, ``ORDER BY bm25()``
  (k1 1.2, b 0.75 built in), the query's words OR-ed;
- ``tantivy``: the ``en_stem`` tokenizer, the query's words through its query parser
  (OR by default);
- ``Lucene``: Anserini's ``SimpleIndexer``/``SimpleSearcher`` from pyserini's jar (its
  English analyzer: Porter stemming, Lucene's stop list), BM25 k1 1.2, b 0.75; and
  ``Lucene+RM3``: the same with Anserini's RM3 feedback (10 terms from the top 10, original
  query weight 0.5), the reference for pseudo-relevance feedback.

Every peer dependency is optional (``pip install -e '.[bench]'``; pyserini itself with
``pip install --no-deps pyserini``, as it otherwise pulls in torch): a peer whose package is
missing is skipped with a one-line note.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Sequence

from judged import Document, Query

Ranking = list[str]
Ranker = Callable[[Sequence[Document], Sequence[Query], int], dict[str, Ranking]]
"""Documents, queries, depth -> query id -> document ids, best first."""

K1, B = 1.2, 0.75
JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"
"""Pyserini needs Java 21 or newer; this is where the machines keep one (used when JAVA_HOME is unset)."""
_WORD = re.compile(r"\w+")


def _text(doc: Document) -> str:
    return f"{doc.title}\n{doc.body}"


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def rank_bm25(documents: Sequence[Document], queries: Sequence[Query], depth: int) -> dict[str, Ranking]:
    import Stemmer
    from rank_bm25 import BM25Okapi
    from whoosh.analysis import STOP_WORDS

    stem = Stemmer.Stemmer("english").stemWords

    def tokens(text: str) -> list[str]:
        return stem([word for word in _words(text) if word not in STOP_WORDS])

    bm25 = BM25Okapi([tokens(_text(doc)) for doc in documents], k1=K1, b=B)
    rankings = {}
    for query in queries:
        scores = bm25.get_scores(tokens(query.text))
        order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
        rankings[query.id] = [documents[i].id for i in order[:depth] if scores[i] > 0]
    return rankings


def fts5(documents: Sequence[Document], queries: Sequence[Query], depth: int) -> dict[str, Ranking]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, text, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?)", [(doc.id, _text(doc)) for doc in documents])
    rankings = {}
    for query in queries:
        match = " OR ".join(f'"{word}"' for word in dict.fromkeys(_words(query.text)))
        rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, depth)) if match else []
        rankings[query.id] = [row[0] for row in rows]
    return rankings


def tantivy(documents: Sequence[Document], queries: Sequence[Query], depth: int) -> dict[str, Ranking]:
    import tantivy as tv

    builder = tv.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("text", tokenizer_name="en_stem")
    index = tv.Index(builder.build())
    writer = index.writer()
    for doc in documents:
        writer.add_document(tv.Document(id=doc.id, text=_text(doc)))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    rankings = {}
    for query in queries:
        words = " ".join(_words(query.text))  # lower case: AND/OR/NOT in an upper-case query are not operators
        if not words:
            rankings[query.id] = []
            continue
        hits = searcher.search(index.parse_query(words, ["text"]), depth).hits
        rankings[query.id] = [searcher.doc(address)["id"][0] for _, address in hits]
    return rankings


def _lucene(rm3: bool) -> Ranker:
    def rank(documents: Sequence[Document], queries: Sequence[Query], depth: int) -> dict[str, Ranking]:
        os.environ.setdefault("JAVA_HOME", JAVA_HOME)
        from pyserini.pyclass import autoclass

        indexer_class = autoclass("io.anserini.index.SimpleIndexer")
        searcher_class = autoclass("io.anserini.search.SimpleSearcher")
        with tempfile.TemporaryDirectory(prefix="newssearch-lucene-") as folder:
            # Document vectors stored: RM3 reads the feedback documents' terms from them.
            args = ["-index", folder, "-input", "", "-collection", "JsonCollection", "-threads", "1", "-storeDocvectors"]
            indexer = indexer_class(args)
            for doc in documents:
                indexer.addRawDocument(json.dumps({"id": doc.id, "contents": _text(doc)}))
            indexer.close()
            searcher = searcher_class(folder)
            searcher.set_bm25(K1, B)
            if rm3:
                searcher.set_rm3(None, 10, 10, 0.5, False, True)
            rankings = {query.id: [hit.docid for hit in searcher.search(query.text, depth)] for query in queries}
            searcher.close()
        return rankings

    return rank


PEERS: dict[str, Ranker] = {
    "BM25": rank_bm25,
    "FTS5": fts5,
    "tantivy": tantivy,
    "Lucene": _lucene(rm3=False),
    "Lucene+RM3": _lucene(rm3=True),
}
