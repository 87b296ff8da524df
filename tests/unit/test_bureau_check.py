"""Bureaus are put on our scale by rank, flagged at two grades apart, and judged against defaults."""

from datetime import date

import numpy as np
import pandas as pd

from creditdesk.risk.bureau_check import bureau_views, ranking_power, rating_grade
from creditdesk.risk.rating import grade_of


def test_a_bureau_that_ranks_like_us_is_never_flagged_whatever_its_scale() -> None:
    ours = pd.Series(np.linspace(0.0005, 0.2, 200), index=[f"C{i}" for i in range(200)])
    # The bureau agrees on the order but its PDs are ten times ours (another horizon).
    reports = pd.DataFrame(
        {
            "customer_id": ours.index,
            "provider": "b",
            "report_date": "2026-01-31",
            "score": np.arange(900, 700, -1),
            "pd": np.clip(ours.to_numpy() * 10, 0, 1),
        }
    )
    views = bureau_views(reports, date(2026, 3, 31), ours)
    assert not views["flag"].any()
    assert (views["grade"] == views["our_grade"]).mean() > 0.95
    assert (views["native_grade"] > views["our_grade"]).mean() > 0.8  # its own PDs look worse


def test_a_customer_the_bureau_ranks_far_apart_is_flagged() -> None:
    ours = pd.Series(np.linspace(0.0005, 0.2, 200), index=[f"C{i}" for i in range(200)])
    scores = np.arange(900, 700, -1)
    scores[0], scores[-1] = scores[-1], scores[0]  # our safest is its riskiest and back
    reports = pd.DataFrame({"customer_id": ours.index, "provider": "b", "report_date": "2026-01-31", "score": scores})
    views = bureau_views(reports, date(2026, 3, 31), ours).set_index("customer_id")
    assert set(views.index[views["flag"]]) == {"C0", "C199"}
    assert views.loc["C0", "distance"] >= 2


def test_a_report_after_the_date_is_not_seen() -> None:
    ours = pd.Series([0.01, 0.02], index=["C1", "C2"])
    reports = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "provider": "b", "report_date": ["2026-01-01", "2026-05-01"], "score": [700, 600]}
    )
    views = bureau_views(reports, date(2026, 3, 31), ours)
    assert list(views["customer_id"]) == ["C1"]


def test_letter_ratings_map_to_grades() -> None:
    assert rating_grade("AAA") == 1 and rating_grade("BBB-") == 4 and rating_grade("D") == 10
    assert np.isnan(rating_grade(None)) and np.isnan(rating_grade("XYZ"))


def _book(seed: int, n: int) -> tuple[np.random.Generator, list[str], np.ndarray, pd.Series]:
    """``n`` customers, each's true risk, and those above 0.9 defaulted on 2025-06-30."""
    rng = np.random.default_rng(seed)
    customers = [f"C{i}" for i in range(n)]
    truth = rng.random(n)
    defaults = pd.Series(
        pd.Timestamp("2025-06-30"), index=[c for c, t in zip(customers, truth, strict=True) if t > 0.9]
    )
    return rng, customers, truth, defaults


def test_ranking_power_credits_the_source_that_saw_defaults_coming() -> None:
    rng, customers, truth, defaults = _book(0, 400)
    views = pd.concat(
        [
            pd.DataFrame({"source": "ours", "customer_id": customers, "as_of": "2025-01-31", "risk": truth}),
            pd.DataFrame({"source": "blind", "customer_id": customers, "as_of": "2025-01-31", "risk": rng.random(400)}),
        ]
    )
    later = pd.Series(pd.Timestamp("2026-03-31"), index=["C_late"])  # the horizon has fully passed
    power = ranking_power(views, pd.concat([defaults, later])).set_index("source")
    assert power.loc["ours", "auc"] == 1.0
    assert 0.35 < power.loc["blind", "auc"] < 0.65
    assert power.loc["ours", "defaults"] == len(defaults)


def test_a_period_whose_horizon_has_not_passed_is_not_judged() -> None:
    views = pd.DataFrame({"source": "ours", "customer_id": ["A", "B"], "as_of": "2026-01-31", "risk": [0.9, 0.1]})
    power = ranking_power(views, pd.Series(pd.Timestamp("2026-02-28"), index=["A"]))
    assert np.isnan(power["auc"].iloc[0])


def test_grades_for_ours_use_the_master_scale() -> None:
    ours = pd.Series([0.0003, 0.03, 1.0], index=["A", "B", "C"])
    reports = pd.DataFrame(
        {"customer_id": ["A", "B", "C"], "provider": "b", "report_date": "2026-01-01", "score": [3, 2, 1]}
    )
    views = bureau_views(reports, date(2026, 3, 31), ours).set_index("customer_id")
    assert list(views["our_grade"]) == list(grade_of(ours.to_numpy()))


def test_ranking_power_with_no_default_yet_judges_nothing_and_fails_nothing() -> None:
    """A young book has no default: every period is left unjudged (before, mapping the customers
    through an empty series of dates raised a TypeError and the models page showed a failure)."""
    views = pd.DataFrame(
        {"source": "creditdesk", "customer_id": ["A", "B"], "as_of": [date(2026, 1, 31)] * 2, "risk": [0.1, 0.2]}
    )
    power = ranking_power(views, pd.Series([], dtype="datetime64[ns]"))
    assert power["auc"].isna().all()


def test_ranking_power_a_source_at_a_time_is_the_whole_ones() -> None:
    """The nightly batch judges one source's views at a time (adapters/batch/power.py): with the
    last of all views passed along, the rows are those of every source at once. Without it, a
    source whose own views end early would leave a year that has passed unjudged."""
    from creditdesk.service.scoring import power_rows_by_source

    rng, customers, truth, defaults = _book(1, 300)
    ours = pd.DataFrame(
        {"source": "ours", "customer_id": customers, "as_of": pd.Timestamp("2026-03-31"), "risk": truth}
    )
    early = pd.DataFrame(
        {"source": "early", "customer_id": customers, "as_of": pd.Timestamp("2025-01-31"), "risk": rng.random(300)}
    )
    whole = ranking_power(pd.concat([ours, early]), defaults)
    expected = [
        {**row, "auc": None if pd.isna(row["auc"]) else round(float(row["auc"]), 4)}
        for row in whole.to_dict(orient="records")
    ]
    assert power_rows_by_source([ours, early], defaults, pd.Timestamp("2026-03-31")) == expected
    assert any(row["source"] == "early" and row["auc"] is not None for row in expected)
    alone = power_rows_by_source([ours, early], defaults, None)
    assert [row["auc"] for row in alone if row["source"] == "early"] == [None]
