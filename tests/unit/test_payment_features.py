"""Payment behaviour: hand-checked lateness, censoring of open items, and no look-ahead."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from creditdesk.risk.features.payment import FEATURES, cash_only, default_dates, payment_features, unapplied_cash

AS_OF = date(2026, 6, 30)


def invoices() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # A: paid 10 days late in two parts; paid on time; open and 20 days past due
            ("I1", "A", "2026-01-01", "2026-01-31", 100.0),
            ("I2", "A", "2026-05-01", "2026-05-31", 300.0),
            ("I3", "A", "2026-05-01", "2026-06-10", 100.0),
            # B: one invoice not yet due
            ("I4", "B", "2026-06-20", "2026-07-20", 50.0),
        ],
        columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount"],
    )


def allocations() -> pd.DataFrame:
    return pd.DataFrame(
        [("I1", "2026-02-05", 40.0), ("I1", "2026-02-10", 60.0), ("I2", "2026-05-30", 300.0)],
        columns=["invoice_id", "applied_on", "amount"],
    )


def test_lateness_by_hand() -> None:
    features = payment_features(invoices(), allocations(), AS_OF)
    a = features.loc["A"]
    assert a["invoices_12m"] == 3 and a["sales_12m"] == 500.0
    # Days late: I1 10 (settled Feb 10), I2 0, I3 20 so far (open, censored); weighted by amount.
    assert a["dbt_weighted_12m"] == pytest.approx((100 * 10 + 300 * 0 + 100 * 20) / 500)
    assert a["dbt_recent_90d"] == pytest.approx((300 * 0 + 100 * 20) / 400)
    assert a["dbt_older"] == 10 and a["dbt_trend"] == pytest.approx(5 - 10)
    assert a["share_paid_late"] == 0.5 and a["max_days_late"] == 20
    assert a["share_partially_paid"] == 0.5
    assert a["open_overdue_share"] == 1.0 and a["oldest_overdue_days"] == 20
    b = features.loc["B"]
    assert np.isnan(b["dbt_weighted_12m"]) and b["open_overdue_share"] == 0.0  # not due: no evidence
    assert list(features.columns) == list(FEATURES)


def test_nothing_after_the_scoring_date_leaks_in() -> None:
    before = payment_features(invoices(), allocations(), AS_OF)
    later_invoices = pd.concat(
        [
            invoices(),
            pd.DataFrame(
                [("I9", "A", "2026-07-02", "2026-08-01", 999.0), ("I8", "C", "2026-07-01", "2026-07-31", 5.0)],
                columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount"],
            ),
        ]
    )
    later_payments = pd.concat(
        [allocations(), pd.DataFrame([("I3", "2026-07-01", 100.0)], columns=["invoice_id", "applied_on", "amount"])]
    )
    after = payment_features(later_invoices, later_payments, AS_OF)
    pd.testing.assert_frame_equal(before, after)
    # ... while on a later date the payment does count: I3 settled 21 days late.
    assert payment_features(later_invoices, later_payments, date(2026, 7, 1)).loc["A", "max_days_late"] == 21


def _default_book() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    invoices = pd.DataFrame(
        [
            ("D1", "A", "2025-11-01", "2025-12-01", 100.0, False),  # never paid: 90 DPD on 2026-03-01
            ("D2", "B", "2025-11-01", "2025-12-01", 100.0, False),  # paid on day 95: a default, then cured
            ("D3", "C", "2025-11-01", "2025-12-01", 100.0, True),  # disputed: not the customer's default
            ("D4", "D", "2025-11-01", "2025-12-01", 100.0, False),  # open, but D paid 100 unapplied
            ("D5", "E", "2025-11-01", "2025-12-01", 100.0, False),  # paid on day 80
        ],
        columns=["invoice_id", "customer_id", "invoice_date", "due_date", "amount", "disputed"],
    )
    allocations = pd.DataFrame(
        [("D2", "2026-03-06", 100.0), ("D5", "2026-02-19", 100.0)], columns=["invoice_id", "applied_on", "amount"]
    )
    payments = pd.DataFrame(
        [("B", "2026-03-06", 100.0), ("D", "2026-01-15", 100.0), ("E", "2026-02-19", 100.0)],
        columns=["customer_id", "payment_date", "amount"],
    )
    return invoices, allocations, payments


def test_default_is_ninety_days_past_due_by_hand() -> None:
    inv, alloc, pay = _default_book()
    found = default_dates(inv, alloc, date(2026, 6, 30))
    assert found.to_dict() == {
        "A": pd.Timestamp("2026-03-01"),
        "B": pd.Timestamp("2026-03-01"),
        "D": pd.Timestamp("2026-03-01"),
    }
    # Cash on account that could have paid the item is not a default.
    assert "D" not in default_dates(inv, alloc, date(2026, 6, 30), payments=pay)
    # Before the 90th day nobody is in default yet: no look-ahead.
    assert default_dates(inv, alloc, date(2026, 2, 28), payments=pay).empty


def test_unapplied_cash_must_cover_the_item_beyond_materiality() -> None:
    inv, alloc, pay = _default_book()
    short = pay.assign(amount=[100.0, 50.0, 100.0])  # D's cash covers only half its item
    assert "D" in default_dates(inv, alloc, date(2026, 6, 30), payments=short)
    nearly = pay.assign(amount=[100.0, 99.5, 100.0])  # 0.5 % short: immaterial
    assert "D" not in default_dates(inv, alloc, date(2026, 6, 30), payments=nearly)


def test_risk_and_cash_see_credit_notes_and_write_offs_their_own_way() -> None:
    invoices = pd.DataFrame({"invoice_id": ["A", "B", "C"], "amount": [100.0, 50.0, 30.0]})
    allocations = pd.DataFrame(
        {
            "invoice_id": ["A", "A", "B", "C"],
            "applied_on": pd.to_datetime(["2024-01-05"] * 4),
            "amount": [40.0, 60.0, 50.0, 30.0],
            "kind": ["payment", "credit_note", "write_off", "credit_note"],
        }
    )
    risk_invoices, risk_cash = cash_only(invoices, allocations, written_off_unpaid=True)
    # A is a 40 invoice paid in cash; B written off stays unpaid; C credited in full is gone.
    assert risk_invoices.set_index("invoice_id")["amount"].to_dict() == {"A": 40.0, "B": 50.0}
    assert risk_cash["amount"].tolist() == [40.0] and "kind" not in risk_cash
    cash_invoices, _ = cash_only(invoices, allocations, written_off_unpaid=False)
    assert cash_invoices["invoice_id"].tolist() == ["A"]  # nothing more is expected of B


def test_shared_settlements_are_the_same_answer_once_a_day_and_the_callers_own_copy() -> None:
    from creditdesk.risk.features import payment

    inv, alloc = invoices(), allocations()
    alone = payment.settlements(inv, alloc, pd.Timestamp(AS_OF))
    worked: list[pd.Timestamp] = []
    plain = payment._settlements

    def counted(i: pd.DataFrame, a: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
        worked.append(day)
        return plain(i, a, day)

    payment._settlements = counted  # type: ignore[assignment]
    try:
        with payment.shared_settlements():
            first = payment.settlements(inv, alloc, pd.Timestamp(AS_OF))
            first["mine"] = 1  # a caller's own column stays its own
            second = payment.settlements(inv, alloc, pd.Timestamp(AS_OF))
            earlier = payment.settlements(inv, alloc, pd.Timestamp(date(2026, 2, 7)))
            other_frame = payment.settlements(inv.copy(), alloc, pd.Timestamp(AS_OF))
        outside = payment.settlements(inv, alloc, pd.Timestamp(AS_OF))
    finally:
        payment._settlements = plain  # type: ignore[assignment]
    pd.testing.assert_frame_equal(second, alone)
    assert "mine" not in second
    # Worked out once for the day, again for another day, another frame, and outside the context.
    assert worked == [pd.Timestamp(AS_OF), pd.Timestamp(date(2026, 2, 7)), pd.Timestamp(AS_OF), pd.Timestamp(AS_OF)]
    on_feb_7 = earlier.set_index("invoice_id").loc["I1"]
    assert on_feb_7["paid"] == 40.0 and pd.isna(on_feb_7["settled_on"])  # the day's own answer
    pd.testing.assert_frame_equal(other_frame, alone)
    pd.testing.assert_frame_equal(outside, alone)


def test_unapplied_cash_is_what_was_received_and_not_applied_by_the_day() -> None:
    invoices = pd.DataFrame({"invoice_id": ["I1", "I2", "I3"], "customer_id": ["A", "A", "B"]})
    allocations = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2", "I3"],
            "applied_on": ["2026-01-10", "2026-02-10", "2026-01-05"],
            "amount_minor": [300, 200, 900],
        }
    )
    payments = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "payment_date": ["2026-01-09", "2026-02-01", "2026-01-05", "2026-03-01"],
            "amount_minor": [300, 700, 500, 100],
        }
    )
    # 31 January: A received 300 and had it applied; B had 900 applied of 500 received (no debt).
    assert unapplied_cash(invoices, allocations, payments, date(2026, 1, 31)).to_dict() == {}
    # 28 February: A received 1,000 and had 500 applied; C's payment comes later.
    assert unapplied_cash(invoices, allocations, payments, date(2026, 2, 28)).to_dict() == {"A": 500}
    assert unapplied_cash(invoices, allocations, payments, date(2026, 3, 1)).to_dict() == {"A": 500, "C": 100}
