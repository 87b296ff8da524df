"""The worker as processes: two started together run each job once (a negative control without
the lease runs some twice), and one killed with SIGKILL mid-monitor and restarted leaves the same
book as an uninterrupted run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.digest import business_digest
from tests.conftest import TEST_TODAY
from tests.e2e.conftest import PATIENCE_SECONDS, demo_copy

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DAY = date.fromisoformat(TEST_TODAY)


def _env(db: str, lease_seconds: float = 5.0) -> dict[str, str]:
    return {
        **os.environ,
        "CREDITDESK_DATABASE_URL": db,
        "CREDITDESK_TODAY": TEST_TODAY,
        "CREDITDESK_LEASE_SECONDS": str(lease_seconds),
        "CREDITDESK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def _worker(
    cwd: Path, db: str, *args: str, probe: tuple[str, ...] = (), lease_seconds: float = 5.0
) -> subprocess.Popen[str]:
    command = (
        [sys.executable, "-m", "tests.e2e.worker_probe", *probe, "--", *args]
        if probe
        else [sys.executable, "-m", "creditdesk", *args]
    )
    return subprocess.Popen(
        command, cwd=cwd, env=_env(db, lease_seconds), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _runs(db: str) -> list[tuple[str, date, str]]:
    engine = create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            r = t.job_runs
            rows = conn.execute(select(r.c.job, r.c.as_of, r.c.status).order_by(r.c.run_id)).all()
    finally:
        engine.dispose()
    return [(row.job, row.as_of, row.status) for row in rows]


def _two_workers(cwd: Path, db: str, probe: tuple[str, ...] = ()) -> list[tuple[str, date, str]]:
    """Two ``creditdesk worker --once`` started together, their jobs stand-ins (``--light``)."""
    workers = [_worker(cwd, db, "worker", "--once", probe=("--light", *probe), lease_seconds=2.0) for _ in range(2)]
    for worker in workers:
        _out, err = worker.communicate(timeout=PATIENCE_SECONDS)
        assert worker.returncode in (0, 1), err  # 1: a job failed (the assertions below say which)
    return _runs(db)


def _migrated_sqlite_copy(template: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "creditdesk.db")
    return f"sqlite:///{folder / 'creditdesk.db'}"


def test_two_workers_started_together_run_each_job_once(tmp_path: Path, migrated_sqlite: Path) -> None:
    db = _migrated_sqlite_copy(migrated_sqlite, tmp_path / "var")
    runs = _two_workers(tmp_path, db)
    per_job_day = Counter((job, day) for job, day, _ in runs)
    assert runs and set(per_job_day.values()) == {1}, runs
    assert {status for *_, status in runs} == {"succeeded"}, runs
    assert {day for _, day, _ in runs} == {DAY}


def test_without_the_lease_two_workers_double_a_run(tmp_path: Path, migrated_sqlite: Path) -> None:
    """Negative control: every lease granted, the two processes meet in the first job; the same
    count then sees it run twice for the day."""
    db = _migrated_sqlite_copy(migrated_sqlite, tmp_path / "var")
    meet = tmp_path / "meet"
    meet.mkdir()
    runs = _two_workers(tmp_path, db, probe=("--always-grant", "--meet", str(meet)))
    per_job_day = Counter((job, day) for job, day, _ in runs)
    assert per_job_day["expire_orders", DAY] == 2, runs


def _wait_mid_monitor(db: str, day: date, worker: subprocess.Popen[str]) -> int:
    """Poll until the monitor of ``day`` is running and has changed some accounts; the changes so far."""
    engine = create_engine(db)
    deadline = time.monotonic() + PATIENCE_SECONDS
    try:
        while time.monotonic() < deadline:
            assert worker.poll() is None, worker.communicate()[1]
            with engine.connect() as conn:
                running = conn.execute(
                    text("SELECT count(*) FROM job_runs WHERE job = 'monitor' AND status = 'running' AND as_of = :d"),
                    {"d": day.isoformat()},
                ).scalar_one()
                changed = conn.execute(
                    select(func.count()).select_from(t.account_changes).where(t.account_changes.c.effective_on == day)
                ).scalar_one()
            if running and changed:
                return int(changed)
            time.sleep(0.005)
    finally:
        engine.dispose()
    raise AssertionError("the monitor never got going")


def _digest(db: str) -> str:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return business_digest(conn, timeless=True)
    finally:
        engine.dispose()


def test_a_worker_killed_mid_monitor_and_restarted_leaves_the_book_of_an_uninterrupted_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A month after the demo's day: invoices have fallen overdue since, the monitor has work.
    day = DAY + timedelta(days=30)
    killed_cwd, calm_cwd = tmp_path_factory.mktemp("killed"), tmp_path_factory.mktemp("calm")
    killed_db, _ = demo_copy(tmp_path_factory, 300, 12, killed_cwd)
    calm_db, _ = demo_copy(tmp_path_factory, 300, 12, calm_cwd)

    # The report snapshots and the backup touch no business table: left out (they cost seconds).
    once = ("worker", "--once", "--as-of", day.isoformat())
    light = ("--light=snapshots,backup",)
    calm = _worker(calm_cwd, calm_db, *once, probe=light)  # the uninterrupted run, meanwhile
    worker = _worker(killed_cwd, killed_db, *once, probe=light, lease_seconds=1.0)
    changed = _wait_mid_monitor(killed_db, day, worker)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=PATIENCE_SECONDS)
    assert ("monitor", day, "running") in _runs(killed_db)  # killed mid-monitor, its run left open
    cut_short = _digest(killed_db)

    restarted = _worker(killed_cwd, killed_db, *once, probe=light, lease_seconds=1.0)
    for process in (restarted, calm):
        _, err = process.communicate(timeout=PATIENCE_SECONDS)
        assert process.returncode == 0, err

    runs = _runs(killed_db)
    monitor_runs = [status for job, d, status in runs if job == "monitor" and d == day]
    assert monitor_runs == ["failed", "succeeded"]  # the killed run closed as abandoned, then the day run again
    engine = create_engine(killed_db)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(t.account_changes).where(t.account_changes.c.effective_on == day)
        ).scalar_one()
    engine.dispose()
    assert 0 < changed < total  # the kill came in the middle of the monitor's changes
    assert _digest(killed_db) == _digest(calm_db)
    assert cut_short != _digest(calm_db)  # negative control: the digest tells a half-done day apart
