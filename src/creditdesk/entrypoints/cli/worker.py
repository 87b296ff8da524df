"""`creditdesk worker` (the daily cycle on its schedule, the ticks) and `creditdesk jobs list|run`."""

from __future__ import annotations

import os
import signal
import threading
from datetime import date
from types import FrameType
from typing import Annotated

import typer

from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_REFUSED, EXIT_USAGE, err, fail, guarded, out, print_json

jobs_app = typer.Typer(help="The daily cycle's jobs: their runs, and one run now.", no_args_is_help=True)

OnceOption = Annotated[
    bool,
    typer.Option(
        "--once",
        help="Catch up and run the cycle for today (or --as-of) once, then exit: for cron or a Kubernetes CronJob.",
    ),
]
DayOption = Annotated[
    str | None, typer.Option("--as-of", help="YYYY-MM-DD: the business day (default today, CREDITDESK_TODAY when set).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of expects a date as YYYY-MM-DD; got {text!r}", EXIT_USAGE)


def _stop_on_signals(stop: threading.Event) -> None:
    """The first SIGTERM or SIGINT: finish the job running, start no other, release the leases.
    A second: stop at once (the running job's open transaction is rolled back by the database;
    its run is closed as abandoned and run again by the next worker)."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            err.print(f"{signal.Signals(signum).name} again: stopping now")
            os._exit(128 + signum)
        err.print(f"{signal.Signals(signum).name}: stopping after the job running")
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def worker_command(
    ctx: typer.Context,
    once: OnceOption = False,
    as_of: DayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the daily cycle on its schedule, and publish events and notifications, until stopped.

    The cycle (expiry, monitor, dunning, re-scoring, snapshots, reviews, digest, event retention,
    backup) runs at CREDITDESK_WORKER_SCHEDULE (cron, in CREDITDESK_WORKER_TIMEZONE), after catching up
    the days missed; events and notifications go out every CREDITDESK_WORKER_TICK_SECONDS. One process at
    a time runs each (a lease in the database): start as many as you like. With --once: catch up
    and run the cycle up to today, then exit 0 (1 when a job failed). See docs/operations.md.
    """
    from creditdesk.entrypoints.observability import configure_logging
    from creditdesk.entrypoints.worker.loop import Cycle, Worker

    services = state(ctx).services
    configure_logging(services.settings.log_level)
    stop = threading.Event()
    _stop_on_signals(stop)
    day = _day(as_of)
    if not once:
        if day is not None:
            fail("--as-of goes with --once (the scheduled worker runs each business day as it comes)", EXIT_USAGE)
        guarded(Worker(services, stop).serve)
        return
    report = guarded(lambda: Cycle(services, stop).run(day))
    if json_flag(ctx, as_json):
        print_json(report.as_json())
    else:
        ran = [o for o in report.outcomes if o.ran]
        days = ", ".join(d.isoformat() for d in report.days) or "none owed"
        err.print(f"days: {days}; {len(ran)} run(s), {len(report.failed)} failed")
        for outcome in report.failed:
            err.print(f"  {outcome.job} {outcome.as_of}: {outcome.error}")
    if report.failed:
        raise typer.Exit(EXIT_REFUSED)


@jobs_app.command("list")
def jobs_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="How many runs, newest first.")] = 30,
    job: Annotated[str | None, typer.Option("--job", help="Only this job's runs.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The latest job runs (newest first) with their counts or error, and who holds the leases."""
    from creditdesk.entrypoints.worker.jobs import DAILY_JOBS
    from creditdesk.service.jobs import wall_clock

    store = state(ctx).services.job_store()
    runs = guarded(lambda: store.runs(limit, job=job))
    leases = guarded(store.leases)
    now = wall_clock()
    if json_flag(ctx, as_json):
        print_json(
            {
                "jobs": [j.name for j in DAILY_JOBS],
                "runs": [r.as_json() for r in runs],
                "leases": [lease.as_json(now) for lease in leases],
            }
        )
        return
    for lease in leases:
        state_text = f"held until {lease.expires_at:%Y-%m-%d %H:%M:%S}" if lease.expires_at > now else "expired"
        out.print(f"lease {lease.name}: {lease.holder} ({state_text})")
    if not runs:
        out.print("no job has run yet")
    for run in runs:
        body = run.as_json()
        seconds = f"{body['seconds']:.1f} s" if body["seconds"] is not None else "…"
        detail = run.error or ", ".join(f"{k} {v}" for k, v in run.counts.items())
        out.print(f"{run.run_id:>6} {run.as_of} {run.job:<16} {run.status:<9} {seconds:>9} {run.worker}  {detail}")


@jobs_app.command("run")
def jobs_run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The job (see `creditdesk jobs list`).")],
    as_of: DayOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Run it even when the day's run succeeded (it changes nothing more).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run one daily job now for a day (waits while a worker runs the cycle); a day done already
    is said so, exit 0. Exit 1 when the job failed."""
    from creditdesk.entrypoints.observability import configure_logging
    from creditdesk.entrypoints.worker.jobs import daily_job, job_names
    from creditdesk.entrypoints.worker.loop import Cycle

    job = daily_job(name)
    if job is None:
        fail(f"no job {name!r}; the jobs: {', '.join(job_names())}", EXIT_USAGE)
    services = state(ctx).services
    configure_logging(services.settings.log_level)
    stop = threading.Event()
    _stop_on_signals(stop)
    day = _day(as_of) or services.clock.today()
    outcome = guarded(lambda: Cycle(services, stop).run_one(job, day, force=force))
    if outcome is None:
        fail("stopped while waiting for the cycle lease", EXIT_REFUSED)
    if json_flag(ctx, as_json):
        print_json(outcome.as_json())
    elif not outcome.ran:
        out.print(
            f"{job.name} {day}: done already (run {outcome.run.run_id if outcome.run else '?'}); --force runs it again"
        )
    elif outcome.error:
        err.print(f"{job.name} {day}: failed: {outcome.error}")
    else:
        out.print(f"{job.name} {day}: " + (", ".join(f"{k} {v}" for k, v in outcome.counts.items()) or "done"))
    if outcome.error:
        raise typer.Exit(EXIT_REFUSED)
