"""The judged test collections in ``../shared/corpora``: documents, queries and relevance judgments.

Each collection has its own file formats and quirks (read its ``PROVENANCE.md``); this module
turns every one into the same three things, so the benchmark treats them alike:

- documents with a title (empty where the collection has none: MED and NPL; a title is
  never invented from the body), a body and authors;
- queries as a user would type them: the collection's text with line breaks and
  indentation collapsed to single spaces, otherwise untouched (capitals, punctuation);
- judgments: query id -> the ids of the documents judged relevant (binary).

Run as a script, it reads the collections and prints, as JSON, what each one's PROVENANCE.md
can be checked against (counts, malformed queries, judged ids that are no document) and its
first document; tests/test_judged.py checks the readers that way:

    python benchmarks/judged.py [--corpora DIR] [cisi lisa ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    body: str
    author: str


@dataclass(frozen=True)
class Query:
    id: str
    text: str


Judgments = dict[str, set[str]]
"""Query id -> ids of the documents judged relevant."""


@dataclass(frozen=True)
class Collection:
    name: str
    documents: list[Document]
    queries: list[Query]  # only the judged ones
    judgments: Judgments


def smart_records(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART-format records (``.I n`` then ``.T``/``.A``/``.W``/... sections) as (id, field -> text).

    A field that occurs several times (``.A`` with several authors) keeps its lines joined by newlines.
    """
    record_id: str | None = None
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if marker := re.match(r"^\.([A-Z])\b\s*(.*)$", line):
            tag, rest = marker.groups()
            if tag == "I":
                if record_id is not None:
                    yield record_id, _joined(fields)
                record_id, fields, current = rest.strip(), {}, None
                continue
            current = fields.setdefault(tag, [])
            if rest.strip():
                current.append(rest)
        elif current is not None:
            current.append(line)
    if record_id is not None:
        yield record_id, _joined(fields)


def _joined(fields: dict[str, list[str]]) -> dict[str, str]:
    return {tag: "\n".join(lines).strip() for tag, lines in fields.items()}


def one_line(text: str) -> str:
    """Text as typed into a search box: the record's line breaks and indentation become single spaces."""
    return " ".join(text.split())


def _smart_documents(text: str) -> list[Document]:
    return [
        Document(id=i, title=one_line(f.get("T", "")), body=f.get("W", ""), author="; ".join(f.get("A", "").splitlines()))
        for i, f in smart_records(text)
    ]


def _pairs(text: str, query_column: int, doc_column: int, keep: Callable[[list[str]], bool] = lambda _: True) -> Judgments:
    judgments: Judgments = defaultdict(set)
    for line in text.splitlines():
        if (columns := line.split()) and keep(columns):
            judgments[str(int(columns[query_column]))].add(str(int(columns[doc_column])))
    return dict(judgments)


def _judged(name: str, documents: list[Document], queries: list[Query], judgments: Judgments) -> Collection:
    return Collection(name, documents, [query for query in queries if query.id in judgments], judgments)


def cisi(folder: Path) -> Collection:
    """Queries 58 onward also carry the title and source of a paper, which are not the question (.W is)."""
    with gzip.open(folder / "CISI.ALL.gz", "rt", encoding="ascii") as file:
        documents = _smart_documents(file.read())
    queries = [Query(i, one_line(f["W"])) for i, f in smart_records((folder / "CISI.QRY").read_text(encoding="ascii"))]
    return _judged("cisi", documents, queries, _pairs((folder / "CISI.REL").read_text(encoding="ascii"), 0, 1))


def cranfield(folder: Path) -> Collection:
    """cranqrel numbers queries by their position in cran.qry, not their .I; code -1 is not relevant."""
    with gzip.open(folder / "cran.all.1400.gz", "rt", encoding="ascii") as file:
        documents = _smart_documents(file.read())
    records = smart_records((folder / "cran.qry").read_text(encoding="ascii"))
    queries = [Query(str(position), one_line(f["W"])) for position, (_, f) in enumerate(records, start=1)]
    judgments = _pairs((folder / "cranqrel").read_text(encoding="ascii"), 0, 1, keep=lambda c: 1 <= int(c[2]) <= 4)
    return _judged("cranfield", documents, queries, judgments)


def cacm(folder: Path) -> Collection:
    """Only half the documents have an abstract (.W); the trailing empty query ``.I 0`` is skipped."""
    with gzip.open(folder / "cacm.all.gz", "rt", encoding="ascii") as file:
        documents = _smart_documents(file.read().replace("\x19", ""))
    records = smart_records((folder / "query.text").read_text(encoding="ascii"))
    queries = [Query(str(int(i)), one_line(f["W"])) for i, f in records if f.get("W")]
    return _judged("cacm", documents, queries, _pairs((folder / "qrels.text").read_text(encoding="ascii"), 0, 1))


