"""The query relaxation (query.py): a short query lists articles with all its words first, then
those with most; an explicit AND or +word is kept as typed; a long question is ranked by its
words alone; a question typed in capitals is read as words."""

from __future__ import annotations

import pytest
from helpers import write_export
from whoosh import query as q

from newssearch import SearchIndex, SearchRequest, reindex, search
from newssearch.errors import QueryError
from newssearch.engine.whoosh.query import ALL_WORDS_BOOST, ALL_WORDS_MAX, SENTENCE_WORDS, Parsed, QueryBuilder
from newssearch.engine.whoosh.schema import build_schema


@pytest.fixture(scope="module")
def builder() -> QueryBuilder:
    return QueryBuilder(build_schema())


def nodes(query: q.Query) -> list[q.Query]:
    found = [query]
    for child in query.children():
        found += nodes(child)
    return found


def all_words_clauses(parsed: Parsed) -> list[q.And]:
    """The boosted AND that puts articles with every word first."""
    return [node for node in nodes(parsed.query) if isinstance(node, q.And) and node.boost == ALL_WORDS_BOOST]


@pytest.mark.parametrize("text", ["oil prices", "oil prices rose"])
def test_a_short_query_is_all_words_first_then_most(builder: QueryBuilder, text: str) -> None:
    parsed = builder.parse(text)
    [all_words] = all_words_clauses(parsed)
    assert len(all_words.subqueries) == len(text.split()) <= ALL_WORDS_MAX
    assert isinstance(parsed.query, q.Or)  # any one word is enough to be found
    assert parsed.words is not None and parsed.words.all_first


@pytest.mark.parametrize("text", ["oil AND prices", "oil +prices", "+oil +prices"])
def test_an_explicit_and_or_plus_is_not_relaxed(builder: QueryBuilder, text: str) -> None:
    parsed = builder.parse(text)
    assert all_words_clauses(parsed) == [] and parsed.words is None
    assert not isinstance(parsed.query, q.Or)


def test_a_long_question_is_ranked_by_its_words_alone_without_its_question_words(builder: QueryBuilder) -> None:
    text = "what were the oil prices in europe last year"
    parsed = builder.parse(text)
    assert all_words_clauses(parsed) == []
    assert parsed.words is not None and not parsed.words.all_first
    assert parsed.words.words == ("oil", "price", "europ", "last", "year")  # 'what' asks, 'were', 'the', 'in' are stop words
    assert len(parsed.words.words) > SENTENCE_WORDS


def test_four_words_are_not_all_words_first(builder: QueryBuilder) -> None:
    parsed = builder.parse("oil prices europe asia")
    assert all_words_clauses(parsed) == [] and parsed.words is not None and not parsed.words.all_first


def test_a_question_in_capitals_is_words_not_operators_nor_acronyms(builder: QueryBuilder) -> None:
    shouted = builder.parse("WHAT ARE THE OIL PRICES AND TAXES")
    assert shouted.words is not None and shouted.words.words == ("what", "oil", "price", "tax")
    assert shouted.words.acronyms == ()  # caps lock: its capitals are not acronyms
    assert builder.parse("what are the oil prices AND taxes").words is None  # typed AND: an operator


def test_a_short_query_in_capitals_keeps_its_acronyms(builder: QueryBuilder) -> None:
    parsed = builder.parse("START treaty")
    assert parsed.words is not None and parsed.words.acronyms == ("start", "")
    assert all_words_clauses(parsed)


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    base = tmp_path_factory.mktemp("relaxed")
    records = [
        {"id": "oil-only", "title": "Oil", "body": "Oil, oil and more oil: oil fields, oil wells, oil tankers."},
        {"id": "both", "title": "Markets", "body": "Oil prices rose on Monday."},
        {"id": "prices-only", "title": "Shops", "body": "Food prices fell."},
        {"id": "neither", "title": "Weather", "body": "Rain in the north."},
    ]
    write_export(base / "archive" / "news.jsonl", records)
    reindex(base / "archive", base / "index")
    return SearchIndex(base / "index")


def test_an_article_with_every_word_ranks_above_one_with_a_word_many_times(small_index: SearchIndex) -> None:
    result = search(small_index, SearchRequest("oil prices"))
    ids = [hit.id for hit in result.hits]
    assert ids[0] == "both" and set(ids) == {"both", "oil-only", "prices-only"}


def test_and_finds_only_the_articles_with_every_word(small_index: SearchIndex) -> None:
    assert [hit.id for hit in search(small_index, SearchRequest("oil AND prices")).hits] == ["both"]
    assert [hit.id for hit in search(small_index, SearchRequest("+oil +prices")).hits] == ["both"]


def test_brackets_nested_too_deep_are_refused_before_parsing(builder: QueryBuilder) -> None:
    assert isinstance(builder.parse("(" * 50 + "cocoa" + ")" * 50).query, q.Query)
    with pytest.raises(QueryError, match="nested 490 deep; use at most 50"):
        builder.parse("(" * 490 + "cocoa" + ")" * 490)
    assert isinstance(builder.parse('"' + "(" * 490 + 'cocoa"').query, q.Query)  # inside a phrase, brackets are text
