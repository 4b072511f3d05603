"""Write src/newssearch/tag_labels.toml, the readable labels of Reuters topic and place codes.

    python tools/tag_labels.py ../shared/corpora/reuters21578 > src/newssearch/tag_labels.toml

Topics: the description cat-descriptions_120396.txt gives a code ("Mergers/Acquisitions
(ACQ)"); the commodity codes have none there, so they are written out from the code
(``palm-oil`` -> "Palm Oil"), with the abbreviations spelled out by hand (``NAMES``, which
also mends the description's one misspelling).
Places: the lists give codes only; a code is written out the same way, with the
abbreviations (USA, UK, USSR, UAE) and a few names spelled out by hand.
tests/test_tag_labels.py checks that the bundled file is what this writes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ACRONYMS = {"usa": "USA", "uk": "UK", "ussr": "USSR", "uae": "UAE", "us": "US"}
NAMES = {
    # topics (commodities) whose codes abbreviate
    "alum": "Aluminium", "f-cattle": "Feeder Cattle", "l-cattle": "Live Cattle", "veg-oil": "Vegetable Oil",
    "iron-steel": "Iron and Steel", "cornglutenfeed": "Corn Gluten Feed", "citruspulp": "Citrus Pulp",
    "castorseed": "Castor Seed", "palmkernel": "Palm Kernel", "sunseed": "Sunflower Seed",
    "sun-meal": "Sunflower Meal", "sun-oil": "Sunflower Oil", "lin-meal": "Linseed Meal", "lin-oil": "Linseed Oil",
    "ringgit": "Malaysian Ringgit",  # the description misspells it "Ringitt"
    "soy-meal": "Soybean Meal", "soy-oil": "Soybean Oil", "rape-meal": "Rapeseed Meal", "rape-oil": "Rapeseed Oil",
    # places
    "trinidad-tobago": "Trinidad and Tobago", "guinea-bissau": "Guinea-Bissau",
    "yemen-demo-republic": "Yemen Democratic Republic", "vatican": "Vatican City",
}  # fmt: skip
_DESCRIBED = re.compile(r"^(.+?)\s*\(([A-Z0-9-]+)\)\s*$")


def readable(code: str) -> str:
    """A code written out: hyphens as spaces, each word capitalised, abbreviations in capitals."""
    return " ".join(ACRONYMS.get(word, word.capitalize()) for word in code.split("-"))


def codes(folder: Path, kind: str) -> list[str]:
    return [line.strip() for line in (folder / f"all-{kind}-strings.lc.txt").read_text(encoding="ascii").splitlines() if line.strip()]


def topic_descriptions(folder: Path) -> dict[str, str]:
    """code -> description, from the subject codes part (before the organisations)."""
    text = (folder / "cat-descriptions_120396.txt").read_text(encoding="ascii")
    subjects = text.split("@heading[Organization Codes", 1)[0]
    return {m[2].lower(): m[1] for line in subjects.splitlines() if (m := _DESCRIBED.match(line.strip()))}


def labels_toml(folder: Path) -> str:
    described = topic_descriptions(folder)
    lines = [
        "# Readable labels of tag values, by tag kind (fields.py: Facet.label_of). Written by tools/tag_labels.py",
        "# from the Reuters-21578 category lists (Distribution 1.0, ../shared/corpora/reuters21578):",
        "# topics from cat-descriptions_120396.txt (D. D. Lewis, 1996), or written out from the code where it",
        "# gives none; places written out from the codes of all-places-strings.lc.txt.",
    ]
    for kind, table in (("topic", "topics"), ("place", "places")):
        lines += ["", f"[{kind}]"]
        lines += [f"{code} = {json.dumps(NAMES.get(code) or described.get(code) or readable(code))}" for code in codes(folder, table)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(labels_toml(Path(sys.argv[1])))
