"""The daily cycle's bookkeeping on both engines: leases (one holder, expiry, the first-insert race),
a day's job run once, catch-up in date order, a run left 'running' by a dead worker closed as abandoned."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from creditdesk.adapters.clock import DayClock, FixedClock
from creditdesk.adapters.db.job_store import SqlJobStore
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.worker.jobs import DAILY_JOBS, DailyJob, pinned
from creditdesk.entrypoints.worker.loop import Cycle
from creditdesk.service.jobs import ABANDONED, FAILED, RUNNING, SUCCEEDED, Lease, days_to_run, run_job

DAY = date(2026, 6, 30)
T0 = datetime(2026, 6, 30, 1, 30, tzinfo=UTC)

#: What the recording jobs below did, in order: (job, day, the day their clock said).
DONE: list[tuple[str, date, date]] = []


def record_a(services: Services, as_of: date) -> dict[str, int | str]:
    DONE.append(("a", as_of, services.clock.today()))
    return {"n": 1}


def record_b(services: Services, as_of: date) -> dict[str, int | str]:
    DONE.append(("b", as_of, services.clock.today()))
    return {"n": 2}


def record_latest(services: Services, as_of: date) -> dict[str, int | str]:
    DONE.append(("latest", as_of, services.clock.today()))
    return {}


def explode(services: Services, as_of: date) -> dict[str, int | str]:
    raise RuntimeError("the job broke")


HERE = "tests.integration.test_jobs"
JOBS = (
    DailyJob("a", f"{HERE}:record_a", "first"),
    DailyJob("b", f"{HERE}:record_b", "second"),
    DailyJob("latest", f"{HERE}:record_latest", "only the latest day", catch_up=False),
)


@pytest.fixture(autouse=True)
def _fresh_record() -> Iterator[None]:
    DONE.clear()
    yield
    DONE.clear()


def _cycle(services: Services, worker: str = "test:1", jobs: tuple[DailyJob, ...] = JOBS) -> Cycle:
    services.settings.lease_seconds = 30.0
    return Cycle(services, worker=worker, jobs=jobs)


def test_a_lease_has_one_holder_until_it_expires(services: Services) -> None:
    store = SqlJobStore(services.engine)
    later = T0 + timedelta(seconds=60)
    assert store.acquire("cycle", "a:1", T0, later)
    assert not store.acquire("cycle", "b:2", T0 + timedelta(seconds=30), later)
    assert store.acquire("cycle", "a:1", T0 + timedelta(seconds=30), later + timedelta(seconds=30))  # ours: renewed
    assert not store.renew("cycle", "b:2", later)
    store.release("cycle", "b:2")  # not theirs: nothing happens
    assert [(lease.holder, lease.expires_at) for lease in store.leases()] == [("a:1", later + timedelta(seconds=30))]
    # a:1 stopped renewing: once expired, b:2 takes it, and a:1 can no longer renew it.
    assert store.acquire("cycle", "b:2", later + timedelta(seconds=31), later + timedelta(seconds=91))
    assert not store.renew("cycle", "a:1", later + timedelta(seconds=120))
    store.release("cycle", "b:2")
    assert store.leases() == []


def test_of_many_racing_for_a_new_lease_exactly_one_gets_it(services: Services) -> None:
    """The first insert races on the primary key (SQLite and PostgreSQL); negative control: the
    same race on distinct lease names is won by everyone, so the race really ran."""
    store = SqlJobStore(services.engine)
    start = threading.Barrier(6)

    def race(name: str, holder: str, won: list[str]) -> None:
        start.wait()
        if store.acquire(name, holder, T0, T0 + timedelta(seconds=60)):
            won.append(holder)

    for same in (True, False):
        won: list[str] = []
        threads = [
            threading.Thread(target=race, args=("race" if same else f"race-{n}", f"w:{n}", won)) for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == (1 if same else 6)


def test_the_heartbeat_keeps_the_lease_and_release_frees_it(sqlite_services: Services) -> None:
    store = SqlJobStore(sqlite_services.engine)
    with Lease(store, "relay", "a:1", seconds=0.3) as lease:
        assert lease.acquire()
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        first = store.leases()[0].expires_at
        while store.leases()[0].expires_at == first:  # renewed by the heartbeat thread
            assert datetime.now(UTC) < deadline
            threading.Event().wait(0.05)
        assert not Lease(store, "relay", "b:2", seconds=0.3).acquire()
    assert store.leases() == []
    assert not lease.lost.is_set()


def test_a_days_job_runs_once_and_force_runs_it_again(sqlite_services: Services) -> None:
    store = SqlJobStore(sqlite_services.engine)
    calls: list[int] = []
    clock = DayClock(DAY, FixedClock(T0))

    def target() -> dict[str, int | str]:
        calls.append(1)
        return {"accounts": 3}

    first = run_job(store, "monitor", DAY, target, clock, "w:1")
    second = run_job(store, "monitor", DAY, target, clock, "w:1")
    assert (first.ran, first.status, first.counts) == (True, SUCCEEDED, {"accounts": 3})
    assert (second.ran, second.status, second.counts) == (False, SUCCEEDED, {"accounts": 3})
    assert len(calls) == 1
    assert run_job(store, "monitor", DAY, target, clock, "w:1", force=True).ran
    assert len(calls) == 2
    assert [r.status for r in store.runs(10, job="monitor")] == [SUCCEEDED, SUCCEEDED]


def test_a_failed_run_is_recorded_and_the_day_runs_again(sqlite_services: Services) -> None:
    store = SqlJobStore(sqlite_services.engine)
    clock = DayClock(DAY, FixedClock(T0))
    failed = run_job(store, "b", DAY, lambda: {"x": int("nope")}, clock, "w:1")
    assert failed.status == FAILED and "ValueError" in (failed.error or "")
    again = run_job(store, "b", DAY, lambda: {"x": 1}, clock, "w:1")
    assert again.ran and again.status == SUCCEEDED
    assert [(r.status, r.error is None) for r in store.runs(5, job="b")] == [(SUCCEEDED, True), (FAILED, False)]


def test_catch_up_runs_the_missed_days_in_date_order_on_their_own_day(services: Services) -> None:
    cycle = _cycle(services)
    first = cycle.run(DAY - timedelta(days=3))
    assert first.days == [DAY - timedelta(days=3)] and not first.failed  # a new installation: today only
    DONE.clear()
    report = cycle.run(DAY)
    days = [DAY - timedelta(days=n) for n in (2, 1, 0)]
    assert report.days == days
    # Each job's clock says the day it runs for; the catch_up=False job runs on the latest day only.
    assert [(job, day, day) for day in days for job in ("a", "b") + (("latest",) if day == DAY else ())] == DONE
    store = SqlJobStore(services.engine)
    skipped = store.runs(10, job="latest", as_of=DAY - timedelta(days=1))[0]
    assert skipped.status == SUCCEEDED and "only the latest day" in str(skipped.counts["skipped"])
    assert store.days_done([j.name for j in JOBS]) == DAY
    DONE.clear()
    assert cycle.run(DAY).days == [] and DONE == []  # a second cycle the same day: nothing owed, nothing runs


def test_catch_up_goes_back_at_most_catch_up_days(sqlite_services: Services) -> None:
    cycle = _cycle(sqlite_services)
    cycle.run(DAY - timedelta(days=100))
    sqlite_services.settings.catch_up_days = 2
    assert cycle.run(DAY).days == [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]
    assert days_to_run(None, DAY, 31) == [DAY]
    assert days_to_run(DAY + timedelta(days=1), DAY, 31) == []


def test_a_failing_job_leaves_the_day_owed(sqlite_services: Services) -> None:
    jobs = (JOBS[0], DailyJob("boom", f"{HERE}:explode", "fails"))
    cycle = _cycle(sqlite_services, jobs=jobs)
    report = cycle.run(DAY)
    assert [o.job for o in report.failed] == ["boom"]
    assert "RuntimeError: the job broke" in (report.failed[0].error or "")
    again = cycle.run(DAY)
    assert again.days == [DAY]
    assert [(o.job, o.ran) for o in again.outcomes] == [("a", False), ("boom", True)]  # "a" is done already


def test_a_run_left_running_by_a_dead_worker_is_abandoned_and_the_day_run_again(sqlite_services: Services) -> None:
    store = SqlJobStore(sqlite_services.engine)
    dead = store.start("a", DAY, "dead:1", T0)
    assert store.acquire("cycle", "dead:1", T0, T0 + timedelta(seconds=1))  # long expired by now
    report = _cycle(sqlite_services, worker="alive:2").run(DAY)
    assert report.abandoned == 1
    runs = {r.run_id: r for r in store.runs(10, job="a")}
    assert runs[dead].status == FAILED and runs[dead].error == ABANDONED
    assert [r.status for r in runs.values() if r.run_id != dead] == [SUCCEEDED]
    assert not [r for r in store.runs(100) if r.status == RUNNING]


def test_a_held_lease_makes_another_cycle_wait(sqlite_services: Services) -> None:
    store = SqlJobStore(sqlite_services.engine)
    now = datetime.now(UTC)
    assert store.acquire("cycle", "other:9", now, now + timedelta(hours=1))
    cycle = _cycle(sqlite_services)
    told: list[str] = []

    def waiting(holder: object) -> None:
        told.append(str(getattr(holder, "holder", None)))
        cycle.stop.set()  # stop waiting: the other holds it for an hour

    cycle.on_wait = waiting
    report = cycle.run(DAY)
    assert report.stopped and told == ["other:9"] and DONE == []
    assert store.runs(10) == []


def test_each_job_gets_services_pinned_to_its_day(sqlite_services: Services) -> None:
    day = pinned(sqlite_services, DAY - timedelta(days=5))
    assert day.clock.today() == DAY - timedelta(days=5) and day.clock.now().date() == DAY - timedelta(days=5)
    assert day.engine is sqlite_services.engine
    assert pinned(day, DAY - timedelta(days=5)) is day
    names = [job.name for job in DAILY_JOBS]
    assert names[:4] == ["expire_orders", "monitor", "revalue", "rescore"]
    assert names.index("collections") == names.index("batch") + 1  # the night's positions, when it runs


def _client(app: object) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's notice about httpx versions
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]


def test_the_runs_are_shown_to_managers_and_admins_only(sqlite_services: Services) -> None:
    """GET /api/v1/jobs and the operations page: a manager sees the runs and the leases; an
    analyst is refused (403) on both (negative control of the permission)."""
    from creditdesk.entrypoints.api.app import create_app
    from creditdesk.service.auth import add_user, create_token

    store = SqlJobStore(sqlite_services.engine)
    run_job(store, "monitor", DAY, lambda: {"accounts": 7}, DayClock(DAY, FixedClock(T0)), "host:42")
    assert store.acquire("cycle", "host:42", datetime.now(UTC), datetime.now(UTC) + timedelta(minutes=5))
    for name, role in (("mia", Role.MANAGER), ("abe", Role.ANALYST)):
        add_user(name, "correct horse", role, sqlite_services.uow(), sqlite_services.hasher, "admin")
    tokens = {
        name: create_token(f"{name}-api", sqlite_services.uow(), sqlite_services.clock, "tests", user=name)
        for name in ("mia", "abe")
    }
    with _client(create_app(sqlite_services)) as client:
        seen = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {tokens['mia']}"})
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["jobs"][:2] == ["expire_orders", "monitor"]
        assert [(r["job"], r["status"], r["counts"], r["worker"]) for r in body["runs"]] == [
            ("monitor", SUCCEEDED, {"accounts": 7}, "host:42")
        ]
        assert [(lease["name"], lease["holder"], lease["held"]) for lease in body["leases"]] == [
            ("cycle", "host:42", True)
        ]
        refused = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {tokens['abe']}"})
        assert refused.status_code == 403
        for name, status in (("mia", 200), ("abe", 403)):
            form = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            client.post(
                "/login", data={"username": name, "password": "correct horse", "csrf": csrf.group(1), "next": "/"}
            )
            page = client.get("/operations")
            assert page.status_code == status
            if status == 200:
                assert 'id="run-1"' in page.text and "host:42" in page.text and "accounts 7" in page.text
                assert 'id="nav-operations"' in page.text
            client.cookies.clear()
