"""Near-duplicate detection on real BBC articles: copies and light edits fold, related stories do not."""

from __future__ import annotations

import re
import tarfile
import zlib
from array import array
from collections import defaultdict
from itertools import combinations

import pytest
from helpers import BBC_TAR, bbc_article

from newssearch.duplicates import THRESHOLD, fold, similarity, sketch


@pytest.fixture(scope="module")
def bbc() -> dict[str, tuple[str, str]]:
    """Every BBC article: name -> (headline, body)."""
    articles = {}
    with tarfile.open(BBC_TAR) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".txt") and member.name.count("/") == 2:
                text = tar.extractfile(member).read().decode("latin-1")  # type: ignore[union-attr]
                headline, _, body = text.partition("\n")
                articles[member.name] = (headline.strip(), body.strip())
    return articles


def test_the_98_identical_pairs_of_the_bbc_corpus_fold(bbc: dict[str, tuple[str, str]]) -> None:
    by_text = defaultdict(list)
    for name, article in bbc.items():
        by_text[article].append(name)
    pairs = [pair for names in by_text.values() for pair in combinations(names, 2)]
    assert len(pairs) == 98
    assert all(similarity(sketch(*bbc[a]), sketch(*bbc[b])) == 1.0 for a, b in pairs)
    same_body = defaultdict(list)
    for name, (_, body) in bbc.items():
        same_body[body].append(name)
    retitled = [pair for names in same_body.values() for pair in combinations(names, 2) if pair not in pairs]
    assert retitled and all(similarity(sketch(*bbc[a]), sketch(*bbc[b])) == 1.0 for a, b in retitled)


def test_changed_headline_or_extra_paragraph_folds() -> None:
    for name in ("politics/004", "business/010", "tech/020", "sport/030", "entertainment/040"):
        headline, paragraphs = bbc_article(name)
        body = "\n\n".join(paragraphs)
        extra = bbc_article("entertainment/006")[1][2]
        assert similarity(sketch(headline, body), sketch("Updated: " + headline, body)) == 1.0
        for at in range(len(paragraphs) + 1):
            longer = "\n\n".join([*paragraphs[:at], extra, *paragraphs[at:]])
            assert similarity(sketch(headline, body), sketch(headline, longer)) >= THRESHOLD, (name, at)


def test_related_stories_do_not_fold(bbc: dict[str, tuple[str, str]]) -> None:
    # The same news told twice in different words (oil above $50), and stories of one category.
    assert similarity(sketch(*bbc["bbc/business/138.txt"]), sketch(*bbc["bbc/business/152.txt"])) < THRESHOLD
    names = sorted(n for n in bbc if "/politics/" in n)[:150]
    sketches = {n: sketch(*bbc[n]) for n in names}
    folded = [(a, b) for a, b in combinations(names, 2) if similarity(sketches[a], sketches[b]) >= THRESHOLD and bbc[a][1] != bbc[b][1]]
    assert len(folded) <= 3, folded  # a few rewrites of one story, not topic neighbours


def test_fold_keeps_rank_order_and_groups_copies() -> None:
    texts = {name: bbc_article(name) for name in ("business/254", "business/447", "tech/231", "tech/082")}
    ranked = ["business/254", "tech/231", "business/447", "tech/082"]  # 447 is an edited copy of 254
    groups = fold(ranked, lambda name: sketch(texts[name][0], "\n\n".join(texts[name][1])))
    assert groups == [("business/254", ["business/447"]), ("tech/231", []), ("tech/082", [])]


def test_a_sketch_hashes_the_lower_cased_word_4grams_in_utf8_whatever_the_script() -> None:
    def reference(text: str) -> bytes:  # the definition, word by word
        words = re.findall(r"\w+", text.lower())
        grams = {" ".join(words[i : i + 4]) for i in range(max(1, len(words) - 3))}
        return array("I", sorted(zlib.crc32(g.encode("utf-8")) for g in grams)[:64]).tobytes()

    body = "Cocoa prices ROSE in London; the ICCO buffer stock manager bought 5,000 tonnes. " * 3 + "End of story here."
    numbered = " ".join(f"Shipment {i} of {2 * i} tonnes" for i in range(30))  # more 4-grams than a sketch keeps
    for text in (body, body.replace("London", "Zürich").replace("stock", "Straße"), numbered, "Three short words", "Deux", ""):
        assert sketch("A headline", text) == reference(text or "A headline")
    assert len(sketch("", numbered)) == 4 * 64
