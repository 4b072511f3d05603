"""The snippet scan (snippets.py) on small texts built here: which passages, what is marked, escaping."""

from __future__ import annotations

import html
import re

from newssearch.engine.whoosh.analysis import text_analyzer
from newssearch.engine.whoosh.snippets import MATCHES_CHARS, SNIPPET_CHARS, SURROUND, marked, snippet


def terms(*words: str) -> frozenset[str]:
    """The index's terms for ``words``, as a query's terms reach the scan (lower-cased, stemmed)."""
    return frozenset(token.text for word in words for token in text_analyzer()(word))


FILLER = "filler " * 40  # 280 characters: more than a passage's context, so passages stay apart


def passages(shown: str) -> list[str]:
    return shown.split(" … ")


def test_the_two_passages_with_most_matches_are_shown_in_text_order() -> None:
    text = f"Oil rose. {FILLER}A lone treaty. {FILLER}Oil and the treaty and oil again. {FILLER}The end."
    shown = passages(snippet(text, terms("oil", "treaty")))
    assert len(shown) == 2
    assert shown[0].startswith("<mark>Oil</mark> rose.")  # two matches are not enough: the lone one loses
    assert "<mark>Oil</mark> and the <mark>treaty</mark> and <mark>oil</mark> again." in shown[1]
    assert "lone" not in "".join(shown) and "The end" not in shown[1]


def test_a_passage_is_its_matches_with_whole_words_of_context_around() -> None:
    text = f"{FILLER}The cocoa harvest and cocoa prices. {FILLER}"
    [shown] = passages(snippet(text, terms("cocoa")))
    plain = re.sub(r"</?mark>", "", shown)
    assert "The cocoa harvest and cocoa prices." in plain
    assert len(plain) <= MATCHES_CHARS + 2 * SURROUND
    assert all(word in ("filler", "The", "cocoa", "harvest", "and", "prices.") for word in plain.split())  # no cut word


def test_matches_within_a_passage_span_are_all_marked_word_forms_and_hyphen_parts_too() -> None:
    text = "Treaties, a treaty and the co-operation treaty: cooperation."
    assert marked(text, terms("treaty", "operation")) == (
        "<mark>Treaties</mark>, a <mark>treaty</mark> and the co-<mark>operation</mark> <mark>treaty</mark>: cooperation."
    )
    assert marked(text, terms("cooperation")) == "Treaties, a treaty and the <mark>co-operation</mark> treaty: <mark>cooperation</mark>."
    shown = snippet(text, terms("treaty"))
    assert shown.count("<mark>") == 3 and "<mark>" not in shown.replace("<mark>treaty</mark>", "").replace("<mark>Treaties</mark>", "")


def test_text_is_escaped_and_only_the_marks_are_markup() -> None:
    text = 'The <script>alert("oil")</script> & <b>oil</b> report'
    expected = 'The &lt;script&gt;alert("<mark>oil</mark>")&lt;/script&gt; &amp; &lt;b&gt;<mark>oil</mark>&lt;/b&gt; report'
    assert snippet(text, terms("oil")) == expected
    assert marked(text, terms("oil")) == expected
    assert marked(text, terms("gold")) == ""  # nothing to mark: the page shows the article unmarked


def test_without_a_match_the_opening_is_shown_escaped_and_cut_at_a_word() -> None:
    long = "Markets & <shares> " + "word " * 100
    shown = snippet(long, terms("gold"))
    assert shown.startswith("Markets &amp; &lt;shares&gt; word") and shown.endswith("word …")
    assert len(html.unescape(shown)) <= SNIPPET_CHARS + len(" …")


def test_a_short_text_without_a_match_is_shown_whole() -> None:
    assert snippet("Markets closed early today", terms("gold")) == "Markets closed early today"
