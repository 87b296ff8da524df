"""Report snapshots: a report's rows computed once per data version and read in milliseconds.

The portfolio reports (ageing, DSO, ECL, the cash forecast …) read the whole ledger and take
seconds on a large book; a page must answer in well under a second. So a page reads the
snapshot computed from the data as it stands (fresh), or the last one with a note that the
ledger has moved since (stale) while a background thread computes the new one, or, the first
time, says that it is being computed. The nightly ``creditdesk report refresh`` fills the usual
views ahead. A snapshot is tagged with the data version read *before* its computation, so a
ledger that moves during it leaves the snapshot stale, never wrongly fresh.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from creditdesk.service.errors import Detail, ServiceError
from creditdesk.service.ports import Clock, Snapshot, SnapshotStore

log = logging.getLogger(__name__)

#: The dashboard's portfolio figures on a book too large to add up in a request: they move with
#: every order (reservations), so no data version stays still; they are fresh for a while instead.
FIGURES = "figures"
#: Views that have no grouping: the ECL report carries its segments inside, the forecast is per currency.
UNGROUPED = ("ecl", "cash", "drift", "power", FIGURES)
#: The scope of the views that read only the receivables, the customers' segments and scores and the
#: limit policy's LGD: what moves them is narrower than what moves every report (its data version).
RECEIVABLES = "receivables"
RECEIVABLES_VIEWS = ("aging", "dso", "cei", "trends", "ecl")
SCOPES = (None, RECEIVABLES)
#: The views the nightly batch computes when it is on (adapters/batch: reports.py,
#: working_capital.py, drift.py, power.py, cash.py).
BATCH_VIEWS = (*RECEIVABLES_VIEWS, "wcr", "drift", "power", "cash")


def scope_of(name: str) -> str | None:
    """The data version's scope of the view ``name``."""
    return RECEIVABLES if name in RECEIVABLES_VIEWS else None


#: How long the figures are fresh (the dashboard says so).
FIGURES_MAX_AGE = timedelta(minutes=5)
_MAX_AGES = {FIGURES: FIGURES_MAX_AGE}


def max_age_of(name: str) -> timedelta | None:
    """How long a snapshot of the view ``name`` is fresh whatever moved; None: while its data
    version stands."""
    return _MAX_AGES.get(name)


def age_of(snapshot_at: datetime, now: datetime) -> timedelta:
    if snapshot_at.tzinfo is None:  # SQLite keeps no zone: the clock's times are UTC
        snapshot_at = snapshot_at.replace(tzinfo=UTC)
    return now - snapshot_at


@dataclass(frozen=True, slots=True)
class View:
    """One snapshot: a report (or dashboard panel) as of a day, by a grouping, with options."""

    name: str
    day: date
    by: str | None = None
    options: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.name in UNGROUPED and self.by is not None:
            object.__setattr__(self, "by", None)  # one snapshot, however the page was asked

    @property
    def scope(self) -> str | None:
        return scope_of(self.name)

    @property
    def max_age(self) -> timedelta | None:
        return max_age_of(self.name)

    @property
    def key(self) -> str:
        return json.dumps([self.name, self.day.isoformat(), self.by, list(self.options)], separators=(",", ":"))


State = Literal["fresh", "stale", "pending", "failed"]
Compute = Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Reading:
    """What a page shows: the body (None while the first computation runs), its state, when it
    was computed, and the refusal of the service (e.g. too little history), if that is the result."""

    body: Any | None
    state: State
    computed_at: datetime | None = None
    error: str | None = None
    nightly: bool = False  # computed only at night: a stale one stays until the next night


def compute_snapshot(
    store: SnapshotStore, clock: Clock, key: str, compute: Compute, scope: str | None = None
) -> Snapshot:
    """Compute one snapshot now and store it, tagged with the data version of its ``scope``. A
    refusal of the service (a ``ServiceError``) is a result too: it is kept as
    ``{"error": detail}`` until the data moves."""
    version = store.data_version(scope)
    started = time.perf_counter()
    try:
        body: Any = {"rows": compute()}
    except ServiceError as refusal:
        body = refusal_body(refusal)
    snapshot = Snapshot(key, version, clock.now(), round(time.perf_counter() - started, 3), body)
    store.put(snapshot)
    return snapshot


def refusal_body(refusal: ServiceError) -> dict[str, Any]:
    """A snapshot's body when the service refused to compute it: its English text, and its code
    and values for the page's words."""
    detail = refusal.detail
    return {"error": str(detail), "code": getattr(detail, "code", None), "values": getattr(detail, "values", {})}


class SnapshotRefresher:
    """Reads snapshots and recomputes the missing or stale ones in one background thread, each
    key queued once at a time (one thread: the computations are heavy, and two at once on two
    cores would slow the pages that are served meanwhile)."""

    def __init__(self, store: SnapshotStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._queue: queue.Queue[tuple[str, Compute, str | None]] = queue.Queue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._failed: dict[str, str] = {}

    def read(
        self,
        key: str,
        compute: Compute,
        scope: str | None = None,
        *,
        recompute: bool = True,
        max_age: timedelta | None = None,
    ) -> Reading:
        """The snapshot of ``key`` as it stands; a missing or stale one is queued unless
        ``recompute`` is off (it is computed at night). With ``max_age``, a snapshot is fresh for
        that long whatever moved since (figures that move with every order, kept a few minutes)."""
        found = self.store.get(key)
        if found is not None and self._fresh(found, scope, max_age):
            return _reading(found, "fresh")
        if not recompute:
            return (
                _reading(found, "stale", nightly=True) if found is not None else Reading(None, "pending", nightly=True)
            )
        if found is None and key in self._failed and self.idle_for(key):
            # Failed before: queued again only when asked again after the failure was shown.
            return Reading(None, "failed", error=self._failed.pop(key))
        self._submit(key, compute, scope)
        return _reading(found, "stale") if found is not None else Reading(None, "pending")

    def _fresh(self, snapshot: Snapshot, scope: str | None, max_age: timedelta | None) -> bool:
        if max_age is None:
            return snapshot.data_version == self.store.data_version(scope)
        return age_of(snapshot.computed_at, self.clock.now()) <= max_age

    def idle(self) -> bool:
        with self._lock:
            return not self._queued

    def idle_for(self, key: str) -> bool:
        with self._lock:
            return key not in self._queued

    def _submit(self, key: str, compute: Compute, scope: str | None) -> None:
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="snapshot-refresher", daemon=True)
                self._worker.start()
        self._queue.put((key, compute, scope))

    def _run(self) -> None:
        while True:
            key, compute, scope = self._queue.get()
            try:
                compute_snapshot(self.store, self.clock, key, compute, scope)
                self._failed.pop(key, None)
            except Exception as error:  # a background job must not die: the page shows the failure
                log.exception("computing report snapshot %s failed", key)
                self._failed[key] = f"{type(error).__name__}: {error}"
            finally:
                with self._lock:
                    self._queued.discard(key)


def _reading(snapshot: Snapshot, state: State, *, nightly: bool = False) -> Reading:
    body = snapshot.body
    if isinstance(body, dict) and "error" in body:  # the refusal with its code, for the page's words
        error = Detail(str(body["error"]), body.get("code"), body.get("values"))
        return Reading(None, state, snapshot.computed_at, error, nightly)
    return Reading(body["rows"], state, snapshot.computed_at, nightly=nightly)
