"""``newssearch.engine.parse``: the query language as the neutral tree every engine translates
(engine/querytree.py), with the relaxation of plain words, as Whoosh runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_export

from newssearch import QueryError, SearchIndex, SearchRequest, reindex, search
from newssearch.engine import parse
from newssearch.engine.querytree import And, AndNot, Every, Node, Or, Phrase, Prefix, Range, Term, Wildcard
from newssearch.engine.whoosh.query import ALL_WORDS_BOOST, PROXIMITY_BOOST, PROXIMITY_SLOP


def text(word: str, boost: float = 1.0) -> Or:
    """A word looked for in the article text: headline or body."""
    return Or((Term("title", word), Term("body", word)), boost=boost)


def test_a_short_query_is_its_words_then_all_of_them_boosted_then_close_together() -> None:
    tree, words = parse("START treaty")
    start, treaty = text("start"), text("treati")  # stemmed as indexed
    near = Or((Phrase("title", ("start", "treati"), PROXIMITY_SLOP), Phrase("body", ("start", "treati"), PROXIMITY_SLOP)), boost=PROXIMITY_BOOST)
    assert tree == Or((Or((start, treaty)), And((start, treaty), boost=ALL_WORDS_BOOST), near))
    assert words == ("start", "treati")


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("oil -prices", AndNot(text("oil"), text("price"))),
        ("NOT oil", AndNot(Every(), text("oil"))),
        ("title:oil", Term("title", "oil")),
        ("source:reuters oil", And((Term("source", "reuters"), text("oil")))),
        ("treat*", Or((Prefix("title", "treat"), Prefix("body", "treat")))),
        ("wom?n", Or((Wildcard("title", "wom?n"), Wildcard("body", "wom?n")))),
        ("date:[2023-01-01 TO 2023-03-31]", Range("date", "2023-01-01", "2023-03-31")),
        ("date:[2023-01 TO 2023-03]", Range("date", "2023-01", "2023-03")),  # a partial high includes its whole month
        ("date:2023-03", Prefix("date", "2023-03-")),
        ("oil OR gas", Or((Term("title", "oil"), Term("body", "oil"), Term("title", "gas"), Term("body", "gas")))),
    ],
)
def test_operators_fields_prefixes_and_ranges(query: str, tree: Node) -> None:
    assert parse(query) == (tree, None)


def test_a_phrase_is_its_words_adjacent_in_headline_or_body() -> None:
    assert parse('"oil prices"') == (Or((Phrase("title", ("oil", "price")), Phrase("body", ("oil", "price")))), ("oil", "price"))


def test_boosts_are_kept() -> None:
    tree, _ = parse("oil^2 gas")
    assert isinstance(tree, Or) and isinstance(tree.children[0], Or)
    assert tree.children[0].children[0] == text("oil", boost=2.0)


def test_an_empty_query_is_every_article_and_a_bad_one_an_error() -> None:
    assert parse("  ") == (Every(), None)
    with pytest.raises(QueryError, match="date"):
        parse("date:yesterday")


def test_not_alone_finds_the_articles_without_the_word(tmp_path: Path) -> None:
    """NOT oil was once ranked as the word oil (its tree said so): it found only the articles with it."""
    records = [{"id": "a", "title": "Oil", "body": "oil rose"}, {"id": "b", "title": "Gas", "body": "gas fell"}]
    write_export(tmp_path / "archive" / "news.jsonl", records)
    reindex(tmp_path / "archive", tmp_path / "index")
    with SearchIndex(tmp_path / "index") as index:
        assert [hit.id for hit in search(index, SearchRequest("NOT oil")).hits] == ["b"]
