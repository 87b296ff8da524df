"""Cover that counts: the ECL's loss given default net of valid cover, against a hand computation,
and the disputed share feature, point in time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from creditdesk.risk.features.payment import dispute_features, payment_features
from creditdesk.service.cover import CoverRow, covered
from creditdesk.service.receivables import LedgerFrames, ecl_report, expected_losses

AS_OF = date(2026, 6, 30)


def _frames(cover: pd.DataFrame | None) -> LedgerFrames:
    invoices = pd.DataFrame(
        {
            "invoice_id": ["A1", "B1", "C1", "D1"],
            "customer_id": ["A", "B", "C", "D"],
            "currency": "EUR",
            "invoice_date": pd.Timestamp("2026-06-01"),
            "due_date": pd.Timestamp("2026-07-31"),
            "amount_minor": [100000, 50000, 30000, 40000],
            "disputed": False,
        }
    )
    allocations = pd.DataFrame(columns=["invoice_id", "applied_on", "amount_minor", "kind"]).astype(
        {"amount_minor": "int64", "applied_on": "datetime64[ns]"}
    )
    customers = pd.DataFrame({"customer_id": list("ABCD"), "segment": "standard", "pd": [0.1, 0.1, 0.1, 0.2]})
    return LedgerFrames(invoices, allocations, customers, cover=cover)


COVER = pd.DataFrame(
    [
        # A: insured 90 % up to a buyer limit of 600.00, and a guarantee of 200.00
        ("A", "insurance", 60000, "EUR", "0.9", date(2026, 1, 1), date(2026, 12, 31)),
        ("A", "guarantee", 20000, "EUR", None, date(2026, 1, 1), None),
        # B: the insurance ended the day before: no cover
        ("B", "insurance", 90000, "EUR", "0.9", date(2025, 1, 1), date(2026, 6, 29)),
        # C: a letter of credit larger than the exposure covers all of it, no more
        ("C", "letter_of_credit", 80000, "EUR", None, date(2026, 6, 30), date(2026, 6, 30)),
        # D: cover in another currency and cover starting tomorrow do not count
        ("D", "guarantee", 40000, "USD", None, date(2026, 1, 1), None),
        ("D", "guarantee", 40000, "EUR", None, date(2026, 7, 1), None),
    ],
    columns=["customer_id", "kind", "amount_minor", "currency", "cover_share", "valid_from", "valid_to"],
)


def test_ecl_nets_the_loss_given_default_of_valid_cover_as_computed_by_hand() -> None:
    pds = pd.Series({"A": 0.1, "B": 0.1, "C": 0.1, "D": 0.2})
    per = expected_losses(_frames(COVER), AS_OF, "EUR", pds, 0.45, 0.05)
    # A: covered 0.9 × min(1000, 600) + min(1000, 200) = 540 + 200 = 740; ECL (1000 - 740) × 0.1 × 0.45
    assert per.loc["A", "covered"] == pytest.approx(74000)
    assert per.loc["A", "ecl"] == pytest.approx(1170.0)  # minor units: 11.70
    assert per.loc["B", "ecl"] == pytest.approx(50000 * 0.1 * 0.45)  # 22.50, uncovered
    assert per.loc["C", "covered"] == pytest.approx(30000) and per.loc["C", "ecl"] == 0
    assert per.loc["D", "ecl"] == pytest.approx(40000 * 0.2 * 0.45)  # 36.00
    [report] = ecl_report(_frames(COVER), AS_OF, 12, 1.0, 0.45, 0.05)
    assert report["pd_lgd_ead"] == "70.20"  # 11.70 + 22.50 + 0 + 36.00
    # Negative control: without cover the same book loses 0.45 × (100 + 50 + 30) + 0.45 × 0.2 × 400.
    [bare] = ecl_report(_frames(None), AS_OF, 12, 1.0, 0.45, 0.05)
    assert bare["pd_lgd_ead"] == "117.00"


def test_the_service_rule_agrees_with_the_report() -> None:
    rows = [
        CoverRow(
            "S1", "A", "insurance", "Sinosure", 60000, "EUR", Decimal("0.9"), date(2026, 1, 1), date(2026, 12, 31)
        ),
        CoverRow("S2", "A", "guarantee", "BankOfX", 20000, "EUR", None, date(2026, 1, 1), None),
    ]
    assert covered(rows, 100000, "EUR", AS_OF) == Decimal("74000.0")
    assert covered(rows, 10000, "EUR", AS_OF) == Decimal(10000)  # never more than the exposure
    assert covered(rows, 100000, "EUR", date(2027, 1, 1)) == Decimal(20000)  # the insurance expired


def test_the_disputed_share_is_of_the_amount_and_point_in_time() -> None:
    invoices = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2", "I3"],
            "customer_id": ["A", "A", "B"],
            "invoice_date": pd.to_datetime(["2026-03-01", "2026-04-01", "2026-04-01"]),
            "due_date": pd.to_datetime(["2026-04-01", "2026-05-01", "2026-05-01"]),
            "amount": [1000.0, 3000.0, 500.0],
            "disputed": [False, False, True],  # B's invoice came flagged by an import: no case
        }
    )
    cases = pd.DataFrame(
        {
            "customer_id": ["A", "A"],
            "invoice_id": ["I1", "I2"],
            "opened_on": pd.to_datetime(["2026-03-10", "2026-07-05"]),  # the second after the scoring day
            "amount": [400.0, 3000.0],
        }
    )
    found = dispute_features(invoices, cases, AS_OF)
    assert found.loc["A", "disputed_share"] == pytest.approx(400 / 4000)
    assert found.loc["A", "disputes_12m"] == 1
    assert found.loc["B", "disputed_share"] == 1.0 and found.loc["B", "disputes_12m"] == 0
    later = dispute_features(invoices, cases, date(2026, 7, 31))
    assert later.loc["A", "disputed_share"] == pytest.approx(3400 / 4000) and later.loc["A", "disputes_12m"] == 2
    allocations = pd.DataFrame(columns=["invoice_id", "applied_on", "amount"])
    scored = payment_features(invoices, allocations, AS_OF, cases)
    assert scored.loc["A", "disputed_share"] == pytest.approx(0.1)  # what the model is fed
