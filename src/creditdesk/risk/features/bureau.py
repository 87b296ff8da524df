"""Bureau features, point in time: each provider's latest report on or before the scoring date.

Providers score on their own scales, so each provider's score enters as its percentile rank
among that provider's latest reports; across providers the features average the ranks and
take the worst PD. Adverse events (court judgments, late filings, ...) are counted over the
last twelve months of reports, and the age of the newest report says how fresh the view is.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

FEATURES = (
    "bureau_providers",
    "bureau_score_rank",
    "bureau_pd_max",
    "bureau_events_12m",
    "bureau_report_age_days",
    "bureau_score_change",
)


def _events(text: object) -> int:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return 0
    return len([e for e in str(text).replace(";", ",").split(",") if e.strip()])


#: Per provider, the latest score of every customer it reports on (sorted): what a customer's
#: score is ranked among. The batch gathers it from the whole portfolio before any bucket.
ScoreReference = dict[str, np.ndarray]


def latest_reports(reports: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Each customer's latest report from each provider on or before ``as_of``."""
    r = reports.copy()
    r["report_date"] = pd.to_datetime(r["report_date"])
    r = r.loc[r["report_date"] <= pd.Timestamp(as_of)].sort_values(["customer_id", "provider", "report_date"])
    return r.groupby(["customer_id", "provider"]).tail(1)


def score_reference(latest: pd.DataFrame) -> ScoreReference:
    scores = pd.to_numeric(latest["score"], errors="coerce")
    return {
        str(provider): np.sort(part.dropna().to_numpy(dtype=float))
        for provider, part in scores.groupby(latest["provider"])
    }


def score_ranks(latest: pd.DataFrame, among: ScoreReference, *, ascending: bool = True) -> np.ndarray:
    """Each report's score as its percentile rank among its provider's (ties share their average
    rank: pandas' ``rank(pct=True)`` when ``among`` is these reports' own reference)."""
    scores = pd.to_numeric(latest["score"], errors="coerce").to_numpy(dtype=float)
    ranks = np.full(len(latest), np.nan)
    providers = latest["provider"].astype(str).to_numpy()
    for provider, reference in among.items():
        at = (providers == provider) & ~np.isnan(scores)
        if not at.any() or len(reference) == 0:
            continue
        below = np.searchsorted(reference, scores[at], side="left")
        upto = np.searchsorted(reference, scores[at], side="right")
        before = below if ascending else len(reference) - upto
        ranks[at] = (before + (upto - below + 1) / 2) / len(reference)
    return ranks


def bureau_features(reports: pd.DataFrame, as_of: date, among: ScoreReference | None = None) -> pd.DataFrame:
    """One row per customer with a report on or before ``as_of``.

    ``reports``: customer_id, provider, report_date, score [, pd, events]; ``among``: the
    portfolio's latest scores to rank in (default: those of ``reports``).
    """
    day = pd.Timestamp(as_of)
    r = reports.copy()
    r["report_date"] = pd.to_datetime(r["report_date"])
    r = r.loc[r["report_date"] <= day].sort_values(["customer_id", "provider", "report_date"])
    if r.empty:
        return pd.DataFrame(columns=list(FEATURES), index=pd.Index([], name="customer_id"), dtype=float)
    r["event_count"] = r["events"].map(_events) if "events" in r else 0
    latest = r.groupby(["customer_id", "provider"]).tail(1).copy()
    previous = r.groupby(["customer_id", "provider"]).nth(-2)
    latest["rank"] = score_ranks(latest, among if among is not None else score_reference(latest))
    change = latest.set_index(["customer_id", "provider"])["score"] - previous.set_index(["customer_id", "provider"])[
        "score"
    ].reindex(latest.set_index(["customer_id", "provider"]).index)
    out = pd.DataFrame(index=pd.Index(sorted(latest["customer_id"].unique()), name="customer_id"))
    by_customer = latest.groupby("customer_id")
    out["bureau_providers"] = by_customer.size()
    out["bureau_score_rank"] = by_customer["rank"].mean()
    out["bureau_pd_max"] = by_customer["pd"].max() if "pd" in latest else np.nan
    recent = r.loc[r["report_date"] > day - pd.Timedelta(days=365)]
    out["bureau_events_12m"] = recent.groupby("customer_id")["event_count"].sum().reindex(out.index).fillna(0)
    out["bureau_report_age_days"] = (day - by_customer["report_date"].max()).dt.days
    out["bureau_score_change"] = change.groupby(level="customer_id").mean().reindex(out.index)
    return out[list(FEATURES)].astype(float)
