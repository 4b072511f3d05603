"""The command line: a thin face over the Python API (parse options, call, print)."""

from __future__ import annotations

import copy
import gc
import html
import json
import os
import re
import sys
from contextlib import ExitStack
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from .engine import ENGINES, open_engine
from .errors import NewssearchError
from .fields import SCHEMA, Schema
from .search import SORTS, Hit, SearchIndex, SearchRequest, SearchResult, related, search

if TYPE_CHECKING:
    from .indexer import ReindexReport

EXIT_SKIPPED = 3
"""reindex: the index was updated, but some files or records could not be read."""


class _Group(click.Group):
    """Show a NewssearchError as the one-line message it is, never as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewssearchError as error:
            raise click.ClickException(str(error)) from None


index_option = click.option(
    "--index", "index_dir", envvar="NEWSSEARCH_INDEX", default="index", show_default=True,
    type=click.Path(file_okay=False), help="Index folder [env NEWSSEARCH_INDEX].",
)  # fmt: skip
archive_option = click.option(
    "--archive", "archive_dir", envvar="NEWSSEARCH_ARCHIVE", default="archive", show_default=True,
    type=click.Path(file_okay=False), help="Archive folder of articles [env NEWSSEARCH_ARCHIVE].",
)  # fmt: skip
engine_option = click.option(
    "--engine", envvar="NEWSSEARCH_ENGINE", default="whoosh", show_default=True, type=click.Choice(ENGINES, case_sensitive=False),
    help="Search engine: whoosh (embedded, in the index folder) or opensearch (a cluster, set by NEWSSEARCH_OPENSEARCH_*) [env NEWSSEARCH_ENGINE].",
)  # fmt: skip
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")


def _color() -> bool | None:
    """None lets click decide (colour on a terminal only); NO_COLOR turns it off everywhere."""
    return False if os.environ.get("NO_COLOR") else None


def _open(index_dir: str, schema: Schema, engine: str, one_off: bool = False) -> SearchIndex:
    """The index in ``index_dir`` (Whoosh) or on the cluster (OpenSearch), by the --engine option;
    ``one_off`` for a command that searches once (open_engine)."""
    return SearchIndex(index_dir, schema, open_engine(index_dir, schema, engine, one_off=one_off))


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.command("reindex")
@archive_option
@index_option
@engine_option
@click.option("--full", is_flag=True, help="Rebuild the whole index instead of only new and changed files.")
@json_option
@click.pass_obj
def reindex_command(schema: Schema, archive_dir: str, index_dir: str, engine: str, full: bool, as_json: bool) -> None:
    """Bring the index up to date with the archive folder.

    New files are added, changed files read again, removed files dropped. Files
    that cannot be read are listed with the reason; the rest are indexed, and the
    exit status is 3.

    Example: newssearch reindex --archive ~/news
    """
    from .indexer import reindex  # here, not at the top: a query has no use for the indexer and the readers

    with ExitStack() as stack:
        writing = stack.enter_context(open_engine(index_dir, schema, engine))
        bar: list[Any] = []

        def progress(done: int, total: int) -> None:
            if not bar:
                bar.append(stack.enter_context(click.progressbar(length=total, label="Indexing", file=sys.stderr)))
            bar[0].update(done)

        report = reindex(archive_dir, index_dir, full=full, progress=progress if sys.stderr.isatty() else None, schema=schema, engine=writing)
    if as_json:
        _echo_json(report.to_dict())
    else:
        _print_report(report)
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


def _print_report(report: ReindexReport) -> None:
    from .archive import IGNORE_FILE

    kind = "Full reindex" if report.full else "Reindex"
    click.echo(
        f"{kind}: read {report.files_read} of {report.files} files in {report.seconds:.1f} s; "
        f"{report.added:,} added, {report.updated:,} updated, {report.removed:,} removed; "
        f"{report.articles:,} article{'' if report.articles == 1 else 's'} in the index."
    )
    if report.files_ignored:
        plural = "" if report.files_ignored == 1 else "s"
        click.echo(f"Ignored: {report.files_ignored:,} file{plural} (README files and the patterns of {IGNORE_FILE}).")
    if report.furniture_lines:
        click.echo(
            f"Site furniture: {report.furniture_blocks:,} different lines left out of saved pages "
            f"{report.furniture_lines:,} times (list them: newssearch furniture)."
        )
    warnings = [p for p in report.problems if not p.skipped]
    if warnings:
        click.echo(f"{len(warnings)} read with a warning (indexed):")
        for problem in warnings:
            click.echo(f"  {problem}")
    if report.skipped:
        click.echo(f"{len(report.skipped)} skipped (not indexed):", err=True)
        for problem in report.skipped:
            click.echo(f"  {problem}", err=True)


@click.command("query")
@click.argument("words", nargs=-1, required=True)
@index_option
@engine_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Results per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of results to show.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published on or after YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published on or before YYYY-MM-DD.")
@click.option("--recency", is_flag=True, help="Rank recent and relevant articles first (not a date sort).")
@click.option("--no-fold", "no_fold", is_flag=True, help="List near-duplicates as results of their own.")
@click.option("--facets", is_flag=True, help="Also count the results by each facet (source, year ...).")
@click.option("--as-typed", "as_typed", is_flag=True, help="Search the words as typed, even when a respelling would find more.")
@json_option
@click.pass_obj
def query_command(
    schema: Schema, /, words: tuple[str, ...], index_dir: str, engine: str, limit: int, page: int, sort: str,
    since: datetime | None, until: datetime | None, recency: bool, no_fold: bool, facets: bool, as_typed: bool,
    as_json: bool, **filters: tuple[str, ...],
) -> None:  # fmt: skip
    """Search the index and print ranked results with highlighted snippets.

    Words, "quoted phrases", AND / OR / NOT, -word, field:value (title, source,
    author, tags), prefix*, date:2023, date:2023-03, date:[2023-01-01 TO 2023-03-31].

    Example: newssearch query "START treaty" --sort newest --facets
    """
    request = SearchRequest(
        q=" ".join(words), page=page, page_size=limit, sort=sort,
        filters={name.removeprefix(FILTER_PREFIX): values for name, values in filters.items() if values},
        since=since.date() if since else None, until=until.date() if until else None, recency=recency,
        fold=not no_fold, facets=facets, correct=not as_typed,
    )  # fmt: skip
    # numpy, if the search imports it, starts a BLAS thread per core and spins them up: CPU
    # time only, since newssearch does no linear algebra (one process, one search).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with _open(index_dir, schema, engine, one_off=True) as index:
        result = search(index, request)
    if as_json:
        _echo_json(result.to_dict())
    else:
        _print_result(result, schema)


FILTER_PREFIX = "filter_"
"""The query command's parameter for a facet's option is ``filter_<facet name>``: no clash with its other parameters."""


def _filter_options(schema: Schema) -> list[click.Option]:
    """One repeatable option per facet of the table: --source, --year, --month, --tag ..."""
    return [
        click.Option([f"--{facet.param}", f"{FILTER_PREFIX}{facet.name}"], multiple=True, help=f"{facet.help} Repeat for several.".strip())
        for facet in schema.facets
    ]


def _print_result(result: SearchResult, schema: Schema) -> None:
    if not result.total:
        hint = f"Did you mean: {result.suggestion}?" if result.suggestion else "Try fewer words, a prefix like treat*, or check the spelling."
        click.echo(f'No results for "{result.query}". {hint}')
        return
    first = (result.page - 1) * result.page_size
    noun = "result" if result.total == 1 else "results"
    if result.showing_suggestion:
        click.echo(f'No results for "{result.query}". Showing results for "{result.suggestion}" (search the words as typed with --as-typed).')
    shown = result.suggestion if result.showing_suggestion else result.query
    click.echo(f'{result.total:,} {noun} for "{shown}" ({result.seconds:.3f} s), page {result.page} of {result.pages}')
    if result.suggestion and not result.showing_suggestion:
        click.echo(f"Did you mean: {result.suggestion}")
    click.echo()
    _print_hits(result.hits, first + 1)
    if result.facets:
        for facet in schema.facets:
            if values := result.facets.get(facet.name, []):  # a facet none of the results has is left out
                click.echo(f"{facet.label}: " + ", ".join(f"{v.value} ({v.count:,})" for v in values))


def _print_hits(hits: list[Hit], start: int) -> None:
    color = _color()
    for number, hit in enumerate(hits, start=start):
        click.echo(click.style(f"{number:>3}. {hit.display_title}", bold=True), color=color)
        meta = [hit.date.strftime("%Y-%m-%d") if hit.date else "undated", hit.source, hit.url or hit.path, f"id {hit.id}"]
        click.echo("     " + " · ".join(m for m in meta if m))
        click.echo("     " + _terminal_snippet(hit.snippet), color=color)
        if hit.similar:
            click.echo(f"     + {len(hit.similar)} similar: " + ", ".join(f"id {s.id}" for s in hit.similar))
        click.echo()


def _terminal_snippet(snippet: str) -> str:
    """Turn the HTML snippet (escaped text, <mark> around matches) into bold terminal text."""
    parts = re.split(r"<mark>(.*?)</mark>", snippet)
    return "".join(click.style(html.unescape(part), bold=True) if i % 2 else html.unescape(part) for i, part in enumerate(parts))


@click.command("related")
@click.argument("article_id")
@index_option
@engine_option
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50), help="How many related articles.")
@json_option
@click.pass_obj
def related_command(schema: Schema, article_id: str, index_dir: str, engine: str, limit: int, as_json: bool) -> None:
    """List the articles most like one article (more like this).

    Example: newssearch related reuters-1
    """
    with _open(index_dir, schema, engine) as index:
        hits = related(index, article_id, limit=limit)
    if as_json:
        _echo_json({"id": article_id, "related": [hit.to_dict() for hit in hits]})
    else:
        _print_hits(hits, 1)


@click.command("stats")
@index_option
@engine_option
@json_option
@click.pass_obj
def stats_command(schema: Schema, index_dir: str, engine: str, as_json: bool) -> None:
    """Show what is in the index: articles by source and year, size, last reindex.

    Example: newssearch stats --json
    """
    from .stats import index_stats

    with _open(index_dir, schema, engine) as index:
        stats = index_stats(index)
    if as_json:
        _echo_json(stats.to_dict())
        return
    click.echo(f"{stats.articles:,} articles in {stats.index_dir} ({stats.size_bytes / 1e6:.1f} MB)")
    if stats.last_reindex:
        last = stats.last_reindex
        click.echo(f"Last reindex: {last['finished']} ({last['seconds']:.1f} s, {last['problems']} problems)")
    click.echo("By source:")
    for source, count in stats.by_source.items():
        click.echo(f"  {count:>8,}  {source}")
    click.echo("By year:")
    for year, count in stats.by_year.items():
        click.echo(f"  {count:>8,}  {year}")
    if stats.undated:
        click.echo(f"  {stats.undated:>8,}  undated")


@click.command("furniture")
@index_option
@engine_option
@json_option
@click.pass_obj
def furniture_command(schema: Schema, index_dir: str, engine: str, as_json: bool) -> None:
    """List the lines left out of saved pages as site furniture, each with its pages.

    Example: newssearch furniture --json
    """
    from . import furniture

    with _open(index_dir, schema, engine) as index:
        lines = furniture.removed_lines(index.engine.indexed())
    if as_json:
        _echo_json([{"line": line, "pages": paths} for line, paths in lines.items()])
        return
    click.echo(f"{len(lines):,} different lines left out of saved pages as site furniture{':' if lines else '.'}")
    for line, paths in lines.items():
        click.echo(f"\n{line}\n  left out of {len(paths):,} page{'' if len(paths) == 1 else 's'}:")
        for path in paths:
            click.echo(f"    {path}")


@click.command("serve")
@index_option
@engine_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=os.cpu_count() or 1, show_default="one per core", type=click.IntRange(1, 64), help="Server processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads per server process.")
@click.option("--debug", is_flag=True, help="Use Flask's development server with the debugger and reloader.")
@click.option(
    "--base-url", envvar="NEWSSEARCH_BASE_URL", default=None,
    help="Public address of the site (https://news.example.org) for the absolute links of feeds and OpenSearch [env NEWSSEARCH_BASE_URL].",
)  # fmt: skip
@click.pass_obj
def serve_command(
    schema: Schema, index_dir: str, engine: str, host: str, port: int, workers: int, threads: int, debug: bool, base_url: str | None
) -> None:
    """Serve the search page, article pages and JSON API (read-only on the index).

    Example: newssearch serve --index index --port 8080
    """
    from .web import serve

    serve(index_dir, host=host, port=port, workers=workers, threads=threads, debug=debug, base_url=base_url, schema=schema, engine=engine)


def make_cli(schema: Schema = SCHEMA) -> click.Group:
    """The ``newssearch`` command for an index of ``schema``: its query filters are the table's facets."""

    @click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="newssearch")
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """Full-text search for a news archive.

        Reindex a folder of articles (text, HTML, JSON/JSONL/CSV exports, Reuters SGML),
        then search it from the terminal or the web.
        """
        ctx.obj = schema

    query = copy.copy(query_command)
    since = next(i for i, param in enumerate(query.params) if param.name == "since")
    query.params = [*query.params[:since], *_filter_options(schema), *query.params[since:]]
    for command in (reindex_command, query, related_command, stats_command, furniture_command, serve_command):
        cli.add_command(command)
    return cli


main = make_cli(SCHEMA)


def run() -> None:
    """The ``newssearch`` program (pyproject.toml's script, ``python -m newssearch.cli``): ``main``
    in a process that ends with the command.

    At exit, Python collects garbage over every object still alive, several times, as it takes
    the modules apart: about 20 ms of a one-off ``newssearch query`` (of 135 ms; issue 15's
    budget is 150), to free memory that the system takes back with the process anyway.
    gc.freeze() leaves the objects alive then out of those collections. Objects in no reference
    cycle are still freed, and their finalizers run, as the modules go. Here, not in ``main``:
    a program that calls ``main`` (the tests, through click's CliRunner) goes on after it.
    """
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    run()
