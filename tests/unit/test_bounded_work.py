"""Bounded work (issue 17, finding 7): a few expensive reads at once, kept per data version; one
small pool of background jobs with a cap per user. Each limit is shown to bite, and the same
calls within it to pass (the negative control)."""

from __future__ import annotations

import threading

import pytest

from creditdesk.entrypoints.bounded import BackgroundJobs, HeavyReads
from creditdesk.entrypoints.security_headers import came_over_https
from creditdesk.service.errors import TooBusy


def test_heavy_reads_refuse_beyond_their_slots_and_keep_results_per_key() -> None:
    heavy = HeavyReads(concurrent=1, kept=2)
    inside, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("slow")
        inside.set()
        release.wait(10)
        return "done"

    worker = threading.Thread(target=lambda: heavy.get(("cash", "v1"), slow))
    worker.start()
    assert inside.wait(10)
    with pytest.raises(TooBusy) as busy:
        heavy.get(("invoices", "v1"), lambda: "never")  # the one slot is taken
    assert busy.value.status == 429 and busy.value.retry_after > 0
    release.set()
    worker.join(10)
    assert heavy.get(("cash", "v1"), lambda: "recomputed") == "done"  # kept: not computed again
    assert heavy.get(("cash", "v2"), lambda: "new data") == "new data"  # a new data version is
    assert calls == ["slow"]


def test_background_jobs_cap_each_user_and_the_queue() -> None:
    jobs = BackgroundJobs(workers=1, per_user=2, queued=3)
    gate = threading.Event()
    ran: list[str] = []

    def job(name: str) -> None:
        gate.wait(10)
        ran.append(name)

    jobs.submit("ann", lambda: job("a1"))
    jobs.submit("ann", lambda: job("a2"))
    with pytest.raises(TooBusy, match="ann has 2 jobs"):
        jobs.submit("ann", lambda: job("a3"))
    jobs.submit("bob", lambda: job("b1"))  # another user still may ...
    with pytest.raises(TooBusy, match="as many jobs waiting"):
        jobs.submit("cid", lambda: job("c1"))  # ... until the queue is full
    gate.set()
    jobs._pool.shutdown(wait=True)
    assert sorted(ran) == ["a1", "a2", "b1"]


def test_https_is_believed_from_a_proxy_only_when_trusted() -> None:
    forwarded = {"type": "http", "scheme": "http", "headers": [(b"x-forwarded-proto", b"https")]}
    assert not came_over_https(forwarded, trust_forwarded_proto=False)
    assert came_over_https(forwarded, trust_forwarded_proto=True)
    assert came_over_https({"type": "http", "scheme": "https", "headers": []}, trust_forwarded_proto=False)
