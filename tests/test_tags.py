"""Tags with a kind (topic:acq, place:usa): their facets, what the tags field indexes, readable labels."""

from __future__ import annotations

import pickle
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

from helpers import REUTERS

from newssearch import read_file
from newssearch.article import Article
from newssearch.fields import SCHEMA, indexed_tags, split_tag, tag_values

ROOT = Path(__file__).resolve().parent.parent


def test_a_tag_has_a_kind_only_when_it_names_a_known_one() -> None:
    assert split_tag("topic:acq") == ("topic", "acq")
    assert split_tag("Place:west-germany") == ("place", "west-germany")
    assert split_tag("election") == ("", "election")
    assert split_tag("EU: Brexit") == ("", "EU: Brexit")  # a CMS tag with a colon stays whole
    assert split_tag("nyt:politics") == ("", "nyt:politics")
    assert split_tag("topic:") == ("", "topic:")


def test_facets_read_their_kind_and_the_tag_facet_the_plain_tags() -> None:
    article = Article("a", "Title", "Body", "a.txt", tags=("topic:acq", "topic:Earn", "place:usa", "Labour", "EU: Brexit", "topic:acq"))
    values = {facet.name: list(facet.values(article)) for facet in SCHEMA.facets}
    assert values["topics"] == ["acq", "earn"]
    assert values["places"] == ["usa"]
    assert values["tags"] == ["labour", "eu: brexit"]
    assert tag_values(article.tags, "place") == ["usa"]
    assert (SCHEMA.facet("topics").param, SCHEMA.facet("places").param) == ("topic", "place")


def test_a_tag_is_found_in_the_facet_that_counts_it() -> None:
    """What the article page needs to link a tag to its filter under its label."""
    facet, value = SCHEMA.facet_of_tag("place:west-germany") or (None, "")
    assert facet is not None and (facet.param, value, facet.label_of(value)) == ("place", "west-germany", "West Germany")
    facet, value = SCHEMA.facet_of_tag("Labour") or (None, "")
    assert facet is not None and (facet.name, value) == ("tags", "labour")
    assert SCHEMA.facet_of_tag("") is None


def test_the_tags_field_indexes_values_without_kinds() -> None:
    """So that the query tags:acq finds an article tagged topic:acq, as before tags had kinds."""
    assert indexed_tags(("topic:acq", "place:usa", "Labour", "place:acq")) == ("acq", "usa", "Labour")
    assert indexed_tags(()) == ()


def test_topics_and_places_have_readable_labels() -> None:
    topics, places, tags = SCHEMA.facet("topics"), SCHEMA.facet("places"), SCHEMA.facet("tags")
    assert topics.label_of("acq") == "Mergers/Acquisitions"
    assert topics.label_of("money-fx") == "Money/Foreign Exchange"
    assert topics.label_of("palm-oil") == "Palm Oil"  # a commodity: written out from its code
    assert places.label_of("west-germany") == "West Germany"
    assert places.label_of("usa") == "USA"
    assert places.label_of("atlantis") == "atlantis"  # no label: the value itself
    assert tags.label_of("acq") == "acq"  # plain tags have none
    assert pickle.loads(pickle.dumps(SCHEMA)).facet("places").label_of("usa") == "USA"  # a schema can go to a worker process


def test_reuters_tags_have_their_kinds_and_every_code_a_label() -> None:
    articles = read_file(str(REUTERS / "reut2-000.sgm.gz"), "reut2-000.sgm.gz").articles
    assert articles[0].tags == ("topic:cocoa", "place:el-salvador", "place:usa", "place:uruguay")
    topics, places = SCHEMA.facet("topics"), SCHEMA.facet("places")
    for article in articles:
        assert tag_values(article.tags) == []  # no Reuters category is a plain tag
        for facet in (topics, places):
            assert all(facet.label_of(value) != value for value in facet.values(article))


def test_the_bundled_labels_are_what_the_generator_writes_from_the_reuters_lists() -> None:
    written = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "tag_labels.py"), str(REUTERS)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    bundled = files("newssearch").joinpath("tag_labels.toml").read_text(encoding="utf-8")
    assert written == bundled
    labels = tomllib.loads(bundled)
    assert (len(labels["topic"]), len(labels["place"])) == (135, 175)
