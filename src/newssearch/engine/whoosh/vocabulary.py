"""The archive's words as written, with how often each occurs: the data behind did-you-mean.

Why a file of its own and not Whoosh's ``spelling=True`` fields: those fields indexed
every unstemmed word of every headline and body a second time (47% of the index's
postings, ~10% of a reindex's CPU) to answer one question, "which words exist and how
common are they". A word -> count table answers it in 0.45 MB for Reuters (43,000 words).

Why counted at reindex and not derived when the index is opened: deriving it means
reading every stored article (4 s on Reuters), far too slow for a one-off
``newssearch query``. At reindex the articles are in hand: their words are counted as
they are added, the words of articles deleted or replaced are counted from their stored
text and subtracted, so the table stays exact across incremental reindexes.

Committed with the index: the table is written as ``_<indexname>_<generation>.words``
before Whoosh renames its table of contents for that
generation into place, so a reader that sees generation N always finds N's words. A
commit that fails leaves a file for a generation never committed, which the next commit
overwrites.

The file is plain sorted ``word<TAB>count`` lines after a first line ``<TAB>total``. Plain,
not gzipped, so that a query's words are counted by a binary search of the bytes in place
(microseconds, where parsing the whole table costs 40-60 ms): most queries need
nothing more, and a one-off ``newssearch query`` should not pay for the rest.

Words are runs of letters (2 or more), lower-cased and accent-folded like the index's
own analysis; stop words are kept (``teh`` should still find ``the``), numbers are not.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path

from whoosh.index import FileIndex
from whoosh.reading import IndexReader
from whoosh.support.charset import accent_map

from .store import INDEX_NAME

WORD = re.compile(r"[^\W\d_]{2,}")
_ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
"""WORD in ASCII text, before lower-casing."""
KEEP_GENERATIONS = 2
"""Words files kept: the current generation's and the one before, which a searcher that
has not yet noticed the commit may still ask for."""


def fold(word: str) -> str:
    """A word as the table keys it: lower-cased, accents removed (``Café`` -> ``cafe``)."""
    word = word.lower()
    return word if word.isascii() else word.translate(accent_map)


def count(texts: Iterable[str]) -> Counter[str]:
    """How often each word occurs in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(WORD.findall(text.lower()))
    for word in [w for w in counts if not w.isascii()]:  # fold the few accented words once, not every text
        folded = fold(word)
        if folded != word:
            counts[folded] += counts.pop(word)
    return counts


def words_of(document: Mapping[str, object]) -> Counter[str]:
    """The words of one article's headline and body, from its Whoosh document or its stored fields."""
    return count(_texts(document))


def _texts(document: Mapping[str, object]) -> tuple[str, str]:
    """An article's headline and body, from its Whoosh document or its stored fields.

    A Whoosh document's indexed body repeats the headline (schema.to_whoosh); its
    ``_stored_body``, like the stored fields' ``body``, is the body alone, so an article's
    words are counted once whether it is being added or forgotten.
    """
    body = document["_stored_body"] if "_stored_body" in document else document.get("body")
    return str(document.get("title") or ""), str(body or "")


def path(index_dir: str | Path, generation: int) -> Path:
    """The words file of one generation of the index (a sibling of Whoosh's ``_<name>_<gen>.toc``)."""
    return Path(index_dir) / f"_{INDEX_NAME}_{generation}.words"


def encode(counts: Mapping[str, int]) -> bytes:
    """The words file's content for these counts (words counted 0 or less left out)."""
    kept = sorted((word, n) for word, n in counts.items() if n > 0)
    return "".join([f"\t{sum(n for _, n in kept)}\n", *(f"{word}\t{n}\n" for word, n in kept)]).encode("utf-8")