def med(folder: Path) -> Collection:
    """No titles: a MED title would only be the body's first sentence."""
    with gzip.open(folder / "MED.ALL.gz", "rt", encoding="ascii") as file:
        documents = _smart_documents(file.read())
    queries = [Query(i, one_line(f["W"])) for i, f in smart_records((folder / "MED.QRY").read_text(encoding="ascii"))]
    return _judged("med", documents, queries, _pairs((folder / "MED.REL").read_text(encoding="ascii"), 0, 2))


def _slash_records(text: str) -> Iterator[tuple[str, str]]:
    """NPL's records: the id on its own line, the text, then a line that is ``/`` once stripped."""
    for record in re.split(r"^\s*/\s*$", text, flags=re.MULTILINE):
        if lines := record.strip().splitlines():
            yield lines[0].strip(), "\n".join(lines[1:])


def npl(folder: Path) -> Collection:
    """No titles; documents are lower case without punctuation or digits, queries UPPER CASE."""
    with gzip.open(folder / "doc-text.gz", "rt", encoding="ascii") as file:
        documents = [Document(i, "", body, "") for i, body in _slash_records(file.read())]
    queries = [Query(i, one_line(text)) for i, text in _slash_records((folder / "query-text").read_text(encoding="ascii"))]
    judgments = {i: set(docs.split()) for i, docs in _slash_records((folder / "rlv-ass").read_text(encoding="ascii"))}
    return _judged("npl", documents, queries, judgments)


def lisa(folder: Path) -> Collection:
    """UPPER CASE, CRLF. Documents: ``Document n``, title lines, a blank line, the abstract, a line of
    ``*``; a headerless chunk is dropped and the first copy of a repeated id kept. Judgments come
    from LISARJ.NUM (LISA.REL is garbled): ``qid n doc_1 .. doc_n`` as one stream of numbers."""
    documents: dict[str, Document] = {}
    for path in sorted(folder.glob("LISA[0-9].[0-9][0-9][0-9]")):
        for record in re.split(r"^\*{44}\s*$", path.read_text(encoding="ascii").replace("\r", ""), flags=re.MULTILINE):
            header = re.match(r"\s*Document\s+(\d+)\s*\n", record)
            if header is None:
                continue
            title, _, abstract = record[header.end() :].partition("\n\n")
            documents.setdefault(header.group(1), Document(header.group(1), one_line(title), abstract.strip(), ""))
    queries = []
    for record in re.split(r"#\s*$", (folder / "LISA.QUE").read_text(encoding="ascii").replace("\r", ""), flags=re.MULTILINE):
        if lines := record.strip().splitlines():
            queries.append(Query(lines[0].strip(), one_line(" ".join(lines[1:]))))
    numbers = iter((folder / "LISARJ.NUM").read_text(encoding="ascii").split())
    judgments = {query_id: {next(numbers) for _ in range(int(next(numbers)))} for query_id in numbers}
    return _judged("lisa", list(documents.values()), queries, judgments)


LOADERS: dict[str, Callable[[Path], Collection]] = {
    "cisi": cisi,
    "cranfield": cranfield,
    "cacm": cacm,
    "med": med,
    "npl": npl,
    "lisa": lisa,
}


def load(name: str, corpora: Path = CORPORA) -> Collection:
    return LOADERS[name](corpora / name)


def summary(collection: Collection) -> dict[str, Any]:
    """What a reading can be checked against: the counts PROVENANCE.md states, flaws that must be zero, a sample."""
    ids = {document.id for document in collection.documents}
    first = collection.documents[0]
    return {
        "documents": len(collection.documents),
        "distinct_ids": len(ids),
        "queries": len(collection.queries),
        "judgments": sum(len(relevant) for relevant in collection.judgments.values()),
        "judged_ids_not_documents": sum(len(relevant - ids) for relevant in collection.judgments.values()),
        # empty, on several lines, or keeping LISA's end mark
        "malformed_queries": sum(not q.text or "\n" in q.text or q.text.endswith("#") for q in collection.queries),
        "titled_documents": sum(bool(document.title) for document in collection.documents),
        "first_document": {"id": first.id, "title": first.title, "body_start": first.body[:100]},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read the judged collections; print what each holds, as JSON.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(LOADERS)} (default: all)")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help=f"the folder holding them (default: {CORPORA})")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in LOADERS]:
        parser.error(f"no collection {', '.join(unknown)}: choose from {', '.join(LOADERS)}")
    names = args.names or list(LOADERS)
    if missing := [name for name in names if not (args.corpora / name).is_dir()]:
        print(f"error: no {', '.join(missing)} folder in {args.corpora}: pass --corpora DIR, the shared corpora folder", file=sys.stderr)
        return 1
    print(json.dumps({name: summary(load(name, args.corpora)) for name in names}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
