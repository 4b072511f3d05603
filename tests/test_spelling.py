"""Did-you-mean: the respelling rule, the query kept as typed, and the word counts kept exact by reindex."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from newssearch import SearchIndex, reindex
from newssearch.engine.whoosh import vocabulary
from newssearch.engine.whoosh.spelling import Speller, speller, suggest

COUNTS = {
    "interest": 3053, "interests": 330, "intent": 191, "interst": 5, "rates": 2288, "oil": 5000,
    "prices": 3380, "price": 3275, "rises": 358, "crises": 10, "cocoa": 490, "coca": 67, "local": 700,
    "sumita": 114, "summit": 207, "treaty": 300, "title": 90, "the": 100_000, **{f"filler{i}": 1 for i in range(2000)},
}  # fmt: skip
"""Counts as in Reuters for these words; 2.6 million words in all once the filler is added."""


def speller_of(counts: dict[str, int]) -> Speller:
    total = sum(counts.values())
    return Speller(vocabulary.Vocabulary.of({**counts, "the": counts.get("the", 0) + 2_600_000 - total}))


def test_rare_words_take_a_far_more_frequent_neighbour() -> None:
    spell = speller_of(COUNTS)
    assert spell.respell("intrest") == "interest"  # unseen: the closest word, then the most frequent
    assert spell.respell("itnerest") == "interest"  # a swap of two letters is one edit
    assert spell.respell("interst") == "interest"  # seen 5 times, next to a word seen 600 times more
    assert spell.respell("prises") == "prices"  # prices and rises are as close: the more frequent wins
    assert spell.respell("cocao") == "cocoa"  # cocoa (1 edit) before local (2 edits), though local is more frequent
    assert spell.respell("sumita") is None  # seen 114 times: summit, twice as frequent, is no reason to doubt it
    assert not spell.suspect("summit") and not spell.suspect("oil")
    assert spell.respell("zzqxv") is None


def test_suggestions_keep_the_query_as_typed() -> None:
    spell = speller_of(COUNTS)
    assert suggest(spell, "interst rates") == "interest rates"
    assert suggest(spell, "INTERST Rates") == "INTEREST Rates"
    assert suggest(spell, 'title:Intrest AND "OIL prises" -cocao') == 'title:Interest AND "OIL prices" -cocoa'
    assert suggest(spell, "source:reutres tags:cocao date:[1987-01-01 TO 1987-03-01] cocao*") is None  # not text words
    assert suggest(spell, "interest rates AND oil prices") is None
    assert suggest(None, "intrest") is None  # no words file: no suggestion, no error


def test_word_counts_stay_exact_across_incremental_reindexes(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()

    def write(name: str, *articles: tuple[str, str]) -> None:
        lines = [json.dumps({"id": f"{name}-{i}", "title": t, "body": b}) for i, (t, b) in enumerate(articles)]
        (archive / f"{name}.jsonl").write_text("\n".join(lines) + "\n")

    write("a", ("Interest rates rise", "The central bank raised interest rates again."), ("Café prices", "Coffee prices at the café fell."))
    write("b", ("Oil prices", "Oil prices rose on Monday; oil stocks fell."))
    write("c", ("Cocoa", "Cocoa exports from Ghana rose."))
    reindex(archive, index_dir)
    write("a", ("Interest rates fall", "The bank cut interest rates and interest on savings."))  # changed: an article less
    (archive / "c.jsonl").unlink()  # removed
    write("d", ("Treaty signed", "The START treaty was signed."), ("Oil", "More oil."))  # added
    (archive / "b.jsonl").write_text((archive / "b.jsonl").read_text().replace("Monday", "Tuesday"))
    report = reindex(archive, index_dir)
    assert not report.full and report.removed == 2 and report.added == 2

    index = SearchIndex(index_dir)
    reader = index.engine.searcher().reader()  # type: ignore[attr-defined]
    counts = vocabulary.Vocabulary.load(vocabulary.path(index_dir, reader.generation()))
    recount = Counter[str]()
    for stored in reader.all_stored_fields():
        recount.update(vocabulary.words_of(stored))
    assert dict(counts.items()) == dict(recount) and counts.total == recount.total()
    assert "cafe" not in counts and "cocoa" not in counts and "monday" not in counts
    assert counts["oil"] == 5 and counts["tuesday"] == 1 and counts["interest"] == 3
    assert sorted(p.name for p in index_dir.glob("*.words")) == [vocabulary.path(index_dir, g).name for g in (1, 2)]
    assert suggest(speller(index_dir, reader), "intrest rates") == "interest rates"


def test_a_long_unseen_word_is_respelled_two_edits_away_a_short_or_seen_one_only_one() -> None:
    counts = {word: count for word, count in COUNTS.items() if word != "interst"}
    spell = speller_of(counts)
    assert spell.respell("intrst") == "interest"  # two letters missing: two edits
    assert spell.respell("intst") == "intent"  # interest is three edits away, too far; intent two
    assert spell.respell("oli") == "oil"  # a short word: one edit (a swap of two letters)
    assert spell.respell("ilo") is None  # oil is two edits away: too far for a short word
    assert speller_of({**counts, "intrst": 5}).respell("intrst") is None  # seen 5 times: doubted only one edit away


def test_the_words_file_counts_each_word_folded_whatever_its_case_or_accents(tmp_path: Path) -> None:
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    texts = [("The CAFÉ", "the Café and THE cafe, naïve NAÏVE Straße 42 a"), ("Über Öl", "ÖL und öl: OIL, Oil and oil.")]
    lines = [json.dumps({"id": f"a-{i}", "title": t, "body": b}) for i, (t, b) in enumerate(texts)]
    (archive / "a.jsonl").write_text("\n".join(lines) + "\n")
    reindex(archive, index_dir)
    counts = vocabulary.Vocabulary.load(vocabulary.path(index_dir, 1))
    assert dict(counts.items()) == dict(vocabulary.count(t for pair in texts for t in pair))
    assert (counts["the"], counts["cafe"], counts["naive"], counts["ol"], counts["oil"]) == (3, 3, 2, 3, 3)


def test_the_words_table_finds_every_word_it_holds_and_no_other() -> None:
    """``Vocabulary[word]`` bisects the sorted lines in place: every word of the table is found
    with its count, whatever its place (first, last, accented); prefixes, extensions and words
    that fall between, before or after the table's are not."""
    counts = {word: 1 + n for n, word in enumerate(sorted({*COUNTS, "zürich", "éclair", "a", "aa", "zzz", "intere"}))}
    table = vocabulary.Vocabulary.of(counts)
    assert {word: table[word] for word in counts} == counts
    absent = ["", "0", "ab", "interes", "interestt", "zzzz", "zürichs", "éclairs", "\u00ff", "\t"]
    for word in [w for w in absent if w not in counts]:
        assert word not in table
    assert len(table) == len(counts) and "zzz" in table and vocabulary.Vocabulary.of({}).get("a") is None
