"""Bureau features: latest report per provider, ranks across scales, events, no look-ahead."""

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.risk.features.bureau import bureau_features

REPORTS = pd.DataFrame(
    [
        ("A", "x", "2026-01-10", 600, 0.05, "COURT_JUDGMENT"),
        ("A", "x", "2026-05-10", 640, 0.03, ""),
        ("A", "y", "2026-05-01", 80, 0.02, "LATE_FILING,LATE_FILING"),
        ("B", "x", "2026-05-10", 700, 0.01, None),
        ("B", "y", "2026-05-01", 60, 0.09, ""),
        ("B", "x", "2026-08-01", 300, 0.60, "BANKRUPTCY"),  # after the scoring date
    ],
    columns=["customer_id", "provider", "report_date", "score", "pd", "events"],
)


def test_latest_per_provider_and_ranks() -> None:
    f = bureau_features(REPORTS, date(2026, 6, 30))
    assert f.loc["A", "bureau_providers"] == 2
    # Provider x: A 640 < B 700 -> ranks 0.5 and 1; provider y: A 80 > B 60 -> 1 and 0.5.
    assert f.loc["A", "bureau_score_rank"] == 0.75 and f.loc["B", "bureau_score_rank"] == 0.75
    assert f.loc["A", "bureau_pd_max"] == 0.03 and f.loc["B", "bureau_pd_max"] == 0.09
    assert f.loc["A", "bureau_events_12m"] == 3
    assert f.loc["A", "bureau_report_age_days"] == 51
    assert f.loc["A", "bureau_score_change"] == 40 and np.isnan(f.loc["B", "bureau_score_change"])


def test_a_report_after_the_scoring_date_is_not_seen() -> None:
    before = bureau_features(REPORTS.iloc[:5], date(2026, 6, 30))
    pd.testing.assert_frame_equal(before, bureau_features(REPORTS, date(2026, 6, 30)))
    later = bureau_features(REPORTS, date(2026, 8, 1))
    assert later.loc["B", "bureau_pd_max"] == 0.60 and later.loc["B", "bureau_score_change"] == -400
    assert bureau_features(REPORTS, date(2025, 1, 1)).empty
