"""Where the time goes: cProfile of a full reindex and of warm searches (issue 5's closing note).

    python benchmarks/profile_hotspots.py [--files N] [--worktree | --commit REV]

Three profiles of the Reuters archive (or its first N files):

1. the full reindex as shipped: only the parent process is visible (reading files,
   handing documents to the writer's workers, the commit), not the workers;
2. the full reindex with the writer forced into one process, so that analysis and
   posting writing show up too: the shares of the work, not of wall time on 2 cores;
3. warm searches: the query set five times over one reused SearchIndex.

Each prints the functions with the most own time, the most cumulative time, and
own time summed by area (readers, analysis, posting writing, ...). cProfile slows
small Python functions more than C code, so shares are indicative. The raw .prof
files go to benchmarks/results/ for snakeviz or pstats.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf import snapshot  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
AREAS = (  # first match wins: (substring of the function's file, area)
    ("/newssearch/readers/", "newssearch readers"),
    ("/newssearch/", "newssearch (other)"),
    ("/whoosh/analysis/", "whoosh analysis (tokenize, filters, stem)"),
    ("/whoosh/codec/", "whoosh codec (postings, columns)"),
    ("/whoosh/filedb/", "whoosh files"),
    ("/whoosh/writing.py", "whoosh writer"),
    ("/whoosh/multiproc.py", "whoosh writer"),
    ("/whoosh/highlight.py", "whoosh highlight"),
    ("/whoosh/sorting.py", "whoosh facets/sorting"),
    ("/whoosh/", "whoosh (other)"),
    ("~", "C builtins (compress, pickle, sort, regex...)"),
    ("/lib/python3", "Python stdlib"),
)


def area(filename: str) -> str:
    return next((name for part, name in AREAS if part in filename), "other")


def summary(profile: cProfile.Profile, title: str, top: int) -> str:
    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    total = sum(tt for _, _, tt, _, _ in entries.values())
    by_area: Counter[str] = Counter()
    for (filename, _, _), (_, _, tt, _, _) in entries.items():
        by_area[area(filename)] += tt

    def rows(index: int) -> list[str]:
        ranked = sorted(entries.items(), key=lambda item: -item[1][index])[:top]
        return [f"  {v[index]:8.2f} s {100 * v[index] / total:5.1f}%  {v[1]:>9,} calls  {pstats.func_std_string(k)}" for k, v in ranked]

    return "\n".join([
        f"== {title}: {total:.1f} s profiled",
        "-- own time by area",
        *(f"  {t:8.2f} s {100 * t / total:5.1f}%  {name}" for name, t in by_area.most_common()),
        f"-- top {top} by own time", *rows(2),
        f"-- top {top} by cumulative time", *rows(3),
    ])  # fmt: skip


def profiled(action: Callable[[], object]) -> tuple[cProfile.Profile, float]:
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.runcall(action)
    return profile, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=22, help="profile the first N Reuters files (default: all 22)")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--worktree", action="store_true")
    args = parser.parse_args()
    if not args.worktree:
        folder = tempfile.mkdtemp(prefix="newssearch-snapshot-")
        atexit.register(shutil.rmtree, folder, True)
        snapshot.use(snapshot.extract(args.commit, Path(folder)))

    try:
        from newssearch.engine.whoosh import writing  # where the writer is chosen since the engine seam
    except ImportError:  # an older snapshot
        import newssearch.indexer as writing  # type: ignore[no-redef]
    from perf.corpus import reuters_files
    from perf.phases import search_request
    from perf.queries import QUERIES

    from newssearch import SearchIndex, reindex, search

    tmp = Path(tempfile.mkdtemp(prefix="newssearch-profile-"))
    atexit.register(shutil.rmtree, tmp, True)
    archive = tmp / "archive"
    archive.mkdir()
    for path in reuters_files()[: args.files]:
        (archive / path.name).symlink_to(path)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    reports = []

    def record(name: str, title: str, profile: cProfile.Profile, seconds: float) -> None:
        profile.dump_stats(RESULTS_DIR / f"profile-{stamp}-{name}.prof")
        reports.append(summary(profile, f"{title} ({seconds:.1f} s wall)", args.top))
        print(reports[-1], flush=True)

    record("reindex", "full reindex as shipped, parent process", *profiled(lambda: reindex(archive, tmp / "a", full=True)))
    writing.PARALLEL_BYTES = sys.maxsize  # one process: the workers' analysis and writing become visible
    record("reindex-1proc", "full reindex in one process", *profiled(lambda: reindex(archive, tmp / "b", full=True)))
    index = SearchIndex(tmp / "a")
    for query in QUERIES:  # warm up, as a running server is
        search(index, search_request(query))
    record("search", f"warm searches, {len(QUERIES)} queries x 5",
           *profiled(lambda: [search(index, search_request(q)) for _ in range(5) for q in QUERIES]))  # fmt: skip
    (RESULTS_DIR / f"profile-{stamp}.txt").write_text("\n\n".join(reports) + "\n")


if __name__ == "__main__":
    main()
