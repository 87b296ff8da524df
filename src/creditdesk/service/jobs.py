"""The daily cycle's bookkeeping: every run of a job for a business day, and the leases that let
one process at a time run the cycle (or the relay) across processes and machines.

* A job's day is done once a run of it for that day succeeded: ``run_job`` then does nothing
  (``force`` runs it again; every job is idempotent for its day, so that changes nothing more).
* A run starts as ``running`` and ends ``succeeded`` or ``failed`` with its counts or error. A
  ``running`` row whose worker died (killed, its lease lost) is closed as failed ("abandoned")
  by the next holder of the cycle lease, which runs the day again.
* A lease (``Lease``) is a row ``(name, holder, expires_at)``: taken when absent, expired or
  already ours, renewed by a heartbeat thread while its holder works, released at the end. A
  holder that stops renewing (killed, hung) loses it after ``seconds``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import Forbidden, InvalidInput
from creditdesk.service.ports import Clock

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
CYCLE_LEASE = "cycle"  # the daily jobs, one process at a time
RELAY_LEASE = "relay"  # the continuous ticks (events, notifications), one process at a time
ABANDONED = "abandoned: its worker stopped before the end (killed or lost its lease); the day is run again"
MAX_RUNS_LISTED = 1000

Counts = dict[str, int | str]


@dataclass(frozen=True, slots=True)
class JobRun:
    run_id: int
    job: str
    as_of: date
    status: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    counts: Counts
    error: str | None

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    def as_json(self) -> dict[str, object]:
        seconds = self.seconds
        return {
            "run_id": self.run_id,
            "job": self.job,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "worker": self.worker,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "seconds": round(seconds, 3) if seconds is not None else None,
            "counts": self.counts,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    name: str
    holder: str
    expires_at: datetime

    def as_json(self, now: datetime) -> dict[str, object]:
        return {
            "name": self.name,
            "holder": self.holder,
            "expires_at": self.expires_at.isoformat(),
            "held": self.expires_at > now,
        }


class JobStore(Protocol):
    """Job runs and leases (adapters.db.job_store). Lease times are the machines' UTC clocks."""

    def acquire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        """Take the lease when it is absent, expired at ``now`` or held by ``holder``; atomic."""
        ...

    def renew(self, name: str, holder: str, expires_at: datetime) -> bool:
        """Move the expiry of a lease ``holder`` holds; False when it is no longer theirs."""
        ...

    def release(self, name: str, holder: str) -> None: ...
    def leases(self) -> list[LeaseHolder]: ...
    def succeeded(self, job: str, as_of: date) -> bool: ...
    def start(self, job: str, as_of: date, worker: str, at: datetime) -> int: ...
    def finish(self, run_id: int, status: str, counts: Counts, error: str | None, at: datetime) -> None: ...
    def abandon_running(self, jobs: Iterable[str], at: datetime, error: str) -> int: ...
    def runs(self, limit: int, job: str | None = None, as_of: date | None = None) -> list[JobRun]: ...
    def days_done(self, jobs: Iterable[str]) -> date | None:
        """The last day on which every one of ``jobs`` succeeded."""
        ...

    def last_scored_on(self) -> date | None:
        """The last day the champion scored the portfolio; None before the first scoring."""
        ...

    def has_champion(self) -> bool: ...
    def accounts(self) -> int: ...


def worker_name() -> str:
    """This process: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def wall_clock() -> datetime:
    """Leases run on the machines' own UTC clocks (keep them in sync), never the business date."""
    return datetime.now(UTC)


class LeaseLost(Exception):
    """The lease expired under its holder (it stopped renewing): another may hold it now."""


