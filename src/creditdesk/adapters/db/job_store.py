"""Job runs and leases in the database (``job_runs``, ``leases``); see :mod:`creditdesk.service.jobs`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from creditdesk.adapters.db import tables as t
from creditdesk.service.jobs import RUNNING, SUCCEEDED, Counts, JobRun, LeaseHolder, counts_json


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite keeps no zone: stored as UTC


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


class SqlJobStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # leases ----------------------------------------------------------------------------------
    def acquire(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        lease = t.leases
        now, expires_at = _utc(now), _utc(expires_at)
        # One conditional UPDATE: on SQLite under BEGIN IMMEDIATE (the writer lock); on
        # PostgreSQL the row lock makes a concurrent one wait and re-check the condition on the
        # row as the first left it, so of two takers of an expired lease exactly one matches.
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(lease)
                .where(lease.c.name == name, or_(lease.c.expires_at <= now, lease.c.holder == holder))
                .values(holder=holder, expires_at=expires_at)
            ).rowcount
            if taken:
                return True
            if conn.execute(select(lease.c.name).where(lease.c.name == name)).first() is not None:
                return False
        try:  # the first ever: two may insert at once, the primary key keeps one
            with self.engine.begin() as conn:
                conn.execute(insert(lease).values(name=name, holder=holder, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def renew(self, name: str, holder: str, expires_at: datetime) -> bool:
        lease = t.leases
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(lease).where(lease.c.name == name, lease.c.holder == holder).values(expires_at=_utc(expires_at))
            ).rowcount
        return bool(moved)

    def release(self, name: str, holder: str) -> None:
        lease = t.leases
        with self.engine.begin() as conn:
            conn.execute(delete(lease).where(lease.c.name == name, lease.c.holder == holder))

    def leases(self) -> list[LeaseHolder]:
        lease = t.leases
        with self.engine.connect() as conn:
            rows = conn.execute(select(lease).order_by(lease.c.name)).all()
        return [LeaseHolder(row.name, row.holder, _aware(row.expires_at)) for row in rows]

    # runs --------------------------------------------------------------------------------------
    def succeeded(self, job: str, as_of: date) -> bool:
        r = t.job_runs
        with self.engine.connect() as conn:
            found = conn.execute(
                select(r.c.run_id).where(r.c.job == job, r.c.as_of == as_of, r.c.status == SUCCEEDED).limit(1)
            ).first()
        return found is not None

    def start(self, job: str, as_of: date, worker: str, at: datetime) -> int:
        r = t.job_runs
        with self.engine.begin() as conn:
            run_id = conn.execute(
                insert(r)
                .values(job=job, as_of=as_of, status=RUNNING, worker=worker[:200], started_at=at, counts="{}")
                .returning(r.c.run_id)
            ).scalar_one()
        return int(run_id)

    def finish(self, run_id: int, status: str, counts: Counts, error: str | None, at: datetime) -> None:
        r = t.job_runs
        with self.engine.begin() as conn:
            # Only a run still running: one closed as abandoned meanwhile stays so.
            conn.execute(
                update(r)
                .where(r.c.run_id == run_id, r.c.status == RUNNING)
                .values(status=status, counts=counts_json(counts), error=error, finished_at=at)
            )

    def abandon_running(self, jobs: Iterable[str], at: datetime, error: str) -> int:
        r = t.job_runs
        with self.engine.begin() as conn:
            closed = conn.execute(
                update(r)
                .where(r.c.status == RUNNING, r.c.job.in_(list(jobs)))
                .values(status="failed", error=error, finished_at=at)
            ).rowcount
        return int(closed)

    def runs(self, limit: int, job: str | None = None, as_of: date | None = None) -> list[JobRun]:
        r = t.job_runs
        query = select(r).order_by(r.c.run_id.desc()).limit(limit)
        if job is not None:
            query = query.where(r.c.job == job)
        if as_of is not None:
            query = query.where(r.c.as_of == as_of)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            JobRun(
                row.run_id,
                row.job,
                row.as_of,
                row.status,
                row.worker,
                _aware(row.started_at),
                _aware(row.finished_at) if row.finished_at else None,
                json.loads(row.counts or "{}"),
                row.error,
            )
            for row in rows
        ]

    def days_done(self, jobs: Iterable[str]) -> date | None:
        r = t.job_runs
        names = sorted(set(jobs))
        with self.engine.connect() as conn:
            day: date | None = conn.execute(
                select(r.c.as_of)
                .where(r.c.status == SUCCEEDED, r.c.job.in_(names))
                .group_by(r.c.as_of)
                .having(func.count(func.distinct(r.c.job)) == len(names))
                .order_by(r.c.as_of.desc())
                .limit(1)
            ).scalar()
        return day

    def last_scored_on(self) -> date | None:
        s = t.customer_scores
        with self.engine.connect() as conn:
            day: date | None = conn.execute(select(func.max(s.c.as_of)).where(s.c.role == "champion")).scalar()
        return day

    def accounts(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.credit_accounts)).scalar_one())

    def has_champion(self) -> bool:
        m = t.model_versions
        with self.engine.connect() as conn:
            return conn.execute(select(m.c.version).where(m.c.role == "champion").limit(1)).first() is not None
