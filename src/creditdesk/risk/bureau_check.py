"""Cross-checking the bureaus against our own view, and all of them against what happened.

Bureaus score on their own scales and define default their own way (their PDs are often for
another horizon or population), so comparing their PD with ours would flag whole portfolios.
Each bureau's view is therefore put on our scale by rank: a customer the bureau ranks at the
p-th percentile of risk gets the grade of our PD at that percentile. A bureau two or more
grades away from us flags the customer for review: the two views rank it differently, and one
of them is missing something. The grade from the bureau's own PD or letter rating is kept
beside it (``native_grade``) for the reader. Over time, each source's ranking power
is measured the same way: at each period, the AUC of its risk ranking against the defaults of
the following year (a bureau that saw the defaults coming ranks them high).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.risk.features.bureau import ScoreReference, score_ranks, score_reference
from creditdesk.risk.metrics import auc
from creditdesk.risk.rating import grade_distance, grade_of

#: Letter ratings on our scale (agency long-term scales; modifiers + and - are ignored).
RATING_GRADES = {"AAA": 1, "AA": 2, "A": 3, "BBB": 4, "BB": 6, "B": 7, "CCC": 8, "CC": 9, "C": 9, "D": 10}
FLAG_DISTANCE = 2


def rating_grade(rating: object) -> float:
    if not isinstance(rating, str) or not rating.strip():
        return np.nan
    core = rating.strip().upper().rstrip("+-")
    return float(RATING_GRADES.get(core, np.nan))


def native_grades(reports: pd.DataFrame) -> pd.Series:
    """Each report's grade on our scale from the bureau's own PD, else its letter rating (NaN if neither)."""
    pd_given = (
        pd.to_numeric(reports["pd"], errors="coerce") if "pd" in reports else pd.Series(np.nan, index=reports.index)
    )
    from_pd = pd.Series(np.nan, index=reports.index)
    known = pd_given.notna()
    if known.any():
        from_pd[known] = grade_of(pd_given[known].clip(0, 1))
    from_rating = reports["rating"].map(rating_grade) if "rating" in reports else pd.Series(np.nan, index=reports.index)
    return from_pd.fillna(from_rating)


COLUMNS = ["customer_id", "provider", "report_date", "grade", "native_grade", "our_grade", "distance", "flag"]


def bureau_views(
    reports: pd.DataFrame,
    as_of: date,
    our_pd: pd.Series,
    among: ScoreReference | None = None,
    all_pds: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per customer and provider (latest report on or before ``as_of``): its grade on our scale,
    its native grade, ours, the distance and whether it calls for review. ``our_pd`` is our PD
    by customer_id (1 for customers in default). ``among`` and ``all_pds``: the whole
    portfolio's latest bureau scores and our PDs, when ``reports`` and ``our_pd`` are part of it."""
    if reports.empty or our_pd.empty:
        return pd.DataFrame(columns=COLUMNS)
    r = reports.copy()
    r["report_date"] = pd.to_datetime(r["report_date"])
    r = r.loc[r["report_date"] <= pd.Timestamp(as_of)].sort_values(["report_date", "provider"], kind="stable")
    latest = r.groupby(["customer_id", "provider"]).tail(1).copy()
    latest["native_grade"] = native_grades(latest)
    ours = np.sort(all_pds if all_pds is not None else our_pd.to_numpy(dtype=float))
    # Higher bureau score = safer: the share of the provider's customers scored above this one
    # is its risk percentile, which picks our PD at the same percentile.
    reference = among if among is not None else score_reference(latest)
    riskier_share = score_ranks(latest, reference, ascending=False)
    latest["grade"] = grade_of(np.quantile(ours, np.clip(riskier_share, 0, 1), method="nearest"))
    latest["our_grade"] = latest["customer_id"].map(pd.Series(grade_of(our_pd.to_numpy()), index=our_pd.index))
    both = latest["grade"].notna() & latest["our_grade"].notna()
    latest["distance"] = np.nan
    latest.loc[both, "distance"] = grade_distance(latest.loc[both, "our_grade"], latest.loc[both, "grade"])
    latest["flag"] = latest["distance"] >= FLAG_DISTANCE
    return latest[COLUMNS].reset_index(drop=True)


def ranking_power(
    views: pd.DataFrame,
    defaults: pd.Series,
    horizon_days: int = 365,
    period: str = "Q",
    last_view: date | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """AUC of each source's ranking against the defaults that followed within ``horizon_days``.

    ``views``: source, customer_id, as_of, risk (higher = riskier: a PD or a grade);
    ``defaults``: default date by customer_id. Per source and period, each customer's latest
    view in the period counts once; customers already in default at that view are left out,
    and periods whose horizon has not fully passed are not judged: by the last default or the
    last view (``last_view`` when ``views`` are some sources' only, of all sources' views).
    """
    frame = views.reset_index(drop=True)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["period"] = frame["as_of"].dt.to_period(period)
    # The latest per source, period and customer: at a million customers' nine million views,
    # dropping the earlier duplicates takes 4.7 s where a groupby's tail took 8.2 s.
    latest = frame.sort_values("as_of").drop_duplicates(["source", "period", "customer_id"], keep="last")
    frame = latest.reset_index(drop=True)
    # Through a dict: mapping by an empty Series of dates would cast the gaps to floats and fail.
    defaulted_on = pd.to_datetime(frame["customer_id"].map(defaults.to_dict()))
    frame = frame.loc[~(defaulted_on <= frame["as_of"])]
    defaulted_on = defaulted_on.loc[frame.index]
    frame["defaulted"] = (defaulted_on <= frame["as_of"] + pd.Timedelta(days=horizon_days)).astype(int)
    seen = frame["as_of"].max() if last_view is None else max(pd.Timestamp(last_view), frame["as_of"].max())
    last_known = max(pd.to_datetime(defaults).max(), seen) if len(defaults) else seen
    rows = []
    for (source, when), part in frame.groupby(["source", "period"]):
        complete = part["as_of"].max() + pd.Timedelta(days=horizon_days) <= last_known
        both = part["defaulted"].nunique() == 2
        rows.append(
            {
                "source": source,
                "period": str(when),
                "n": len(part),
                "defaults": int(part["defaulted"].sum()),
                "auc": auc(part["defaulted"], part["risk"]) if both and complete else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["source", "period", "n", "defaults", "auc"])
