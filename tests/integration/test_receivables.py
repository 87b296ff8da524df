"""Receivables analytics against hand-computed cases, on SQLite and PostgreSQL: partial payments,
a dispute, an old item, a leap day, and a second currency that is never added to the first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.service.receivables import ageing, countback_dso, dso
from tests.helpers import write_csv

CUSTOMERS = """customer_id,name,currency,segment,payment_terms_days
C1,Euro Parts,EUR,standard,30
C2,Yen Tools,JPY,strategic,30
"""
INVOICES = """invoice_id,customer_id,invoice_date,due_date,amount,currency,disputed
I5,C1,2023-10-01,2023-10-31,800.00,EUR,no
I0,C1,2023-12-15,2024-01-14,1000.00,EUR,no
I1,C1,2024-01-10,2024-02-09,2000.00,EUR,no
I2,C1,2024-02-29,2024-03-30,3000.00,EUR,no
I3,C1,2024-03-15,2024-04-14,4000.00,EUR,no
I4,C1,2024-03-20,2024-04-19,500.00,EUR,yes
Y1,C2,2024-03-01,2024-03-31,100000,JPY,no
"""
PAYMENTS = """payment_id,customer_id,payment_date,amount,currency,invoice_id
P0,C1,2024-01-20,1000.00,EUR,I0
P1,C1,2024-02-20,500.00,EUR,I1
"""
AS_OF = date(2024, 3, 31)


@pytest.fixture
def loaded(services: Services, tmp_path: Path) -> Services:
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        report = import_file(kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock)
        assert report.ok, report.errors[:3]
    return services


def test_ageing_by_days_past_due_on_any_date(loaded: Services) -> None:
    frames = loaded.receivables().frames(AS_OF)
    euro, yen = ageing(frames, AS_OF)
    # I3 and the disputed I4 are not due; I2 (the leap day's) is 1 day late, I1's 1,500 left after a
    # partial payment 51 days, I5 152 days. I0 was paid.
    assert euro == {
        "currency": "EUR",
        "scope": "portfolio",
        "current": "4500.00",
        "1-30": "3000.00",
        "31-60": "1500.00",
        "61-90": "0.00",
        "91-180": "800.00",
        "over 180": "0.00",
        "total": "9800.00",
        "overdue": "5300.00",
    }
    assert (yen["currency"], yen["current"], yen["total"]) == ("JPY", "100000", "100000")
    # As things stood on 19 February: I1 not yet partly paid (10 days late), I2 not yet invoiced.
    (then,) = [r for r in ageing(frames, date(2024, 2, 19)) if r["currency"] == "EUR"]
    assert (then["1-30"], then["91-180"], then["current"], then["total"]) == ("2000.00", "800.00", "0.00", "2800.00")
    by_segment = {r["segment"]: r["total"] for r in ageing(frames, AS_OF, by="segment")}
    assert by_segment == {"standard": "9800.00", "strategic": "100000"}


def test_dso_countback_best_possible_add_and_cei_by_hand(loaded: Services) -> None:
    euro, yen = dso(loaded.receivables().frames(AS_OF), AS_OF, period_days=90)
    # Period: 2 January to 31 March 2024 (90 days, with 29 February). Opening (end of 1 January):
    # I5 800 + I0 1,000. Sales: I1 2,000 + I2 3,000 + I3 4,000 + I4 500 = 9,500. Closing 9,800,
    # of which current 4,500.
    assert (euro["opening_receivables"], euro["credit_sales"], euro["receivables"], euro["current_receivables"]) == (
        "1800.00",
        "9500.00",
        "9800.00",
        "4500.00",
    )
    assert euro["dso"] == round(9800 / 9500 * 90, 2) == 92.84
    assert euro["best_possible_dso"] == round(4500 / 9500 * 90, 2) == 42.63
    assert euro["add"] == round(9800 / 9500 * 90 - 4500 / 9500 * 90, 2) == 50.21
    assert euro["cei"] == round((1800 + 9500 - 9800) / (1800 + 9500 - 4500) * 100, 2) == 22.06
    assert euro["overdue_ratio"] == round(5300 / 9800, 4)
    assert euro["turnover"] == round(9500 * 365 / 90 / ((1800 + 9800) / 2), 2)
    # Countback: March 4,500 (31 days), February 3,000 (29), January 2,000 (31), then 300 of
    # December's 1,000 (31 days): 91 + 9.3.
    assert euro["countback_dso"] == 100.3
    assert (yen["dso"], yen["best_possible_dso"], yen["add"], yen["cei"]) == (90.0, 90.0, 0.0, None)


def test_countback_edge_cases() -> None:
    assert countback_dso(0, [(100, 31)]) == 0.0
    assert countback_dso(50, [(0, 30), (100, 31)]) == 30 + 15.5  # a month without sales counts whole
    assert countback_dso(500, [(100, 31), (100, 30)]) is None  # older than the months counted
