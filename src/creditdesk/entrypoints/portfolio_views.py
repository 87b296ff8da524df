"""The portfolio's heavy views (reports, the dashboard's trends, losses and cash forecast) as
snapshots: one key and one computation per view, shared by the web pages, which read them, and
``creditdesk report refresh``, which fills them ahead (see :mod:`creditdesk.service.snapshots`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creditdesk.adapters.db.engine import reading
from creditdesk.adapters.db.portfolio_figures import PortfolioFigures, from_body, portfolio_figures, to_body
from creditdesk.bootstrap import Services
from creditdesk.entrypoints.report_rows import REPORTS, report_rows
from creditdesk.service.groupings import GROUPINGS
from creditdesk.service.ports import SnapshotStore
from creditdesk.service.snapshots import (
    BATCH_VIEWS,
    FIGURES,
    Reading,
    SnapshotRefresher,
    View,
    compute_snapshot,
)

if TYPE_CHECKING:  # the views compute with pandas and the models, loaded by the first view computed
    from creditdesk.service.receivables import LedgerFrames

#: The web's reports: the API's receivables reports, the cash forecast and working capital.
WEB_REPORTS = (*REPORTS, "cash", "wcr")
FORECAST_WEEKS = 13


def _wcr(services: Services, frames: LedgerFrames, view: View) -> list[dict[str, Any]]:
    from creditdesk.service.working_capital import CompanyFigures, WhatIf, customers_working_capital, working_capital

    if view.by is not None:
        return customers_working_capital(services.receivables().statements(view.day), frames.customers, view.by)
    given = dict(view.options)
    company = CompanyFigures(
        inventory=Decimal(given.get("inventory", "0")),
        payables=Decimal(given.get("payables", "0")),
        cost_of_sales_a_year=Decimal(given["cost_of_sales"]) if given.get("cost_of_sales") else None,
        cost_of_capital=Decimal(given.get("cost_of_capital", "0.08")),
    )
    what_if = WhatIf(int(given.get("terms_change_days", "0")), Decimal(given.get("limit_change", "0")))
    return working_capital(frames, view.day, company, what_if)


def compute_view(services: Services, frames_on: Callable[[date], LedgerFrames], view: View) -> Any:
    """The rows of ``view``; ``frames_on(day)`` gives the ledger frames (loaded once for many views)."""
    from creditdesk.service.cash_forecast import cash_forecast
    from creditdesk.service.scoring import champion_drift, ranking_power_report

    if view.name == "drift":
        return champion_drift(services.scoring_store(), view.day)
    if view.name == "power":
        return ranking_power_report(services.scoring_store(), view.day)
    code = dict(view.options).get("company_code")
    if view.name == FIGURES:
        with reading(services.engine) as conn:
            return to_body(portfolio_figures(conn, view.day, code))
    # One company code's documents: frames of their own (the shared ones are the whole ledger's).
    frames = services.receivables().frames(view.day, code) if code else frames_on(view.day)
    if view.name == "cash":
        return cash_forecast(frames, view.day, FORECAST_WEEKS)
    if view.name == "wcr":
        return _wcr(services, frames, view)
    return report_rows(services, view.name, view.day, view.by, frames=frames)


def dashboard_views(day: date) -> list[View]:
    """The dashboard's heavy panels: DSO and CEI trends, expected losses, the cash forecast."""
    return [View("trends", day), View("ecl", day), View("cash", day)]


def figures_view(day: date, company_code: str | None = None) -> View:
    """The dashboard's portfolio figures (of one company code's segments, or of the whole book)."""
    return View(FIGURES, day, options=(("company_code", company_code),) if company_code else ())


def model_views(day: date) -> list[View]:
    """The models page's: the champion's drift (PSI) and each source's ranking power (AUC)."""
    return [View("drift", day), View("power", day)]


def standard_views(day: date) -> Iterator[View]:
    """What the nightly refresh computes ahead: the dashboard's panels, the models page, and
    every report for the portfolio and by segment and grade (by customer when first asked)."""
    yield from dashboard_views(day)
    yield from model_views(day)
    seen = set(dashboard_views(day))
    for name in WEB_REPORTS:
        for by in (None, "segment", "grade"):
            view = View(name, day, by)
            if view not in seen:
                seen.add(view)
                yield view


@dataclass
class PortfolioViews:
    """Snapshots of the views, with the ledger frames of the last day asked kept while the data
    stands still (loading them is most of a view's cost)."""

    services: Services
    store: SnapshotStore = field(init=False)
    refresher: SnapshotRefresher = field(init=False)
    _memo: tuple[tuple[str, date], LedgerFrames] | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.store = self.services.snapshot_store()
        self.refresher = SnapshotRefresher(self.store, self.services.clock)

    def frames(self, day: date) -> LedgerFrames:
        stamp = (self.store.data_version(), day)
        with self._lock:
            if self._memo is not None and self._memo[0] == stamp:
                return self._memo[1]
        frames = self.services.receivables().frames(day)
        with self._lock:
            self._memo = (stamp, frames)
        return frames

    def _compute(self, view: View) -> Callable[[], Any]:
        return lambda: compute_view(self.services, self.frames, view)

    @property
    def nightly(self) -> bool:
        """Whether the views are computed only at night: with the batch on (a book that needs
        it), since computing one in the web process would hold the whole ledger there; the
        receivables reports and the champion's drift by the batch, the others by the worker's
        daily refresh."""
        return self.services.settings.batch_engine != "off"

    def by_batch(self, view: View) -> bool:
        """Whether the nightly batch computes ``view`` (the daily refresh leaves it to it)."""
        return self.nightly and view.name in BATCH_VIEWS

    def read(self, view: View) -> Reading:
        """The snapshot as it stands (fresh, stale or pending); a missing or stale one is queued,
        unless the nightly batch computes it."""
        return self.refresher.read(view.key, self._compute(view), view.scope, recompute=not self.nightly)

    def figures(self, day: date, company_code: str | None) -> tuple[PortfolioFigures | None, Reading | None]:
        """The dashboard's portfolio figures: added up now, or, with the nightly batch on (a book
        too large for that), a snapshot at most ``FIGURES_MAX_AGE`` old (its reading says
        when; None while the first is computed)."""
        if not self.nightly:
            with reading(self.services.engine) as conn:
                return portfolio_figures(conn, day, company_code), None
        view = figures_view(day, company_code)
        found = self.refresher.read(view.key, self._compute(view), max_age=view.max_age)
        return (from_body(found.body) if found.body is not None else None), found

    def refresh(self, view: View) -> float:
        """Compute ``view`` now (the nightly job); the seconds it took."""
        return compute_snapshot(self.store, self.services.clock, view.key, self._compute(view), view.scope).seconds


def grouping_of(text: str) -> str | None:
    return text if text in GROUPINGS else None
