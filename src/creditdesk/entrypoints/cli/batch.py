"""`creditdesk batch run`: the nightly book as of a day on the local engine or on Spark (docs/scale.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_USAGE, err, fail, out, print_json, user_errors
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.service.jobs import FAILED, SUCCEEDED, worker_name

JOB = "batch"

batch_app = typer.Typer(
    no_args_is_help=True,
    help="The nightly portfolio batch as of a day (features, scores, limits, proposals), locally or on Spark.",
)


class _Bars:
    """A progress bar per stage: the export's tables, the bucketing's inputs, the buckets."""

    def __init__(self, progress: Progress, totals: dict[str, int]) -> None:
        self.progress = progress
        self.tasks = {stage: progress.add_task(stage, total=total) for stage, total in totals.items()}

    def __call__(self, stage: str, _done: str) -> None:
        if stage in self.tasks:
            self.progress.advance(self.tasks[stage])


def _progress(quiet: bool) -> Progress:
    columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=err, disable=quiet)


@batch_app.command("run")
def batch_run(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    engine: Annotated[str, typer.Option("--engine", help="local (DuckDB, one machine) or spark.")] = "local",
    master: Annotated[
        str | None, typer.Option("--master", help="Spark's master URL (local[2], spark://host:7077, yarn).")
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="The run's folder (inputs, outputs, run.json); default var/batch/<run>."),
    ] = None,
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Read these Parquet files (a data lake's, or `demo --parquet`) instead of exporting the database; "
            "their manifest names the champion.",
        ),
    ] = None,
    buckets: Annotated[
        int | None, typer.Option("--buckets", min=1, help="Default: one per 25,000 customers (Spark: 5,000).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="The local engine's buckets at a time (a core each); default: the cores."
        ),
    ] = None,
    load: Annotated[bool, typer.Option("--load/--no-load", help="Load the results and apply the proposals.")] = True,
    cash: Annotated[
        bool, typer.Option("--cash/--no-cash", help="The 13-week cash forecast (a rerun for the scores may skip it).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Export the book as of a day to Parquet, compute every customer's features, scores, limits and
    the monitor's proposals on an engine, and load the results back (once per run)."""
    from creditdesk.adapters.batch.pipeline import ENGINES
    from creditdesk.entrypoints.batch_run import BatchOptions, run_batch

    if engine not in ENGINES:
        fail(f"--engine is one of {', '.join(ENGINES)}; got {engine!r}", EXIT_USAGE)
    if master is not None and engine != "spark":
        fail("--master is Spark's: use it with --engine spark", EXIT_USAGE)
    services = state(ctx).services
    day = as_of_date(as_of)
    options = BatchOptions(engine, master, folder, inputs, buckets, workers, load, cash=cash)
    jobs = services.job_store()
    with user_errors():  # a database without the schema yet says so
        job_run = jobs.start(JOB, day, worker_name(), services.clock.now())
    quiet = json_flag(ctx, as_json)
    try:
        with user_errors(), _progress(quiet) as progress:
            counts = run_batch(services, day, options, lambda totals: _Bars(progress, totals))
    except BaseException as error:
        problem = f"{type(error).__name__}: {error}"[:2000]
        jobs.finish(job_run, FAILED, {"as_of": day.isoformat()}, problem, services.clock.now())
        raise
    jobs.finish(job_run, SUCCEEDED, counts, None, services.clock.now())
    if quiet:
        print_json(counts)
        return
    _summary(counts)


def _summary(counts: dict[str, Any]) -> None:
    out.print(
        f"{counts['run_id']}: {counts['customers']:,} customers as of {counts['as_of']} "
        f"on {counts['engine']} in {counts['buckets']} bucket(s)"
    )
    for stage in counts["stages"]:
        out.print(f"  {stage['name']:<10} {stage['seconds']:8.1f} s  {stage['rows']:>10,} rows")
    out.print(f"  peak memory {counts['peak_rss_mib']:,.0f} MiB; results in {counts['folder']}")
    loaded = counts.get("loaded")
    if loaded is None:
        return
    already = loaded["already_loaded"]
    out.print(
        "  already loaded: nothing written"
        if already
        else f"  {loaded['scores']:,} scores, {loaded['limits']:,} limits loaded"
    )
    if loaded["monitor"] is not None:
        monitor = loaded["monitor"]
        out.print(
            f"  monitor: {monitor['changes']} change(s), "
            f"{len(monitor['skipped'])} account(s) moved since the batch read them"
        )
