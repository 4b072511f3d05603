"""Did-you-mean benchmark: misspelled and correctly spelled queries from the archive's own words.

Run: ``python benchmarks/spelling.py --index INDEX`` on an index of Reuters-21578 (without
``--index`` it indexes ``../shared/corpora/reuters21578`` into a temporary folder first).

Queries are phrases of 2 or 3 neighbouring words from the archive's headlines, lower-cased
(``housing starts``, ``oil prices rise``), each word seen at least ``--min-count`` times in the
archive (default 3: a word seen once or twice is as likely a typo as a word, ``arbritration``;
``--min-count 1`` takes every headline word, rare names too), drawn with a fixed seed so every
run sees the same:

- **misspelled** (default 250): one word of 4 or more letters in a phrase gets one mistake
  of the kinds people make, the kinds in turn: a dropped letter, a doubled letter, two
  neighbouring letters swapped, a letter replaced by a neighbouring key on a QWERTY
  keyboard, a phonetic spelling (``ph``->``f``, ``c``->``k``, ``ie``<->``ei``, ``tion``->``sion``, a
  doubled consonant made single...). A misspelling that is itself a word seen more than
  MAX_TYPO_COUNT times in the archive is drawn again: no frequency-based checker can
  tell ``rate`` typed for ``rates`` from a wanted ``rate``. Rarer real words stay
  (``interst``, seen 5 times in Reuters, is such a typo). Success: the first (only)
  suggestion is the intended phrase.
- **correct** (default 250): phrases as they are. A false alarm: any suggestion.

Each query runs through ``newssearch.search`` as a user's would. Prints the shares per kind
of mistake, the failures, and the time per query.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from newssearch import SearchIndex, SearchRequest, reindex, search
from newssearch.engine.whoosh.spelling import speller

REPO = Path(__file__).resolve().parent.parent
REUTERS = REPO.parent / "shared" / "corpora" / "reuters21578"
MAX_TYPO_COUNT = 5
STOP = {"the", "and", "for", "with", "from", "that", "this", "are", "was", "its", "has", "have", "not", "but", "into", "over", "says"}
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
PHONETIC = [
    ("ph", "f"), ("f", "ph"), ("ck", "k"), ("c", "k"), ("k", "c"), ("ie", "ei"), ("ei", "ie"), ("tion", "sion"),
    ("ee", "ea"), ("ea", "ee"), ("ou", "ow"), ("ai", "ay"), ("y", "i"), ("s", "z"), ("x", "ks"), ("qu", "kw"),
    ("ence", "ance"), ("ance", "ence"), ("able", "ible"), ("ible", "able"), ("er", "or"), ("or", "er"),
    ("ll", "l"), ("ss", "s"), ("tt", "t"), ("mm", "m"), ("nn", "n"), ("pp", "p"), ("rr", "r"), ("cc", "c"),
]  # fmt: skip


def _neighbours() -> dict[str, str]:
    """The keys next to each key of a QWERTY keyboard, whose rows are staggered by half a key."""
    place = {key: (c + 0.5 * r, r) for r, row in enumerate(KEYBOARD) for c, key in enumerate(row)}
    return {
        key: "".join(o for o, (ox, oy) in place.items() if o != key and abs(ox - x) <= 1 and abs(oy - y) <= 1)
        for key, (x, y) in place.items()
    }


NEAR = _neighbours()


def dropped(word: str, rng: random.Random) -> str | None:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :]


def doubled(word: str, rng: random.Random) -> str | None:
    i = rng.randrange(len(word))
    return word[: i + 1] + word[i:]


def swapped(word: str, rng: random.Random) -> str | None:
    places = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if not places:
        return None
    i = rng.choice(places)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def neighbour_key(word: str, rng: random.Random) -> str | None:
    i = rng.randrange(1, len(word))
    if not NEAR.get(word[i]):
        return None
    return word[:i] + rng.choice(NEAR[word[i]]) + word[i + 1 :]


def phonetic(word: str, rng: random.Random) -> str | None:
    options = [(m.start(), old, new) for old, new in PHONETIC for m in re.finditer(old, word) if m.start() > 0 or old == "ph"]
    if not options:
        return None
    at, old, new = rng.choice(options)
    return word[:at] + new + word[at + len(old) :]


KINDS: dict[str, Callable[[str, random.Random], str | None]] = {
    "dropped": dropped, "doubled": doubled, "swapped": swapped, "neighbour key": neighbour_key, "phonetic": phonetic,
}  # fmt: skip


def phrases(index: SearchIndex, rng: random.Random, counts: dict[str, int], min_count: int) -> list[list[str]]:
    """Every 2- and 3-word window of the headlines whose words are letters only (3+), seen ``min_count``
    times, not all stop words."""
    reader = index.engine.searcher().reader()  # type: ignore[attr-defined]  # the Whoosh engine's
    found: set[tuple[str, ...]] = set()
    for stored in reader.all_stored_fields():
        words = stored.get("title", "").lower().split()
        for size in (2, 3):
            for start in range(len(words) - size + 1):
                window = tuple(words[start : start + size])
                if all(re.fullmatch(r"[a-z]{3,}", w) and counts.get(w, 0) >= min_count for w in window) and not set(window) <= STOP:
                    found.add(window)
    ordered = sorted(found)
    rng.shuffle(ordered)
    return [list(p) for p in ordered]


def misspell(phrase: list[str], kind: str, rng: random.Random, counts: dict[str, int]) -> str | None:
    """The phrase with one word misspelled this way, or None if none of its words can be."""
    places = [i for i, w in enumerate(phrase) if len(w) >= 4 and w not in STOP]
    rng.shuffle(places)
    for i in places:
        typo = KINDS[kind](phrase[i], rng)
        if typo and typo != phrase[i] and counts.get(typo, 0) <= MAX_TYPO_COUNT:
            return " ".join([*phrase[:i], typo, *phrase[i + 1 :]])
    return None


def run(index: SearchIndex, misspelled: int, correct: int, seed: int, min_count: int) -> None:
    rng = random.Random(seed)
    reader = index.engine.searcher().reader()  # type: ignore[attr-defined]  # the Whoosh engine's
    loaded = speller(index.index_dir, reader)
    if loaded is None:
        sys.exit(f"no words file for generation {reader.generation()} in {index.index_dir}: reindex --full it")
    counts = dict(loaded.counts.items())  # parsed once: the benchmark asks for every headline word
    pool = phrases(index, rng, counts, min_count)
    kinds = list(KINDS)
    typos: list[tuple[str, str, str]] = []  # kind, typed, intended
    for phrase in pool[correct:]:
        if len(typos) == misspelled:
            break
        kind = kinds[len(typos) % len(kinds)]
        if (typed := misspell(phrase, kind, rng, counts)) is not None:
            typos.append((kind, typed, " ".join(phrase)))
    right = [" ".join(p) for p in pool[:correct]]

    started = time.perf_counter()
    hits: Counter[str] = Counter()
    tries: Counter[str] = Counter()
    misses = []
    for kind, typed, intended in typos:
        result = search(index, SearchRequest(typed))
        tries[kind] += 1
        if result.suggestion == intended:
            hits[kind] += 1
        else:
            misses.append(f"  {kind:>13}: {typed!r} -> {result.suggestion!r} (wanted {intended!r})")
    alarms = []
    for typed in right:
        if (suggestion := search(index, SearchRequest(typed)).suggestion) is not None:
            alarms.append(f"  {typed!r} -> {suggestion!r}")
    seconds = time.perf_counter() - started

    print(f"Misspelled queries: {sum(hits.values())}/{len(typos)} = {sum(hits.values()) / len(typos):.1%} first suggestion right (goal >= 90%)")
    for kind in kinds:
        print(f"  {kind:>13}: {hits[kind]}/{tries[kind]}")
    print(f"Correct queries: {len(alarms)}/{len(right)} = {len(alarms) / len(right):.1%} got a suggestion (goal <= 5%)")
    print(f"{seconds / (len(typos) + len(right)) * 1000:.1f} ms per query (search with suggestion), seed {seed}, min count {min_count}")
    print("Misspellings not fixed:", *misses, sep="\n")
    print("Correct queries respelled:", *alarms, sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--index", type=Path, help="an index of Reuters-21578 (default: build one in a temporary folder)")
    parser.add_argument("--misspelled", type=int, default=250)
    parser.add_argument("--correct", type=int, default=250)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--min-count", type=int, default=3, help="how often each word of a phrase is seen in the archive")
    args = parser.parse_args()
    if args.index:
        run(SearchIndex(args.index), args.misspelled, args.correct, args.seed, args.min_count)
        return
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "archive"
        archive.mkdir()
        for file in sorted(REUTERS.glob("reut2-*.sgm.gz")):
            (archive / file.name).symlink_to(file)
        reindex(archive, Path(folder) / "index")
        run(SearchIndex(Path(folder) / "index"), args.misspelled, args.correct, args.seed, args.min_count)


if __name__ == "__main__":
    main()
