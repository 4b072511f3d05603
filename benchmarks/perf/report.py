"""The report: every figure for newssearch and FTS5 with their ratio, the issue's targets, growth.

Works on the JSON the benchmark writes, so ``run.py --report FILE`` prints an old run
again (``--markdown`` for the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    digits: int = 1


ROWS: tuple[Row, ...] = (
    Row("full_reindex_s", "full reindex (FTS5: build)", "s", 2),
    Row("full_reindex_cpu_s", "reindex: CPU time, all processes", "s", 1),
    Row("cores_used", "reindex: cores used (CPU time / wall)", "", 2),
    Row("articles_per_s", "reindex: articles per second", "1/s", 0),
    Row("text_mb_per_s", "reindex: text per second", "MB/s", 2),
    Row("peak_tree_rss_mb", "reindex: peak memory, process tree", "MB", 0),
    Row("max_process_rss_mb", "reindex: peak memory, largest single process", "MB", 0),
    Row("index_mb", "index size on disk", "MB", 1),
    Row("unchanged_reindex_s", "reindex, nothing changed (API)", "s", 2),
    Row("unchanged_reindex_cli_s", "reindex, nothing changed (CLI process)", "s", 2),
    Row("add100_reindex_s", "reindex after 100 new articles", "s", 2),
    Row("warm_p50_ms", "warm search p50", "ms", 1),
    Row("warm_p95_ms", "warm search p95", "ms", 1),
    Row("warm_max_ms", "warm search max", "ms", 1),
    Row("cold_p50_ms", "cold search p50 (a process per query)", "ms", 0),
    Row("cold_p95_ms", "cold search p95", "ms", 0),
    Row("cold_max_ms", "cold search max", "ms", 0),
    Row("cold_failed", "cold searches that failed (time limit, error)", "", 0),
    Row("cold_plain_p50_ms", "cold `query WORDS --json` p50 (no facets, no filters)", "ms", 0),
    Row("cold_plain_p95_ms", "cold `query WORDS --json` p95", "ms", 0),
    Row("cold_plain_max_ms", "cold `query WORDS --json` max", "ms", 0),
    Row("cold_plain_failed", "cold `query WORDS --json` that failed", "", 0),
    Row("web_requests_per_s", "web: requests per second (8 clients)", "1/s", 1),
    Row("web_p50_ms", "web: latency p50", "ms", 0),
    Row("web_p95_ms", "web: latency p95", "ms", 0),
    Row("web_max_ms", "web: latency max", "ms", 0),
    Row("web_errors", "web: errors", "", 0),
    Row("web_server_rss_mb", "web: server peak memory", "MB", 0),
)


@dataclass(frozen=True)
class Target:
    """A target of issue 5 (or 15): ``key``'s value (or its ratio to FTS5) against ``limit``."""

    text: str
    key: str
    limit: float
    unit: str
    larger_scale: bool = False  # applies to the --scale N run, not to 1x
    ratio: bool = False
    at_least: bool = False
    growth: bool = False  # the --scale N run's value over 1x's, against ``limit`` times N (linear growth is N)

    def value(self, scale: dict[str, Any], first: dict[str, Any]) -> float | None:
        ours = scale["newssearch"].get(self.key)
        if self.growth:
            return ratio(ours, first["newssearch"].get(self.key))
        if not self.ratio:
            return ours
        return ratio(ours, scale["fts5"].get(self.key))


TARGETS: tuple[Target, ...] = (
    Target("full reindex <= 30 s", "full_reindex_s", 30, "s"),
    Target("full reindex uses both cores (>= 1.5 cores)", "cores_used", 1.5, "", at_least=True),
    Target("reindex, nothing changed <= 2 s", "unchanged_reindex_s", 2, "s"),
    Target("reindex after 100 new articles <= 3 s", "add100_reindex_s", 3, "s"),
    Target("warm search p95 <= 50 ms", "warm_p95_ms", 50, "ms"),
    Target("warm search p95 within 3x of FTS5's", "warm_p95_ms", 3, "x", ratio=True),
    Target("web p95 <= 100 ms (8 clients)", "web_p95_ms", 100, "ms"),
    Target("web errors = 0", "web_errors", 0, ""),
    Target("warm search p95 <= 150 ms at --scale 10", "warm_p95_ms", 150, "ms", larger_scale=True),
    Target("cold `query WORDS --json` p50 <= 150 ms (issue 15)", "cold_plain_p50_ms", 150, "ms"),
    Target("full reindex <= 15 s (issue 15)", "full_reindex_s", 15, "s"),
    Target("reindex peak memory, process tree <= 1,000 MB (issue 15)", "peak_tree_rss_mb", 1000, "MB"),
    Target("reindex peak memory, process tree <= 1,000 MB (issue 15)", "peak_tree_rss_mb", 1000, "MB", larger_scale=True),
    Target("full reindex grows <= 1.1 x the archive (issue 15)", "full_reindex_s", 1.1, "x", larger_scale=True, growth=True),
    Target("web p95 <= 100 ms (8 clients; issue 15)", "web_p95_ms", 100, "ms", larger_scale=True),
    Target("web errors = 0 (issue 15)", "web_errors", 0, "", larger_scale=True),
)


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """Aligned plain text (first column left, the rest right), or a Markdown table."""
    if markdown:
        lines = [header, ["---", *["---:"] * (len(header) - 1)], *rows]
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True)))
        for line in [header, *rows]
    )


