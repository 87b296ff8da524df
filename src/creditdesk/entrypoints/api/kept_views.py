"""The API's reads of the heavy views the pages keep (service/snapshots.py, entrypoints/
portfolio_views.py): a request asking exactly what a kept view holds (its report, day and
grouping, every other parameter at its default) gets the kept figures — the very ones the pages
show — rather than computing them again from the whole ledger. With the nightly batch on, where
the web process computes no view (a book that needs the batch is too large to hold there), it
gets the night's, said to be stale once the data has moved, and never a computation."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from creditdesk.service.errors import Unavailable
from creditdesk.service.snapshots import Reading, View


def kept(request: Request, view: View) -> Reading | None:
    """The kept figures of ``view`` when they answer the request, else None (the request
    computes them). Fresh ones always answer; with the nightly batch on, the night's answer
    too, and a day not computed yet is Unavailable."""
    from creditdesk.entrypoints.portfolio_views import PortfolioViews

    views: PortfolioViews = request.app.state.web.views
    reading = views.refresher.read(view.key, _never, view.scope, recompute=False, max_age=view.max_age)
    if reading.body is not None and reading.state == "fresh":
        return reading
    if not views.nightly:
        return None  # computed for the request (a refusal kept, too: the computation says it again)
    if reading.body is None:
        why = f": {reading.error}" if reading.error else ""
        raise Unavailable(
            f"the {view.name} figures of {view.day.isoformat()} are computed at night with the batch on and are "
            f"not computed yet{why}; `creditdesk report refresh --as-of {view.day.isoformat()}` computes them now"
        )
    return reading


def freshness(reading: Reading | None) -> dict[str, Any]:
    """What a response adds about kept figures: when they were computed, and whether the data has
    moved since (the night's, with the batch on). Nothing for figures computed for the request."""
    if reading is None or reading.computed_at is None:
        return {}
    return {"computed_at": reading.computed_at.isoformat(), "stale": reading.state != "fresh"}


def _never() -> Any:  # recompute=False: a kept view is read, never computed, here
    raise AssertionError("a kept view is not computed by the API")
