"""The worker: the daily cycle on its schedule (after catching up the days it missed) and the
continuous ticks (events relay, notifications), each under its lease.

* ``run_cycle``: under the ``cycle`` lease (waiting while another process holds it), close the runs
  a stopped worker left ``running``, then run every job of ``DAILY_JOBS`` for each day owed, oldest
  first: from the day after the last day all jobs succeeded (at most ``catch_up_days`` back) to the
  business today. A job whose day succeeded already is skipped, so two workers never double a run.
* ``run_job_now``: one job for one day, under the same lease (``creditdesk jobs run``).
* ``Worker.serve``: the catch-up at start, then the cycle on ``worker_schedule`` (a cron expression
  in ``worker_timezone``, APScheduler's ``CronTrigger``), and the ticks every ``worker_tick_seconds``
  on their own thread, until ``stop`` is set (SIGTERM, SIGINT): the job running finishes, no other
  starts, the leases are released.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from creditdesk.entrypoints.observability import job_run, log_job
from creditdesk.entrypoints.worker.jobs import DAILY_JOBS, TICKS, DailyJob, pinned
from creditdesk.service.jobs import (
    CYCLE_LEASE,
    FAILED,
    RELAY_LEASE,
    Counts,
    Lease,
    LeaseHolder,
    LeaseLost,
    Outcome,
    close_abandoned,
    days_to_run,
    run_job,
    worker_name,
)

if TYPE_CHECKING:
    from creditdesk.bootstrap import Services

log = logging.getLogger("creditdesk.worker")


@dataclass
class CycleReport:
    days: list[date] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    abandoned: int = 0
    stopped: bool = False

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    def as_json(self) -> dict[str, object]:
        return {
            "days": [d.isoformat() for d in self.days],
            "abandoned": self.abandoned,
            "stopped": self.stopped,
            "runs": [o.as_json() for o in self.outcomes],
        }


def _waiting(holder: LeaseHolder | None) -> None:
    who = holder.holder if holder else "another worker"
    log.info("waiting for the cycle lease", extra={"fields": {"lease": CYCLE_LEASE, "holder": who}})


def _target(services: Services, job: DailyJob, day: date, latest: date, worker: str) -> Callable[[], Counts]:
    def call() -> Counts:
        if not job.catch_up and day < latest:
            return {"skipped": f"caught up: only the latest day ({latest.isoformat()}) runs it"}
        with job_run(job.name, as_of=day.isoformat(), worker=worker) as extra:
            counts = job.load()(pinned(services, day), day)
            extra["counts"] = counts
        return counts

    return call


@dataclass
class Cycle:
    """One process's side of the cycle: its name (``host:pid``), its lease, its stop signal."""

    services: Services
    stop: threading.Event = field(default_factory=threading.Event)
    worker: str = field(default_factory=worker_name)
    on_wait: Callable[[LeaseHolder | None], None] = _waiting
    jobs: tuple[DailyJob, ...] = DAILY_JOBS

    @property
    def names(self) -> list[str]:
        return [job.name for job in self.jobs]

    def lease(self) -> Lease:
        return Lease(self.services.job_store(), CYCLE_LEASE, self.worker, self.services.settings.lease_seconds)

    def run(self, today: date | None = None) -> CycleReport:
        """The days owed up to ``today`` (default the business today), each job once per day."""
        report = CycleReport()
        store = self.services.job_store()
        lease = self.lease()
        if not lease.wait(self.stop, self.on_wait):
            report.stopped = True
            return report
        with lease:
            report.abandoned = close_abandoned(store, self.names, self.services.clock)
            latest = today or self.services.clock.today()
            report.days = days_to_run(store.days_done(self.names), latest, self.services.settings.catch_up_days)
            for day in report.days:
                for job in self.jobs:
                    if self.stop.is_set() or lease.lost.is_set():
                        report.stopped = True
                        if lease.lost.is_set():
                            log.error("cycle lease lost; stopping", extra={"fields": {"worker": self.worker}})
                        return report
                    target = _target(self.services, job, day, latest, self.worker)
                    report.outcomes.append(
                        run_job(
                            store, job.name, day, target, pinned(self.services, day).clock, self.worker, lease=lease
                        )
                    )
        return report

    def run_one(self, job: DailyJob, day: date, *, force: bool = False) -> Outcome | None:
        """``job`` for ``day`` now, under the cycle lease; None when stopped while waiting for it."""
        store = self.services.job_store()
        lease = self.lease()
        if not lease.wait(self.stop, self.on_wait):
            return None
        with lease:
            close_abandoned(store, self.names, self.services.clock)
            target = _target(self.services, job, day, day, self.worker)
            return run_job(
                store, job.name, day, target, pinned(self.services, day).clock, self.worker, force=force, lease=lease
            )


