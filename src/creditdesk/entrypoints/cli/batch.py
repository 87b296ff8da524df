"""`creditdesk batch run`: the nightly book as of a day on the local engine or on Spark (docs/scale.md)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
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
        typer.Option("--inputs", help="Read these Parquet files (a data lake's) instead of exporting the database."),
    ] = None,
    buckets: Annotated[int | None, typer.Option("--buckets", min=1, help="Default: one per 25,000 customers.")] = None,
    load: Annotated[bool, typer.Option("--load/--no-load", help="Load the results and apply the proposals.")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Export the book as of a day to Parquet, compute every customer's features, scores, limits and
    the monitor's proposals on an engine, and load the results back (once per run)."""
    from creditdesk.adapters.batch import exchange, loading, pipeline
    from creditdesk.adapters.batch.buckets import bucket_count

    if engine not in pipeline.ENGINES:
        fail(f"--engine is one of {', '.join(pipeline.ENGINES)}; got {engine!r}", EXIT_USAGE)
    if master is not None and engine != "spark":
        fail("--master is Spark's: use it with --engine spark", EXIT_USAGE)
    services = state(ctx).services
    day = as_of_date(as_of)
    champions = services.scoring_store().models_in_role("champion")
    if not champions:
        fail("there is no champion model yet: `creditdesk score` trains one", EXIT_USAGE)
    champion = champions[0]
    run_id = f"batch-{day:%Y%m%d}-{datetime.now(UTC):%H%M%S%f}"
    home = folder or services.settings.var_dir / "batch" / run_id
    jobs = services.job_store()
    job_run = jobs.start(JOB, day, worker_name(), services.clock.now())
    quiet = json_flag(ctx, as_json)
    try:
        with user_errors(), _progress(quiet) as progress:
            if inputs is None:
                bars = _Bars(progress, {"export": len(exchange.export_queries(day))})
                exchange.export(
                    services.engine,
                    day,
                    home / "inputs",
                    (champion["version"], champion["artefact_path"]),
                    lambda name: bars("export", name),
                )
            elif inputs.resolve() != (home / "inputs").resolve():
                shutil.copytree(inputs, home / "inputs", dirs_exist_ok=True)
            count = buckets or bucket_count(exchange.Manifest.read(home / "inputs").rows["customers"])
            totals = {"partition": len(list((home / "inputs").glob("*.parquet"))), "pass 1": count, "pass 2": count}
            if engine == "spark":  # Spark reports each pass once, whole
                totals.update({"partition": 0, "pass 1": 1, "pass 2": 1})
            run = pipeline.compute(
                home, engine=engine, master=master, buckets=count, run_id=run_id, progress=_Bars(progress, totals)
            )
            loaded = loading.load(home, services.uow, services.clock) if load else None
    except BaseException as error:
        jobs.finish(
            job_run, FAILED, {"run_id": run_id}, f"{type(error).__name__}: {error}"[:2000], services.clock.now()
        )
        raise
    counts: dict[str, Any] = {**run.as_json(), "folder": str(home)}
    if loaded is not None:
        counts["loaded"] = loaded.as_json()
    jobs.finish(job_run, SUCCEEDED, counts, None, services.clock.now())
    if quiet:
        print_json(counts)
        return
    out.print(f"{run.run_id}: {run.customers:,} customers as of {run.as_of} on {engine} in {run.buckets} bucket(s)")
    for stage in run.stages:
        out.print(f"  {stage.name:<10} {stage.seconds:8.1f} s  {stage.rows:>10,} rows")
    out.print(f"  peak memory {run.peak_rss_mib:,.0f} MiB; results in {home}")
    if loaded is not None:
        what = (
            "already loaded: nothing written"
            if loaded.already
            else f"{loaded.scores:,} scores, {loaded.limits:,} limits loaded"
        )
        out.print(f"  {what}")
        if loaded.monitor is not None:
            out.print(
                f"  monitor: {len(loaded.monitor.changes)} change(s), "
                f"{len(loaded.monitor.skipped)} account(s) moved since the batch read them"
            )