def figures_table(scale: dict[str, Any], markdown: bool) -> str:
    rows = []
    for row in ROWS:
        ours, theirs = scale["newssearch"].get(row.key), scale["fts5"].get(row.key)
        if ours is None and theirs is None:
            continue
        rows.append([row.label, row.unit, number(ours, row.digits), number(theirs, row.digits), number(ratio(ours, theirs), 2)])
    return table(["figure", "unit", "newssearch", "FTS5", "newssearch/FTS5"], rows, markdown)


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target against the 1x run (or the largest scale run), with pass/miss and value/limit."""
    scales = sorted(results["scales"], key=int)
    outcomes = []
    for target in TARGETS:
        scale = scales[-1] if target.larger_scale else scales[0]
        if target.larger_scale and scale == "1":
            continue
        value = target.value(results["scales"][scale], results["scales"][scales[0]])
        if value is None:
            continue
        limit = target.limit * int(scale) if target.growth else target.limit
        outcomes.append({"target": target.text, "scale": int(scale), "value": value, "limit": limit,
                         "unit": target.unit, "met": value >= limit if target.at_least else value <= limit,
                         "of_limit": ratio(value, limit)})  # fmt: skip
    return outcomes


def targets_table(outcomes: list[dict[str, Any]], markdown: bool) -> str:
    rows = [
        [o["target"], f"{o['scale']}x", f"{number(o['value'], 2)} {o['unit']}".strip(), "met" if o["met"] else "MISSED",
         "–" if o["of_limit"] is None else f"{o['of_limit']:.2f}"]
        for o in outcomes
    ]  # fmt: skip
    return table(["target", "scale", "measured", "", "measured/limit"], rows, markdown)


def growth_table(small: dict[str, Any], large: dict[str, Any], factor: int, markdown: bool) -> str:
    """How each figure grew from 1x to Nx, for both engines (N would be linear growth)."""
    rows = []
    for row in ROWS:
        grown = [ratio(large[engine].get(row.key), small[engine].get(row.key)) for engine in ("newssearch", "fts5")]
        if grown != [None, None]:
            rows.append([row.label, *(number(g, 2) for g in grown)])
    return table(["figure", f"newssearch {factor}x/1x", f"FTS5 {factor}x/1x"], rows, markdown)


def slowest_queries(scale: dict[str, Any], count: int = 5) -> str:
    queries = sorted(scale.get("queries", []), key=lambda q: -q["newssearch_warm_ms"])[:count]
    return "\n".join(
        f"  {q['newssearch_warm_ms']:7.1f} ms (FTS5 {q['fts5_warm_ms']:5.1f} ms)  {q['kind']:<8} {q['query']}"
        f"  [{q['newssearch_total']:,} / {q['fts5_total']:,} hits]"
        for q in queries
    )


def totals_check(scale: dict[str, Any]) -> str:
    """Both engines should find about as many articles per query: a gap means one of them is wrong."""
    queries = scale.get("queries", [])
    differ = [q for q in queries if abs(q["newssearch_total"] - q["fts5_total"]) > max(3, 0.01 * q["fts5_total"])]
    if not differ:
        return f"totals: newssearch and FTS5 agree (within 1% or 3 articles) on all {len(queries)} queries"
    lines = [f"  {q['kind']:<8} {q['query']}: newssearch {q['newssearch_total']:,}, FTS5 {q['fts5_total']:,}" for q in differ]
    return "\n".join([f"WARNING: totals differ on {len(differ)} of {len(queries)} queries:", *lines])


def render(results: dict[str, Any], markdown: bool = False) -> str:
    """The whole report: machine, per-scale tables, growth and targets."""
    meta = results["meta"]
    gap = [""] if markdown else []  # Markdown needs blank lines around a table
    parts = [
        f"newssearch benchmark, {meta['date']} on {meta['machine']}",
        f"load average (1, 5, 15 min) at start {meta['load_start']}, at end {meta.get('load_end')}",
    ]
    scales = sorted(results["scales"], key=int)
    for name in scales:
        scale = results["scales"][name]
        archive = scale["archive"]
        parts += [
            "",
            f"{name}x: {archive['articles']:,} articles, {archive['text_mb']:.1f} MB of text "
            f"(newssearch's readers alone: {archive['read_s']:.1f} s); 1-minute load after each phase: "
            + ", ".join(f"{phase} {load[0]}" for phase, load in scale["load_average"].items()),
            *gap,
            figures_table(scale, markdown),
            *gap,
        ]
        if not markdown:
            parts += ["slowest warm queries (newssearch):", slowest_queries(scale)]
        parts.append(totals_check(scale))
    if len(scales) > 1:
        growth = growth_table(results["scales"][scales[0]], results["scales"][scales[-1]], int(scales[-1]), markdown)
        parts += ["", f"growth 1x -> {scales[-1]}x", *gap, growth]
    parts += ["", "targets (issues 5 and 15)", *gap, targets_table(results["targets"], markdown)]
    return "\n".join(parts)