def tick_once(services: Services, lease: Lease) -> dict[str, Counts]:
    """Each tick once when this process holds (or takes) the relay lease; what each did. A tick
    that did nothing is not logged (it runs every few seconds): only work done, and failures."""
    done: dict[str, Counts] = {}
    if not lease.acquire():
        return done
    for tick in TICKS:
        if lease.lost.is_set():
            break
        started = time.perf_counter()
        try:
            counts: Counts = dict(tick.load()(services))
        except Exception as error:
            log_job(
                f"tick.{tick.name}",
                (time.perf_counter() - started) * 1000,
                "failed",
                error=f"{type(error).__name__}: {error}",
            )
            continue
        if any(counts.values()):
            log_job(f"tick.{tick.name}", (time.perf_counter() - started) * 1000, "ok", counts=counts)
        done[tick.name] = counts
    return done


@dataclass
class Worker:
    services: Services
    stop: threading.Event = field(default_factory=threading.Event)
    worker: str = field(default_factory=worker_name)

    def cycle(self) -> Cycle:
        return Cycle(self.services, self.stop, self.worker)

    def scheduled_cycle(self) -> None:
        """The scheduler's job: the cycle for the business today (and any day missed)."""
        try:
            report = self.cycle().run()
        except Exception:
            log.exception("the daily cycle failed")
            return
        _log_report(report)

    def ticks(self) -> None:
        settings = self.services.settings
        lease = Lease(self.services.job_store(), RELAY_LEASE, self.worker, settings.lease_seconds)
        try:
            while not self.stop.is_set():
                busy = False
                try:
                    done = tick_once(self.services, lease)
                    busy = any(any(counts.values()) for counts in done.values())
                except Exception:
                    log.exception("tick failed")
                if not busy:  # a round that did work goes on at once: a backlog drains at full speed
                    self.stop.wait(settings.worker_tick_seconds)
        finally:
            try:
                lease.release()
            except Exception:
                log.exception("could not release the relay lease")

    def serve(self) -> None:
        """Until ``stop``: the ticks on their thread, the catch-up now, then the cycle on schedule."""
        from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
        from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

        settings = self.services.settings
        trigger = CronTrigger.from_crontab(settings.worker_schedule, timezone=settings.worker_timezone)
        log.info(
            "worker started",
            extra={
                "fields": {
                    "worker": self.worker,
                    "schedule": settings.worker_schedule,
                    "timezone": settings.worker_timezone,
                    "tick_seconds": settings.worker_tick_seconds,
                }
            },
        )
        ticking = threading.Thread(target=self.ticks, name="ticks", daemon=True)
        ticking.start()
        scheduler = BackgroundScheduler(timezone=settings.worker_timezone)
        try:
            self.scheduled_cycle()  # catch up first
            scheduler.add_job(
                self.scheduled_cycle,
                trigger,
                id="daily-cycle",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
            scheduler.start()
            job = scheduler.get_job("daily-cycle")
            if job is not None and not self.stop.is_set():
                log.info("next cycle", extra={"fields": {"at": str(job.next_run_time)}})
            self.stop.wait()
        finally:
            self.stop.set()
            if scheduler.running:
                scheduler.shutdown(wait=True)
            ticking.join()
            log.info("worker stopped", extra={"fields": {"worker": self.worker}})


def _log_report(report: CycleReport) -> None:
    ran = [o for o in report.outcomes if o.ran]
    fields = {
        "days": [d.isoformat() for d in report.days],
        "ran": len(ran),
        "failed": [f"{o.job}@{o.as_of.isoformat()}" for o in report.failed],
        "abandoned": report.abandoned,
        "stopped": report.stopped,
    }
    log.log(logging.ERROR if report.failed else logging.INFO, "cycle", extra={"fields": fields})


__all__ = ["Cycle", "CycleReport", "LeaseLost", "Worker", "tick_once"]