class Vocabulary(Mapping[str, int]):
    """A words file's table, searched in place: ``vocabulary[word]`` bisects the sorted lines, nothing is parsed
    until every word is asked for (``items``)."""

    def __init__(self, data: bytes) -> None:
        self._data = b"\n" + data  # every entry starts after a newline, the total's after "\n\t"

    @classmethod
    def load(cls, file: Path) -> Vocabulary:
        """The table in a words file; FileNotFoundError if there is none."""
        return cls(file.read_bytes())

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Vocabulary:
        return cls(encode(counts))

    @cached_property
    def total(self) -> int:
        """How many words the archive has, every occurrence counted."""
        return int(self._data[2 : self._data.index(b"\n", 1)])

    def __getitem__(self, word: str) -> int:
        """A binary search over the sorted lines: scanning the bytes for the word took 0.2 ms
        a word at 10x (half a megabyte), a few a search for did-you-mean."""
        key, data = word.encode("utf-8"), self._data
        low, high = data.index(b"\n", 1) + 1, len(data)  # the first entry's line (after the total's), the end
        while word and low < high:  # low and high are where lines begin
            start = data.rfind(b"\n", 0, (low + high) // 2) + 1
            tab = data.index(b"\t", start)
            end = data.index(b"\n", tab)
            if data[start:tab] == key:
                return int(data[tab + 1 : end])
            low, high = (end + 1, high) if data[start:tab] < key else (low, start)
        raise KeyError(word)

    def items(self) -> Iterator[tuple[str, int]]:  # type: ignore[override]  # a generator, not a view
        for line in self._data.decode("utf-8").splitlines()[2:]:
            word, n = line.split("\t")
            yield word, int(n)

    def __iter__(self) -> Iterator[str]:
        return (word for word, _ in self.items())

    def __len__(self) -> int:
        return self._data.count(b"\n") - 2  # the newline put before the data, the total's line


class Tally:
    """The word counts of the index a writer is building, saved with its commit.

    Usage: ``add`` each new article, ``forget`` the live articles the writer deletes or
    replaces, ``save`` before ``writer.commit()``, ``prune`` after.
    """

    def __init__(self, index: FileIndex, fresh: bool) -> None:
        """Start from nothing (``fresh``: a full rebuild) or from the index's current counts."""
        self.index = index
        self.counts: Counter[str] = Counter() if fresh else self._current()
        self._added: Counter[str] = Counter()  # words of the articles added, not yet folded

    def add(self, document: Mapping[str, object]) -> None:
        """Count a new article's words as written, to be folded once at ``save``: counting them
        into ``counts`` article by article (a Counter per article, folded and merged in
        Python) cost a full Reuters reindex over a second."""
        for text in _texts(document):
            if text.isascii():
                self._added.update(_ASCII_WORD.findall(text))
            else:
                self._added.update(WORD.findall(text.lower()))

    def forget(self, reader: IndexReader, docnums: Iterable[int]) -> None:
        """Subtract the words of these live articles of the committed index."""
        for docnum in docnums:
            self.counts.subtract(words_of(reader.stored_fields(docnum)))

    def save(self, generation: int) -> None:
        """Write the words file of ``generation`` atomically (write, then rename)."""
        for word, n in self._added.items():
            self.counts[fold(word)] += n
        self._added.clear()
        target = path(self.index.storage.folder, generation)
        temporary = target.with_name(f".{target.name}.tmp")
        try:
            temporary.write_bytes(encode(self.counts))
            os.replace(temporary, target)
        except OSError:  # a full disk: leave nothing behind (a file of a generation never committed is overwritten)
            temporary.unlink(missing_ok=True)
            raise

    def prune(self, generation: int) -> None:
        """Delete the words files of generations older than the last KEEP_GENERATIONS."""
        pattern = re.compile(rf"_{re.escape(INDEX_NAME)}_(\d+)\.words")
        for file in Path(self.index.storage.folder).iterdir():
            if (match := pattern.fullmatch(file.name)) and int(match[1]) <= generation - KEEP_GENERATIONS:
                file.unlink(missing_ok=True)

    def _current(self) -> Counter[str]:
        """The committed index's counts: from its words file, or recounted from its articles if it has none."""
        with self.index.reader() as reader:
            try:
                return Counter(dict(Vocabulary.load(path(self.index.storage.folder, reader.generation())).items()))
            except FileNotFoundError:
                counts: Counter[str] = Counter()
                for docnum in reader.all_doc_ids():
                    counts.update(words_of(reader.stored_fields(docnum)))
                return counts
