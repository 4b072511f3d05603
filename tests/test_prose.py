"""prose.ProseField indexes exactly what Whoosh's analyzer chain indexes: the query side still
runs the chain, so any difference would make words unfindable."""

from __future__ import annotations

import gzip
import pickle
import tarfile

import pytest
from helpers import BBC_TAR, SEED, reuters_files
from whoosh.fields import TEXT

from newssearch.article import Article
from newssearch.engine.whoosh import prose
from newssearch.engine.whoosh.analysis import text_analyzer
from newssearch.engine.whoosh.prose import ProseField
from newssearch.readers import reuters

EDGE_CASES = [
    "",
    "   \n\t ",
    "the a of and to",  # stop words only
    "I a x 7 Q",  # one-letter words
    "The cat sat.",  # a stop word first: positions start after it
    "co-operation and cooperation; well-known e-mail x-ray",
    "a-b a-the the-a of-the-art --double-- trailing- -leading un--done 1-2-3",
    "U.S. U.S.-based u.k. 3.5 1,000 e.g. No. 10 Downing St.",
    "Café crème brûlée naïve Ærø Øresund façade cafe-au-lait CAFÉ",
    "İstanbul ISTANBUL ıstanbul Straße STRASSE ß ﬁnance ﬂow ǅemal Ⅻ ½ ²",
    "Ünïcödé-wörds ÀÉÎ-õü x_y snake_case __dunder__ 東京 Москва ελληνικά",
    "running runs ran runner generously generous news",
    "repeat repeat repeat Repeat REPEAT repeated repeating",
]


def _whoosh(text: str, boost: float) -> list[tuple[bytes, int, float, bytes]]:
    return list(TEXT(analyzer=text_analyzer(), field_boost=boost).index(text))


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_index_as_the_chain_does(text: str) -> None:
    assert list(ProseField(field_boost=1.5).index(text)) == _whoosh(text, 1.5)


def test_positions_are_renumbered_past_stop_words_and_shared_by_hyphen_parts() -> None:
    field = ProseField()
    postings = {term: field.format.decode_positions(value) for term, _, _, value in field.index("The well-known cat, the cat")}
    assert postings == {b"well": [1], b"known": [1], b"wellknown": [1], b"cat": [2, 3]}


def test_a_list_of_words_goes_through_whoosh() -> None:
    words = ["Alpha", "alpha", "beta"]
    assert list(ProseField().index(words)) == list(TEXT(analyzer=text_analyzer()).index(words))


def test_survives_pickling_with_the_schema() -> None:
    field = pickle.loads(pickle.dumps(ProseField(field_boost=2.0)))
    assert list(field.index(EDGE_CASES[5])) == _whoosh(EDGE_CASES[5], 2.0)


def _real_texts() -> list[str]:
    """The seed page, a Reuters file's articles and 400 BBC articles."""
    texts = [SEED.read_text(encoding="utf-8")]
    for output in reuters.read(gzip.open(reuters_files(1)[0], "rt", encoding="latin-1").read(), "reut2-000.sgm"):
        if isinstance(output, Article):
            texts.append(f"{output.title}\n{output.body}")
    with tarfile.open(BBC_TAR) as tar:
        for member in tar.getmembers()[:400]:
            file = tar.extractfile(member)
            if file is not None:
                texts.append(file.read().decode("utf-8", "replace"))
    return texts


def test_real_articles_index_as_the_chain_does() -> None:
    texts = _real_texts()
    assert len(texts) > 1000
    field = ProseField()
    differing = [text[:80] for text in texts if list(field.index(text)) != _whoosh(text, 1.0)]
    assert differing == []


def test_the_stems_remembered_are_bounded_and_not_pickled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prose, "STEMS_KEPT", 300)
    field, cleared = ProseField(), 0
    for text in _real_texts()[:300]:
        before = len(field._stemmed)
        assert list(field.index(text)) == _whoosh(text, 1.0)  # the same, remembered or afresh
        cleared += len(field._stemmed) < before
        assert len(field._stemmed) <= max(300, len(set(text.lower().split())))  # one text's words may exceed it
    assert cleared > 3
    assert pickle.loads(pickle.dumps(field))._stemmed == {}
