"""The snippet scan (snippets.py) on small texts built here: which passages, what is marked, escaping;
and its analysis of a text's words, all at once, against the analyzer chain on real articles."""

from __future__ import annotations

import gzip
import html
import re
import tarfile

import pytest
from helpers import BBC_TAR, SEED, reuters_files
from test_prose import EDGE_CASES

from newssearch.engine.whoosh import snippets
from newssearch.engine.whoosh.analysis import TOKEN_PATTERN, text_analyzer
from newssearch.engine.whoosh.snippets import MATCHES_CHARS, SNIPPET_CHARS, SURROUND, _RememberingAnalyzer, marked, snippet


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


def _chain(word: str) -> tuple[tuple[str, int, int], ...]:
    return tuple((t.text, t.startchar, t.endchar) for t in text_analyzer()(word, chars=True, mode="index", removestops=False))


def test_a_texts_words_are_analysed_as_the_analyzer_chain_analyses_each() -> None:
    """Hyphenated words whose folding changes their length (Ærø-Øresund) count their parts'
    offsets in the folded text, as the chain's HyphenFilter does."""
    texts = [*EDGE_CASES, "Ærø-Øresund İstanbul-based ﬁ-nance STRASSE-ß U.S.-Japan a-the the-a", SEED.read_text(encoding="utf-8")]
    texts.append(gzip.open(reuters_files(1)[0], "rt", encoding="latin-1").read())
    with tarfile.open(BBC_TAR) as tar:
        for member in tar.getmembers()[:400]:
            file = tar.extractfile(member)
            if file is not None:
                texts.append(file.read().decode("utf-8", "replace"))
    words = {word for text in texts for word in TOKEN_PATTERN.findall(text)}
    assert len(words) > 20_000 and sum("-" in word for word in words) > 500
    analyzer = _RememberingAnalyzer()
    first, remembered = analyzer.analyses(words), analyzer.analyses(words)
    assert first.keys() == remembered.keys() == words
    assert [word for word in sorted(words) if first[word] != _chain(word) or remembered[word] != first[word]] == []


def test_the_remembered_words_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snippets, "MAX_REMEMBERED", 5)
    analyzer = _RememberingAnalyzer()
    texts = ["Oil prices rose in co-operation", "Gold and silver fell", "Oil fell"]
    for text in texts:
        words = text.split()
        assert analyzer.analyses(words) == {word: _chain(word) for word in words}
        assert len(analyzer._words) <= 5
