"""The snapshot refresher over a fake store: fresh, stale and pending readings, one computation
per key at a time, a ledger that moves during a computation, refusals and failures."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.service.errors import InvalidInput
from creditdesk.service.ports import Snapshot
from creditdesk.service.snapshots import SnapshotRefresher, compute_snapshot


class FakeStore:
    def __init__(self) -> None:
        self.version = 1
        self.saved: dict[str, Snapshot] = {}

    def data_version(self, scope: str | None = None) -> str:
        return f"v{self.version}"

    def get(self, key: str) -> Snapshot | None:
        return self.saved.get(key)

    def put(self, snapshot: Snapshot) -> None:
        self.saved[snapshot.key] = snapshot


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 30, 18, 0, tzinfo=UTC))


def settle(refresher: SnapshotRefresher, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not refresher.idle():
        assert time.monotonic() < deadline, "the background computation did not finish"
        time.sleep(0.01)


def test_the_first_read_is_pending_then_fresh_without_computing_again(clock: FixedClock) -> None:
    store, calls = FakeStore(), []
    refresher = SnapshotRefresher(store, clock)

    def compute() -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = refresher.read("aging", compute)
    assert first.state == "pending" and first.body is None
    settle(refresher)
    again = refresher.read("aging", compute)
    assert (again.state, again.body, again.computed_at) == ("fresh", [1], clock.now())
    assert len(calls) == 1


def test_a_moved_ledger_shows_the_last_snapshot_as_stale_while_it_is_recomputed(clock: FixedClock) -> None:
    store = FakeStore()
    refresher = SnapshotRefresher(store, clock)
    compute_snapshot(store, clock, "dso", lambda: ["old"])
    store.version = 2
    stale = refresher.read("dso", lambda: ["new"])
    assert (stale.state, stale.body) == ("stale", ["old"])
    settle(refresher)
    assert refresher.read("dso", lambda: ["newer"]).body == ["new"]


def test_a_key_is_computed_once_however_often_it_is_asked_meanwhile(clock: FixedClock) -> None:
    store, release, calls = FakeStore(), threading.Event(), []
    refresher = SnapshotRefresher(store, clock)

    def slow() -> list[str]:
        calls.append(1)
        release.wait(5)
        return ["done"]

    for _ in range(20):
        assert refresher.read("ecl", slow).state == "pending"
    release.set()
    settle(refresher)
    assert len(calls) == 1


def test_a_ledger_that_moves_during_the_computation_leaves_the_snapshot_stale(clock: FixedClock) -> None:
    store = FakeStore()

    def compute() -> list[str]:
        store.version = 2  # an invoice posted while the report was being computed
        return ["as read"]

    snapshot = compute_snapshot(store, clock, "trends", compute)
    assert snapshot.data_version == "v1"  # tagged with what it read, not with what is there now
    refresher = SnapshotRefresher(store, clock)
    assert refresher.read("trends", lambda: ["again"]).state == "stale"


def test_a_refusal_of_the_service_is_kept_as_the_result(clock: FixedClock) -> None:
    store = FakeStore()

    def refuse() -> Any:
        raise InvalidInput("too little payment history to forecast cash")

    compute_snapshot(store, clock, "cash", refuse)
    reading = SnapshotRefresher(store, clock).read("cash", refuse)
    assert (reading.state, reading.body, reading.error) == (
        "fresh",
        None,
        "too little payment history to forecast cash",
    )


def test_a_failure_is_shown_once_then_tried_again(clock: FixedClock) -> None:
    store, calls = FakeStore(), []
    refresher = SnapshotRefresher(store, clock)

    def broken() -> Any:
        calls.append(1)
        raise RuntimeError("disk full")

    assert refresher.read("wcr", broken).state == "pending"
    settle(refresher)
    failed = refresher.read("wcr", broken)
    assert failed.state == "failed" and failed.error == "RuntimeError: disk full"
    assert refresher.read("wcr", broken).state == "pending"  # asked again: tried again
    settle(refresher)
    assert len(calls) == 2
