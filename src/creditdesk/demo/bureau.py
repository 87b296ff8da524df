"""Bureau reports: two bureaus, each seeing the latent quality through its own noise, twice a year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from creditdesk.demo.draws import to_dates

_RATINGS = np.array(["CCC", "B", "BB", "BBB", "A", "AA", "AAA"])
_EVENTS = np.array(["LATE_FILING", "COURT_JUDGMENT", "TAX_ARREARS", "PAYMENT_DEFAULT"])


def bureau_reports(
    rng: np.random.Generator,
    customer_ids: np.ndarray,
    quality: np.ndarray,
    revenue: np.ndarray,
    start_day: int,
    as_of_day: int,
    currency: str,
) -> pd.DataFrame:
    """Two bureaus, each seeing the latent quality through its own noise, twice a year."""
    n = len(customer_ids)
    frames = []
    # Every half year back to the start of the history, and at least one recent report.
    report_days = np.arange(as_of_day - 30, min(start_day, as_of_day - 31), -182)[::-1]
    for provider, noise in (("bureau_a", 0.5), ("bureau_b", 0.8)):
        persistent = rng.standard_normal(n)
        for day in report_days:
            view = quality + noise * (0.8 * persistent + 0.6 * rng.standard_normal(n))
            score = np.clip(np.round(600 + 90 * view), 300, 900).astype(int)
            pd_ = 1 / (1 + np.exp((score - 480) / 45))
            rating = _RATINGS[np.clip((score - 420) // 60, 0, len(_RATINGS) - 1)]
            adverse = rng.random(n) < np.clip(0.25 * pd_ * 10, 0, 0.8)
            events = np.where(adverse, _EVENTS[rng.integers(0, len(_EVENTS), n)], "")
            frames.append(
                pd.DataFrame(
                    {
                        "customer_id": customer_ids,
                        "provider": provider,
                        "report_date": str(to_dates(np.array([day]))[0]),
                        "score": score,
                        "rating": rating,
                        "pd": np.round(pd_, 5),
                        "recommended_limit": [f"{v:.2f}" for v in np.round(revenue * 0.01 * (score / 700) ** 3, -3)],
                        "currency": currency,
                        "events": events,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)
