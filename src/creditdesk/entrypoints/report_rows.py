"""The receivables reports' rows, one way for the API and the web pages."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from creditdesk.bootstrap import Services
from creditdesk.risk.rating import UNSCORED_PD

if TYPE_CHECKING:
    from creditdesk.service.receivables import LedgerFrames

REPORTS = ("aging", "dso", "cei", "ecl", "trends")


def report_rows(
    services: Services,
    name: str,
    day: date,
    by: str | None = None,
    *,
    frames: LedgerFrames | None = None,
    period_days: int = 90,
    months: int = 12,
    forward_factor: float = 1.0,
    buckets: str | None = None,
    company_code: str | None = None,
) -> list[dict[str, Any]]:
    """``name`` one of :data:`REPORTS` (the caller checks it and the options); ``frames``: the
    ledger already loaded (else it is read, of one company code when given)."""
    from creditdesk.service import receivables  # pandas: loaded by the first report, not at start

    frames = frames if frames is not None else services.receivables().frames(day, company_code)
    if name == "aging":
        chosen = receivables.buckets_from(buckets) if buckets else receivables.DEFAULT_BUCKETS
        return receivables.ageing(frames, day, by, chosen)
    if name == "ecl":
        _, policy = services.limit_inputs().active_limit_policy()
        return receivables.ecl_report(frames, day, months, forward_factor, policy.lgd, UNSCORED_PD)
    if name == "trends":
        return receivables.trends(frames, day, months, period_days, by)
    rows = receivables.dso(frames, day, period_days, by)
    return receivables.cei_only(rows, by) if name == "cei" else rows


def sheet_rows(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows for a sheet: the ECL report's provision matrices, one line per currency and bucket."""
    return [{"currency": r["currency"], **m} for r in rows for m in r["matrix"]] if name == "ecl" else rows
