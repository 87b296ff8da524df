"""The worker's registry: the daily cycle's jobs in the order they run, and the continuous ticks.

Each target is ``"module:function"``, imported when the job first runs (the CLI's help, the API and
the operations page list them without loading pandas or the models).

* A daily job is ``function(services, as_of) -> counts`` and is idempotent for its day: run twice
  for the same day, the second run changes nothing more. The worker gives it services whose clock
  is pinned to ``as_of`` (``pinned``), so a service that asks the clock for today sees the job's day.
* A tick is ``function(services) -> counts``, called every ``worker_tick_seconds`` under the
  ``relay`` lease (one process at a time).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from creditdesk.adapters.clock import DayClock

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

_WORKER = "creditdesk.entrypoints.worker"

DailyTarget = Callable[["Services", date], dict[str, int | str]]
TickTarget = Callable[["Services"], dict[str, int]]


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True, slots=True)
class DailyJob:
    name: str
    target: str
    help: str
    # False: during a catch-up only the latest day runs it (a backup or a report snapshot of a past
    # day is of no use); the missed days are recorded as succeeded with the reason.
    catch_up: bool = True

    def load(self) -> DailyTarget:
        found: DailyTarget = _load(self.target)
        return found


@dataclass(frozen=True, slots=True)
class Tick:
    name: str
    target: str
    help: str

    def load(self) -> TickTarget:
        found: TickTarget = _load(self.target)
        return found


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob(
        "expire_orders", f"{_WORKER}.daily:expire_orders", "Release the reservations of orders past their validity."
    ),
    DailyJob(
        "monitor",
        f"{_WORKER}.daily:monitor",
        "The monitor's rules on every account: holds, blocks, defaults, rewards, lapsed temporary limits, reviews.",
    ),
    DailyJob(
        "revalue",
        f"{_WORKER}.revaluation_job:revalue",
        "On a month-end: revalue open foreign-currency invoices at that day's rates (docs/currencies.md).",
    ),
    DailyJob(
        "rescore",
        f"{_WORKER}.daily:rescore",
        "Re-score the portfolio with the champion when the last scoring is rescore_every_days old.",
    ),
    DailyJob(
        "batch",
        f"{_WORKER}.daily:batch",
        "With batch_engine set: the nightly batch on it (scores, limits, proposals for the whole book; docs/scale.md).",
        catch_up=False,
    ),
    # After the batch: with it on, each customer's position is the night's run's (a million
    # customers' ledger is too large to read in one process).
    DailyJob(
        "collections", f"{_WORKER}.daily:collections", "The dunning run: promises kept or broken, dunning levels."
    ),
    DailyJob(
        "snapshots",
        f"{_WORKER}.daily:snapshots",
        "Compute the dashboard's and the reports' snapshots that the day's data left stale.",
        catch_up=False,
    ),
    DailyJob("reviews_due", f"{_WORKER}.notify_jobs:reviews_due", "Tell the reviewers of the reviews falling due."),
    DailyJob("digest", f"{_WORKER}.notify_jobs:digest", "Mail the daily digest to those who asked for one."),
    DailyJob(
        "events_retention",
        f"{_WORKER}.events_jobs:retention",
        "Drop published events older than event_retention_days from the feed.",
    ),
    DailyJob(
        "backup",
        f"{_WORKER}.backup_job:backup",
        "Back up the database into backup_dir, keeping backup_keep.",
        catch_up=False,
    ),
)

TICKS: tuple[Tick, ...] = (
    Tick("relay", f"{_WORKER}.events_jobs:relay_tick", "Publish new events to the feed and deliver webhooks."),
    Tick("notify", f"{_WORKER}.notify_jobs:notify_tick", "Turn new events into notifications and mail them."),
)


def daily_job(name: str) -> DailyJob | None:
    return next((job for job in DAILY_JOBS if job.name == name), None)


def job_names() -> list[str]:
    return [job.name for job in DAILY_JOBS]


def pinned(services: Services, day: date) -> Services:
    """``services`` with a clock whose today is ``day`` (its time of day still runs)."""
    if isinstance(services.clock, DayClock) and services.clock.day == day:
        return services
    return dataclasses.replace(services, clock=DayClock(day, services.clock))
