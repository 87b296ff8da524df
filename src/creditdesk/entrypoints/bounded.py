"""Bounded work in a server process: expensive reads computed a few at a time and kept for the
data they were computed from, and background jobs (what-ifs) on one small pool with a cap per
user. Nothing a caller does can start an unbounded number of threads or computations."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from creditdesk.service.errors import TooBusy


class HeavyReads:
    """At most ``concurrent`` expensive computations at once in this process (a further one is
    refused with 429 rather than queued behind them), each result kept per data version."""

    def __init__(self, concurrent: int = 2, kept: int = 32) -> None:
        self._slots = threading.BoundedSemaphore(concurrent)
        self._kept = kept
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``key`` must include the data version, so a stored result is never stale."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        if not self._slots.acquire(blocking=False):
            raise TooBusy("the server is computing as many forecasts as it may at once; try again shortly")
        try:
            result = compute()
        finally:
            self._slots.release()
        with self._lock:
            self._results[key] = result
            while len(self._results) > self._kept:
                self._results.popitem(last=False)
        return result


class BackgroundJobs:
    """One pool of ``workers`` threads for long jobs; at most ``per_user`` queued or running
    jobs per user and ``queued`` in all."""

    def __init__(self, workers: int = 1, per_user: int = 2, queued: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="creditdesk-job")
        self._per_user = per_user
        self._queued = queued
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()

    def submit(self, user: str, job: Callable[[], None]) -> None:
        with self._lock:
            if self._active.get(user, 0) >= self._per_user:
                raise TooBusy(f"{user} has {self._per_user} jobs waiting or running; wait for one to finish", 30)
            if sum(self._active.values()) >= self._queued:
                raise TooBusy("the server has as many jobs waiting as it takes; try again later", 30)
            self._active[user] = self._active.get(user, 0) + 1
        self._pool.submit(self._run, user, job)

    def _run(self, user: str, job: Callable[[], None]) -> None:
        try:
            job()
        finally:
            with self._lock:
                self._active[user] -= 1
                if not self._active[user]:
                    del self._active[user]
