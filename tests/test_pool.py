"""The writers' pool of postings (engine/whoosh/pool.py): what comes out is what Whoosh's own pool
gives for the same postings, in memory or spilled to runs on disk, and the segment written from it
(a word at a time, postings.py) is the one Whoosh writes."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool

from newssearch import reindex
from newssearch.engine.whoosh import pool, postings
from newssearch.engine.whoosh.pool import GroupedPostingPool, Posting
from newssearch.engine.whoosh.store import open_index

SAMPLE = Path(__file__).parent.parent / "sample" / "archive"
Indexed = tuple[bytes, int, float, bytes | None]
"""A posting as a field indexes it: word, frequency, weight, value."""
BLOCK = 128
"""The postings a block of the W3 codec holds."""


@pytest.fixture(scope="module")
def sample_postings(tmp_path_factory: pytest.TempPathFactory) -> list[Posting]:
    """Every posting the engine's writer adds to its pool as it indexes the sample archive, in order."""
    added: list[Posting] = []
    grouped_add_field = GroupedPostingPool.add_field

    def recording(self: GroupedPostingPool, fieldname: str, docnum: int, items: Iterable[Indexed], boost: float) -> int:
        items = list(items)
        added.extend((fieldname, word, docnum, weight * boost, value) for word, _, weight, value in items)
        return grouped_add_field(self, fieldname, docnum, items, boost)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(GroupedPostingPool, "add_field", recording)
        reindex(SAMPLE, tmp_path_factory.mktemp("sample") / "index")
    return added


def pooled(pool_class: type[PostingPool], postings: list[Posting], folder: Path, limitmb: float) -> tuple[list[Posting], int]:
    """What a pool of ``pool_class`` gives back for ``postings`` with a ``limitmb`` memory limit, and how many runs it spilled."""
    folder.mkdir()
    postings_pool = pool_class(FileStorage(str(folder)), None, limitmb=1)
    postings_pool.limit = int(limitmb * 1024 * 1024)
    for item in postings:
        postings_pool.add(item)
    runs = len(postings_pool.runs)
    return list(postings_pool.iter_postings()), runs


def test_the_engines_writer_gathers_its_postings_by_word(sample_postings: list[Posting]) -> None:
    assert len(sample_postings) > 50_000
    assert {field for field, *_ in sample_postings} >= {"body", "title", "id", "path"}


@pytest.mark.parametrize("limitmb", [1024, 0.5], ids=["in memory", "spilled to runs"])
def test_the_pool_gives_the_postings_whooshs_pool_gives(sample_postings: list[Posting], tmp_path: Path, limitmb: float) -> None:
    expected, _ = pooled(PostingPool, sample_postings, tmp_path / "whoosh", 1024)
    got, runs = pooled(GroupedPostingPool, sample_postings, tmp_path / "grouped", limitmb)
    assert got == expected
    assert (runs > 5) == (limitmb < 1)
    assert not list((tmp_path / "grouped").iterdir())  # every run read back is removed


def test_a_words_postings_out_of_document_order_come_out_sorted(tmp_path: Path) -> None:
    postings: list[Posting] = [
        ("body", b"oil", 7, 1.0, b"a"),
        ("body", b"gas", 2, 1.0, None),
        ("body", b"oil", 3, 2.0, b"b"),
        ("body", b"oil", 5, 1.5, b"c"),
    ]
    got, _ = pooled(GroupedPostingPool, postings, tmp_path / "grouped", 1024)
    assert got == sorted(postings)


def index_files(index_dir: Path) -> dict[str, list[str]]:
    """The digest of every segment file of an index, by kind (segment names are random)."""
    files: dict[str, list[str]] = {}
    for path in index_dir.glob("newssearch*_*.*"):
        files.setdefault(path.suffix, []).append(hashlib.sha256(path.read_bytes()).hexdigest())
    return {kind: sorted(digests) for kind, digests in files.items()}


class WhooshsPool(PostingPool):
    """Whoosh's own pool, as the writer would use it, in the engine's pool's place."""


def test_the_segment_is_the_one_whooshs_pool_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's pool and its writer of a word's postings (postings.py) against Whoosh's pool,
    whose postings Whoosh's field writer takes one at a time: the same files, byte for byte, when
    every block is compressed as Whoosh compresses them."""
    monkeypatch.setattr(postings, "MIN_COMPRESSED", 0)
    reindex(SAMPLE, tmp_path / "grouped")
    monkeypatch.setattr(pool, "GroupedPostingPool", WhooshsPool)
    reindex(SAMPLE, tmp_path / "whoosh")
    grouped, whoosh = index_files(tmp_path / "grouped"), index_files(tmp_path / "whoosh")
    assert {".pst", ".trm", ".col"} <= grouped.keys()
    assert grouped == whoosh
    with open_index(tmp_path / "grouped").reader() as reader:  # words of one block, of several, and of a field without lengths
        frequencies = {field: [reader.doc_frequency(field, word) for word in reader.lexicon(field)] for field in ("body", "facet_year")}
    assert min(frequencies["body"]) == 1 and max(frequencies["body"]) > 3 * BLOCK
    assert max(frequencies["facet_year"]) > BLOCK


def test_small_blocks_are_written_uncompressed_and_read_back_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reindex(SAMPLE, tmp_path / "small")
    monkeypatch.setattr(postings, "MIN_COMPRESSED", 0)
    reindex(SAMPLE, tmp_path / "all")
    levels: dict[str, Counter[int]] = {}
    for name in ("small", "all"):
        with open_index(tmp_path / name).reader() as reader:
            levels[name] = Counter()
            for field, word in reader.all_terms():
                matcher = reader.postings(field, word)
                levels[name][matcher._compression] += 1  # the first block's, as its header says
        assert dict(levels[name]) != {}
    assert levels["all"].keys() == {3} and levels["small"].keys() == {0, 3}
    assert levels["small"][0] > levels["small"].total() / 3  # most words are in one article: a block of 60-80 bytes
    assert all_postings(tmp_path / "small") == all_postings(tmp_path / "all")
    size = {name: sum(path.stat().st_size for path in (tmp_path / name).glob("*.pst")) for name in ("small", "all")}
    assert size["small"] < size["all"]


def all_postings(index_dir: Path) -> list[tuple[str, bytes, int, float, bytes]]:
    """Every posting of an index, as its reader decodes them."""
    found = []
    with open_index(index_dir).reader() as reader:
        for field, word in reader.all_terms():
            matcher = reader.postings(field, word)
            while matcher.is_active():
                found.append((field, word, matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
    return found


def test_the_pools_estimate_of_its_memory_counts_every_posting(sample_postings: list[Posting], tmp_path: Path) -> None:
    """Its memory limit bounds a reindex's memory: an estimate below the real size would let it grow."""
    grouped = GroupedPostingPool(FileStorage(str(tmp_path)), None, limitmb=1024)
    tracemalloc.start()
    for field, word, docnum, weight, value in sample_postings:  # new words and values, as a writer makes them
        grouped.add((field, bytes(bytearray(word)), docnum, weight, None if value is None else bytes(bytearray(value))))
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert used <= grouped.currentsize < 2 * used
