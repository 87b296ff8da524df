"""The monitor's facts from events, against hand-worked cases."""

from __future__ import annotations

from datetime import date

import pandas as pd

from creditdesk.risk.features.behaviour import bureau_drops, days_overdue, good_months, peak_receivable


def invoices(*rows: tuple[str, str, str, str, float, bool]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "disputed"])


def allocations(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["invoice_id", "applied_on", "amount"])


INV = invoices(
    ("A1", "A", "2026-01-05", "2026-02-04", 1000.0, False),  # paid 2026-02-10: 6 days late, within grace
    ("A2", "A", "2026-03-01", "2026-03-31", 500.0, False),  # paid 2026-04-20: 20 days late, beyond grace
    ("A3", "A", "2026-05-01", "2026-05-31", 800.0, False),  # open
    ("B1", "B", "2026-04-01", "2026-05-01", 300.0, True),  # disputed, open
    ("C1", "C", "2026-05-01", "2026-05-11", 400.0, False),  # open, covered by unapplied cash
)
ALLOC = allocations(("A1", "2026-02-10", 1000.0), ("A2", "2026-04-20", 500.0))


def test_days_overdue_counts_the_oldest_undisputed_open_item() -> None:
    found = days_overdue(INV, ALLOC, date(2026, 6, 20))
    assert found.to_dict() == {"A": 20, "C": 40}  # B's only item is disputed
    assert days_overdue(INV, ALLOC, date(2026, 5, 31)).to_dict() == {"C": 20}  # A3 falls due that day


def test_unapplied_cash_covers_the_oldest_items_first() -> None:
    received = [("A", "2026-02-10", 1000.0), ("A", "2026-04-20", 500.0), ("A", "2026-06-01", 300.0)]
    received.append(("C", "2026-05-20", 400.0))
    payments = pd.DataFrame(received, columns=["customer_id", "payment_date", "amount"])
    found = days_overdue(INV, ALLOC, date(2026, 6, 20), payments)
    assert found.to_dict() == {"A": 20}  # C's cash covers its item; A's 300 leaves 500 of 800 open


def test_good_months_count_back_to_the_last_month_with_a_late_item() -> None:
    # A2 was beyond due + 10 days' grace from 11 to 19 April: April is bad; May and June are good.
    assert good_months(INV, ALLOC, date(2026, 7, 1), grace_days=10).to_dict()["A"] == 0  # A3 late now
    paid = pd.concat([ALLOC, allocations(("A3", "2026-06-05", 800.0))])
    found = good_months(INV, paid, date(2026, 7, 1), grace_days=10)
    assert found["A"] == 2  # May and June (A3 paid within its grace)
    later = good_months(INV, paid, date(2026, 12, 3), grace_days=10)
    assert later["A"] == 7  # May to November
    assert found["C"] == 0  # C1 is beyond its grace now
    # With 25 days' grace, April and May were fine too: back to the first invoice month (January).
    assert good_months(INV, paid, date(2026, 7, 1), grace_days=25)["A"] == 6


def test_peak_receivable_since_the_window_start_includes_the_opening_balance() -> None:
    window = pd.Series({"A": pd.Timestamp("2026-03-15"), "C": pd.Timestamp("2026-01-01")})
    found = peak_receivable(INV, ALLOC, date(2026, 6, 30), window)
    # A: 500 open on 15 March (opening), 0 after 20 April, 800 from 1 May.
    assert found["A"] == 800.0 and found["C"] == 400.0
    narrow = pd.Series({"A": pd.Timestamp("2026-04-21")})
    assert peak_receivable(INV, ALLOC, date(2026, 4, 30), narrow)["A"] == 0.0


def test_bureau_drop_compares_each_bureaus_latest_report_with_its_previous() -> None:
    reports = pd.DataFrame(
        [
            ("A", "b1", "2026-01-10", 700, "A", None),
            ("A", "b1", "2026-04-10", 600, "BB", None),  # 3 -> 6: three grades down
            ("A", "b2", "2026-05-10", 650, None, 0.004),
            ("B", "b1", "2026-03-01", 500, "BBB", None),
            ("B", "b1", "2026-06-01", 520, "A", None),  # an upgrade
        ],
        columns=["customer_id", "provider", "report_date", "score", "rating", "pd"],
    )
    found = bureau_drops(reports, date(2026, 6, 30))
    assert found.loc["A"].tolist() == [3, "b1", pd.Timestamp("2026-04-10")]
    assert found.loc["B", "bureau_drop"] == -1  # BBB (4) to A (3)
    assert bureau_drops(reports, date(2026, 3, 31)).loc["A", "bureau_drop"] == 0  # one report so far


def test_two_bureaus_down_as_far_on_one_day_are_told_apart_by_name_not_by_row_order() -> None:
    """The batch found one bureau on a small bucket and the other on a large one (an unstable sort)."""
    reports = pd.DataFrame(
        [
            ("A", "bureau_a", "2026-01-10", 700, "A", None),
            ("A", "bureau_b", "2026-01-10", 700, "A", None),
            ("A", "bureau_a", "2026-04-10", 650, "BBB", None),  # A (3) to BBB (4) at both: one grade down
            ("A", "bureau_b", "2026-04-10", 650, "BBB", None),
        ]
        + [(f"Z{i}", "bureau_a", "2026-04-10", 600, "BB", None) for i in range(40)],
        columns=["customer_id", "provider", "report_date", "score", "rating", "pd"],
    )
    found = {
        bureau_drops(reports.sample(frac=1.0, random_state=seed), date(2026, 6, 30)).loc["A", "provider"]
        for seed in range(8)
    }
    assert found == {"bureau_b"}