class Lease:
    """``with Lease(store, "cycle", holder, 60) as lease:`` once ``acquire`` or ``wait`` took it:
    renewed every third of its life by a daemon thread, released on leaving."""

    def __init__(
        self,
        store: JobStore,
        name: str,
        holder: str,
        seconds: float,
        now: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.store, self.name, self.holder, self.seconds, self._now = store, name, holder, seconds, now
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def _expiry(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.seconds)

    def acquire(self) -> bool:
        now = self._now()
        if not self.store.acquire(self.name, self.holder, now, self._expiry(now)):
            return False
        self.lost.clear()
        self._start_heartbeat()
        return True

    def wait(self, stop: threading.Event, on_wait: Callable[[LeaseHolder | None], None] | None = None) -> bool:
        """Take the lease as soon as it is free; False when ``stop`` was set first."""
        told = False
        poll = min(2.0, self.seconds / 4)
        while not stop.is_set():
            if self.acquire():
                return True
            if on_wait is not None and not told:
                on_wait(next((lease for lease in self.store.leases() if lease.name == self.name), None))
                told = True
            stop.wait(poll)
        return False

    def _start_heartbeat(self) -> None:
        if self._beat is not None and self._beat.is_alive():
            return
        self._stop.clear()
        self._beat = threading.Thread(target=self._heartbeat, name=f"lease-{self.name}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if not self.store.renew(self.name, self.holder, self._expiry(self._now())):
                    self.lost.set()
                    return
            except Exception:  # the database away for a moment: try again at the next beat
                continue

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"lease {self.name!r} of {self.holder} expired while it worked")

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None and self._beat is not threading.current_thread():
            self._beat.join()
        self._beat = None
        if not self.lost.is_set():
            self.store.release(self.name, self.holder)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What ``run_job`` did: ``ran`` False when the day was done already (``run`` is that run)."""

    job: str
    as_of: date
    ran: bool
    status: str
    counts: Counts
    error: str | None = None
    run: JobRun | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "job": self.job,
            "as_of": self.as_of.isoformat(),
            "ran": self.ran,
            "status": self.status,
            "counts": self.counts,
            "error": self.error,
        }


def run_job(
    store: JobStore,
    job: str,
    as_of: date,
    target: Callable[[], Counts],
    clock: Clock,
    worker: str,
    *,
    force: bool = False,
    lease: Lease | None = None,
) -> Outcome:
    """Run ``target`` as ``job`` for ``as_of`` unless that day's run succeeded already (``force``:
    again). The caller holds the cycle lease. A failure is recorded and returned, not raised
    (the cycle goes on with its other jobs); ``KeyboardInterrupt``/``SystemExit`` end the run as
    failed and go on up."""
    if not force and store.succeeded(job, as_of):
        done = store.runs(1, job=job, as_of=as_of)
        return Outcome(job, as_of, False, SUCCEEDED, done[0].counts if done else {}, run=done[0] if done else None)
    run_id = store.start(job, as_of, worker, clock.now())
    try:
        counts = target()
        if lease is not None:
            lease.check()
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        store.finish(run_id, FAILED, {}, text, clock.now())
        return Outcome(job, as_of, True, FAILED, {}, text)
    except BaseException as error:
        store.finish(run_id, FAILED, {}, f"stopped: {type(error).__name__}", clock.now())
        raise
    store.finish(run_id, SUCCEEDED, counts, None, clock.now())
    return Outcome(job, as_of, True, SUCCEEDED, counts)


def close_abandoned(store: JobStore, jobs: Iterable[str], clock: Clock) -> int:
    """Under a freshly taken cycle lease: every run still ``running`` belonged to a worker that
    stopped (none other may run now); each is closed as failed, and its day will run again."""
    return store.abandon_running(jobs, clock.now(), ABANDONED)


def days_to_run(last_done: date | None, today: date, catch_up_days: int) -> list[date]:
    """The days the cycle owes, oldest first: from the day after the last fully done one (at most
    ``catch_up_days`` before today) to today; a new installation starts with today."""
    first = today if last_done is None else last_done + timedelta(days=1)
    first = max(first, today - timedelta(days=catch_up_days))
    return [first + timedelta(days=n) for n in range((today - first).days + 1)]


def rescore_due(last: date | None, as_of: date, every_days: int) -> str | None:
    """None when the portfolio should be scored on ``as_of``; else why not."""
    if last is not None and last > as_of:
        return f"scored on {last.isoformat()}, after this day"
    if last is not None and (as_of - last).days < every_days:
        return f"scored on {last.isoformat()}, due every {every_days} days"
    return None


def counts_json(counts: Counts) -> str:
    return json.dumps(counts, sort_keys=True, default=str)


def recent_runs(store: JobStore, role: Role, limit: int = 100, job: str | None = None) -> list[JobRun]:
    """The latest runs, newest first: for managers and admins (the operations page, the API)."""
    if not may(role, Permission.OPERATIONS):
        raise Forbidden(
            f"role {role.value!r} may not see the job runs", code="role_may_not", values={"role": role.value}
        )
    if not 1 <= limit <= MAX_RUNS_LISTED:
        raise InvalidInput(f"limit is between 1 and {MAX_RUNS_LISTED}; got {limit}")
    return store.runs(limit, job=job)


def lease_holders(store: JobStore, role: Role) -> list[LeaseHolder]:
    if not may(role, Permission.OPERATIONS):
        raise Forbidden(f"role {role.value!r} may not see the leases", code="role_may_not", values={"role": role.value})
    return store.leases()
