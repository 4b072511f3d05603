"""Performance benchmark of newssearch against SQLite FTS5 on Reuters-21578 (issue 5).

    python benchmarks/run.py                 # 1x: the 21,578 Reuters articles
    python benchmarks/run.py --scale 10      # 1x and 10x (derived variants), with growth
    python benchmarks/run.py --quick         # fewer repetitions, 5 s of web load
    python benchmarks/run.py --report benchmarks/results/2026-11-27.json --markdown
    python benchmarks/run.py --engines whoosh,opensearch   # the two engines side by side (no FTS5)

Prints the table and writes it as JSON (default ``benchmarks/results/<date>.json``).
It measures a snapshot of the commit HEAD (``--commit``), or the working tree with
``--worktree``. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import platform
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the perf package beside this script

from perf import snapshot  # noqa: E402  (imports no newssearch: which one to measure is chosen first)
from perf.report import render  # noqa: E402

if TYPE_CHECKING:
    from perf.phases import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="also measure an archive N times as large (default: 1x only)")
    parser.add_argument("--quick", action="store_true", help="one build, fewer repetitions, 5 s of web load")
    parser.add_argument("--out", type=Path, help="JSON file to write (default: benchmarks/results/<date>[-scaleN].json)")
    parser.add_argument("--baseline", type=Path, help="take the 1x figures from this earlier JSON instead of measuring them")
    parser.add_argument("--commit", default="HEAD", help="the commit to measure (default: HEAD)")
    parser.add_argument("--worktree", action="store_true", help="measure the working tree as installed instead of a commit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary archives and indexes (paths are logged)")
    parser.add_argument("--report", type=Path, help="print the report of an earlier JSON and exit")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument("--engines", help="instead: measure these newssearch engines side by side on 1x (whoosh,opensearch; a cluster is started)")
    args = parser.parse_args(argv)
    if args.engines:
        from perf.engines import parse_engines

        try:
            args.engines = parse_engines(args.engines)
        except ValueError as error:
            parser.error(str(error))
        if args.scale != 1 or args.baseline:
            parser.error("--engines measures 1x only, without --baseline")
    if args.scale < 1:
        parser.error("--scale must be 1 or more")
    return args


def choose_newssearch(args: argparse.Namespace) -> str:
    """Make the code under test importable; returns a description of it for the report."""
    if args.worktree:
        return f"working tree at {snapshot.describe('HEAD')} with its uncommitted changes"
    folder = tempfile.mkdtemp(prefix="newssearch-snapshot-")
    atexit.register(shutil.rmtree, folder, True)
    snapshot.use(snapshot.extract(args.commit, Path(folder)))
    return f"commit {snapshot.describe(args.commit)}"


def _command_output(*command: str) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine(measured: str) -> dict[str, Any]:
    """What the figures depend on: cores, memory, versions, the code measured, how busy the machine was."""
    from perf.corpus import REUTERS
    from perf.measure import load_average

    import newssearch

    return {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "nproc": os.cpu_count(),
        "free_h": _command_output("free", "-h"),
        "python": sys.version,
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "whoosh": version("whoosh-reloaded"),
        "newssearch": measured,
        "newssearch_imported_from": str(Path(newssearch.__file__).parent),
        "corpus": str(REUTERS),
        "load_start": load_average(),
    }


def measure_scale(scale: int, settings: Settings, keep: bool) -> dict[str, Any]:
    """Build the archive of one scale in a temporary folder and measure everything on it."""
    from perf.corpus import build_archive
    from perf.phases import log, run_scale

    tmp = Path(tempfile.mkdtemp(prefix=f"newssearch-bench-{scale}x-"))
    log(f"{scale}x: building the archive in {tmp}")
    try:
        return run_scale(tmp, build_archive(tmp / "archive", scale), settings.for_scale(scale))
    finally:
        if keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def default_out(scale: int, suffix: str = "") -> Path:
    return RESULTS_DIR / (time.strftime("%Y-%m-%d") + (f"-scale{scale}" if scale > 1 else "") + suffix + ".json")


def compare_engines(results: dict[str, Any], args: argparse.Namespace) -> None:
    """``--engines``: each engine's full reindex, warm and web latency on the 1x archive (perf/engines.py)."""
    from perf.corpus import build_archive
    from perf.engines import compare, render
    from perf.measure import load_average
    from perf.phases import Settings, log

    settings = Settings.quick() if args.quick else Settings(build_runs=1)  # one build each: a cluster build takes minutes
    results["settings"] = settings.__dict__ | {"quick": args.quick}
    tmp = Path(tempfile.mkdtemp(prefix="newssearch-bench-engines-"))
    try:
        results["engines"] = compare(tmp, build_archive(tmp / "archive", 1), args.engines, settings)
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    results["meta"]["load_end"] = load_average()
    out = args.out or default_out(1, "-engines")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(render(results, markdown=args.markdown))
    log(f"wrote {out}")


def main(argv: list[str] | None = None) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-ups (temporary folders, server) on kill
    args = parse_args(argv)
    if args.report:
        earlier = json.loads(args.report.read_text())
        if "engines" in earlier:
            from perf.engines import render as render_engines

            print(render_engines(earlier, markdown=args.markdown))
        else:
            print(render(earlier, markdown=args.markdown))
        return
    results: dict[str, Any] = {"meta": machine(choose_newssearch(args)), "scales": {}}
    if args.engines:
        compare_engines(results, args)
        return
    from perf.measure import load_average
    from perf.phases import Settings, log
    from perf.report import evaluate

    settings = Settings.quick() if args.quick else Settings()
    results["settings"] = settings.__dict__ | {"quick": args.quick}
    if args.baseline:
        baseline = json.loads(args.baseline.read_text())
        results["scales"]["1"] = baseline["scales"]["1"]
        results["meta"]["baseline"] = f"{args.baseline} ({baseline['meta']['newssearch']})"
        if baseline["meta"]["newssearch"] != results["meta"]["newssearch"]:
            log(f"warning: the baseline measured {baseline['meta']['newssearch']}, this run {results['meta']['newssearch']}")
    out = args.out or default_out(args.scale)
    out.parent.mkdir(parents=True, exist_ok=True)
    for scale in sorted({1, args.scale} - set(map(int, results["scales"]))):
        results["scales"][str(scale)] = measure_scale(scale, settings, args.keep)
        results["meta"]["load_end"] = load_average()
        results["targets"] = evaluate(results)
        out.write_text(json.dumps(results, indent=1))  # after each scale: a failure later keeps what was measured
    print(render(results, markdown=args.markdown))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
