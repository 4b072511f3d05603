"""The fixed query set, as a user types it into newssearch and as the same search in FTS5.

Plain data without newssearch imports, so a cold FTS5 process does not load it.
The FTS5 form is written out by hand (no translator to trust): newssearch treats
several words as "any of them, all of them first", so they become ``a OR b`` ranked
by bm25; sentences lose newssearch's stop words (Whoosh's list: the, of, to, ...) and
the question words it drops from queries of more than four words (what, how, did,
why, discuss, ...); phrases, NOT, prefixes and column filters keep FTS5's syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class BenchQuery:
    kind: str  # word, words, phrase, sentence, source, dates, operator
    text: str  # as typed into newssearch
    fts: str  # the same search in FTS5 MATCH syntax
    source: str | None = None
    since: str | None = None  # YYYY-MM-DD, both days included
    until: str | None = None

    def cli_args(self) -> list[str]:
        """Arguments of ``newssearch query`` after the words."""
        args = ["--json", "--facets"]
        for option, value in (("--source", self.source), ("--since", self.since), ("--until", self.until)):
            if value:
                args += [option, value]
        return args

    def plain_args(self) -> list[str]:
        """Arguments of the issue's one-off ``newssearch query WORDS --json``: no facets, no filters."""
        return ["--json"]

    def web_path(self) -> str:
        """The JSON API URL path of this search."""
        params = {"q": self.text, "source": self.source, "from-date": self.since, "to-date": self.until}
        return "/api/search?" + urlencode({k: v for k, v in params.items() if v})


QUERIES: tuple[BenchQuery, ...] = (
    BenchQuery("word", "cocoa", "cocoa"),
    BenchQuery("word", "bundesbank", "bundesbank"),
    BenchQuery("word", "dollar", "dollar"),
    BenchQuery("word", "shares", "shares"),
    BenchQuery("word", "yen", "yen"),
    BenchQuery("word", "takeover", "takeover"),
    BenchQuery("words", "oil prices", "oil OR prices"),
    BenchQuery("words", "interest rates", "interest OR rates"),
    BenchQuery("words", "trade deficit japan", "trade OR deficit OR japan"),
    BenchQuery("words", "wheat exports", "wheat OR exports"),
    BenchQuery("words", "gold mine", "gold OR mine"),
    BenchQuery("words", "stock split dividend", "stock OR split OR dividend"),
    BenchQuery("phrase", '"trade deficit"', '"trade deficit"'),
    BenchQuery("phrase", '"money supply"', '"money supply"'),
    BenchQuery("phrase", '"crude oil"', '"crude oil"'),
    BenchQuery("phrase", '"net loss"', '"net loss"'),
    BenchQuery("phrase", '"federal reserve"', '"federal reserve"'),
    BenchQuery("sentence", "what did the bundesbank say about interest rates",
       "bundesbank OR say OR about OR interest OR rates"),
    BenchQuery("sentence", "why are coffee prices falling in brazil", "coffee OR prices OR falling OR brazil"),
    BenchQuery("sentence", "how much grain did the soviet union buy from the united states",
       "much OR grain OR soviet OR union OR buy OR united OR states"),
    BenchQuery("sentence", "opec ministers meet to discuss oil production quotas",
       "opec OR ministers OR meet OR oil OR production OR quotas"),
    BenchQuery("sentence", "japan and the united states argue over semiconductor trade",
       "japan OR united OR states OR argue OR over OR semiconductor OR trade"),
    BenchQuery("source", "oil", "oil", source="Reuters"),
    BenchQuery("source", "interest rates", "interest OR rates", source="Reuters"),
    BenchQuery("source", '"trade deficit"', '"trade deficit"', source="Reuters"),
    BenchQuery("source", "coffee", "coffee", source="reuters"),  # filters ignore case
    BenchQuery("dates", "oil", "oil", since="1987-03-01", until="1987-03-31"),
    BenchQuery("dates", "gold", "gold", since="1987-04-01", until="1987-04-15"),
    BenchQuery("dates", "interest rates", "interest OR rates", since="1987-03-15", until="1987-04-15"),
    BenchQuery("dates", "bank", "bank", since="1987-10-01", until="1987-10-31"),
    BenchQuery("operator", "cocoa NOT brazil", "cocoa NOT brazil"),
    BenchQuery("operator", "treat*", "treat*"),
    BenchQuery("operator", "title:cocoa", "title:cocoa"),
)  # fmt: skip
