"""Receivables analytics against hand-computed cases, on SQLite and PostgreSQL: partial payments,
a dispute, an old item, a leap day, and a second currency that is never added to the first."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from creditdesk.adapters.db.risk_data import load_source_tables
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.service.cash_forecast import model_ledger
from creditdesk.service.errors import InvalidInput
from creditdesk.service.receivables import ageing, buckets_from, countback_dso, dso, ecl_report, trends
from creditdesk.service.working_capital import CompanyFigures, WhatIf, customers_working_capital, working_capital
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
        report = import_file(
            kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock, role=Role.ADMIN
        )
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
    # Buckets of one's own: I2 1 day, I1 51 days, I5 152 days past due.
    (mine,) = [r for r in ageing(frames, AS_OF, buckets=buckets_from("7,60")) if r["currency"] == "EUR"]
    assert (mine["current"], mine["1-7"], mine["8-60"], mine["over 60"]) == ("4500.00", "3000.00", "1500.00", "800.00")
    with pytest.raises(InvalidInput, match="rise"):
        buckets_from("60,30")
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


ECL_CUSTOMERS = """customer_id,name,currency,segment,payment_terms_days
C1,Euro Parts,EUR,standard,30
C2,Late Ltd,EUR,strategic,30
"""
# Month-ends 31 Jan, 29 Feb and 31 Mar 2024. Current → 1-30: of 4,000 current (A, B at the end
# of January; C at the end of February), A's 500 and C's 1,000 rolled on: 0.375. 1-30 → 31-60
# (A 500), 31-60 → 61-90 (D 400), 61-90 → 91-120 (D 400), 91-120 → 121-150 (F 200) and
# 151-180 → over 180 (E 300) all rolled in full; 121-150 → 151-180: F's 200 became 100 (0.5).
ECL_INVOICES = """invoice_id,customer_id,invoice_date,due_date,amount,currency
A,C1,2024-01-01,2024-01-31,1000.00,EUR
B,C1,2024-01-15,2024-02-14,2000.00,EUR
C,C1,2024-02-10,2024-03-11,1000.00,EUR
D,C1,2023-11-20,2023-12-20,400.00,EUR
E,C2,2023-08-01,2023-08-31,300.00,EUR
F,C2,2023-09-15,2023-10-15,200.00,EUR
"""
ECL_PAYMENTS = """payment_id,customer_id,payment_date,amount,currency,invoice_id
PA,C1,2024-02-15,500.00,EUR,A
PB,C1,2024-02-10,2000.00,EUR,B
PF,C2,2024-03-10,100.00,EUR,F
"""


def test_provision_matrix_from_roll_rates_and_pd_lgd_ead_reconciled_by_segment(
    services: Services, tmp_path: Path
) -> None:
    for kind, text in (("customers", ECL_CUSTOMERS), ("invoices", ECL_INVOICES), ("payments", ECL_PAYMENTS)):
        report = import_file(
            kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock, role=Role.ADMIN
        )
        assert report.ok, report.errors[:3]
    frames = services.receivables().frames(AS_OF)
    (plain,) = ecl_report(frames, AS_OF, months=2, forward_factor=1.0, lgd=0.45, fallback_pd=0.3)
    rows = {r["bucket"]: r for r in plain["matrix"]}
    assert [rows[b]["roll_rate"] for b in ("current", "1-30", "31-60", "61-90", "91-120", "121-150", "151-180")] == [
        0.375,
        1.0,
        1.0,
        1.0,
        1.0,
        0.5,
        1.0,
    ]
    # Loss rates chain the rolls to over 180 days: 0.375 × 0.5 from current, 0.5 up to 121-150, 1 after.
    assert [rows[b]["loss_rate"] for b in ("current", "1-30", "121-150", "151-180", "over 180")] == [
        0.1875,
        0.5,
        0.5,
        1.0,
        1.0,
    ]
    # On 31 March: C 1,000 (1-30), A 500 (31-60), D 400 (91-120), F 100 (151-180), E 300 (over 180).
    assert (rows["1-30"]["balance"], rows["31-60"]["balance"], rows["91-120"]["balance"]) == (
        "1000.00",
        "500.00",
        "400.00",
    )
    assert plain["provision"] == "1350.00"  # 500 + 250 + 200 + 100 + 300
    (ahead,) = ecl_report(frames, AS_OF, months=2, forward_factor=1.2, lgd=0.45, fallback_pd=0.3)
    assert ahead["provision"] == "1540.00"  # rates × 1.2, at most 1
    # PD × LGD × EAD: both customers have an item over 90 days past due, so PD 1.
    assert plain["pd_lgd_ead"] == "1035.00"  # (1,900 + 400) × 0.45
    assert plain["by_segment"] == [
        {"segment": "standard", "provision_matrix": "950.00", "pd_lgd_ead": "855.00", "difference": "95.00"},
        {"segment": "strategic", "provision_matrix": "400.00", "pd_lgd_ead": "180.00", "difference": "220.00"},
    ]


LIMITED_CUSTOMERS = """customer_id,name,currency,segment,payment_terms_days,credit_limit
C1,Euro Parts,EUR,standard,30,10000.00
C2,Yen Tools,JPY,strategic,30,
"""
STATEMENTS = (
    "customer_id,period_end,currency,revenue,total_assets,total_liabilities,current_assets,current_liabilities,"
    "equity,net_income,ebit,retained_earnings,inventory,receivables,payables\n"
    "C1,2023-12-31,EUR,36500,50000,20000,20000,10000,30000,2000,3000,10000,7300,3650,1460\n"
    "C1,2024-12-31,EUR,99999,50000,20000,20000,10000,30000,2000,3000,10000,1,1,1\n"
)


def test_working_capital_ccc_and_the_what_if_by_hand(services: Services, tmp_path: Path) -> None:
    files = (
        ("customers", LIMITED_CUSTOMERS),
        ("invoices", INVOICES),
        ("payments", PAYMENTS),
        ("financials", STATEMENTS),
    )
    for kind, text in files:
        report = import_file(
            kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock, role=Role.ADMIN
        )
        assert report.ok, report.errors[:3]
    frames = services.receivables().frames(AS_OF)
    company = CompanyFigures(
        inventory=Decimal("2000"),
        payables=Decimal("1500"),
        cost_of_sales_a_year=Decimal("36500"),
        cost_of_capital=Decimal("0.10"),
        currency="EUR",
    )
    euro, yen = working_capital(frames, AS_OF, company, WhatIf(terms_change_days=-10, limit_change=Decimal("0.2")))
    # DSO 9,800 / 9,500 × 90 = 92.84; DIO 2,000 / 100 a day = 20; DPO 15; WCR 9,800 + 2,000 − 1,500.
    assert (euro["dso"], euro["dio"], euro["dpo"], euro["ccc"]) == (92.84, 20.0, 15.0, 97.84)
    assert (euro["wcr"], euro["financing_cost"], euro["receivables_financing_cost"]) == (
        "10300.00",
        "1030.00",
        "980.00",
    )
    # What if: C1 (9,800 open of a 10,000 limit) is held back, so +20 % limits sell 1,900 more in
    # the period; terms 10 days shorter take DSO to 82.84; receivables 11,400 / 90 × 82.84.
    after = euro["what_if"]
    assert (after["credit_sales"], after["receivables"], after["dso"], after["ccc"]) == (
        "11400.00",
        "10493.33",
        82.84,
        87.84,
    )
    assert (after["wcr"], after["change_in_receivables"], after["change_in_financing_cost"]) == (
        "10993.33",
        "693.33",
        "69.33",
    )
    # The entered figures are EUR: the yen book has receivables only, and no limit to hold it back.
    assert (yen["inventory"], yen["wcr"], yen["ccc"], yen["what_if"]["credit_sales"]) == ("0", "100000", None, "100000")
    # The customers' own, from the latest statement on the date (2023's; 2024's is not yet out).
    (own,) = customers_working_capital(services.receivables().statements(AS_OF), frames.customers, "customer")
    assert own == {
        "customer_id": "C1",
        "currency": "EUR",
        "period_end": "2023-12-31",
        "revenue": "36500.00",
        "wcr": "9490.00",
        "dso": 36.5,
        "dio": 73.0,
        "dpo": 14.6,
        "ccc": 94.9,
    }
    (standard,) = customers_working_capital(services.receivables().statements(AS_OF), frames.customers, "segment")
    assert standard == {"segment": "standard", "customers": 1, "median_dso": 36.5, "median_dio": 73.0,
                        "median_dpo": 14.6, "median_ccc": 94.9}  # fmt: skip


SETTLEMENTS = """payment_id,customer_id,payment_date,amount,currency,invoice_id,kind
CN1,C1,2024-03-20,1000.00,EUR,I3,credit_note
WO1,C1,2024-03-25,800.00,EUR,I5,write_off
"""


def test_credit_notes_and_write_offs_are_not_collections(loaded: Services, tmp_path: Path) -> None:
    report = import_file(
        "payments", write_csv(tmp_path / "settlements.csv", SETTLEMENTS), loaded.engine, loaded.clock, role=Role.ADMIN
    )
    assert report.ok, report.errors[:3]
    frames = loaded.receivables().frames(AS_OF)
    (euro,) = [row for row in ageing(frames, AS_OF) if row["currency"] == "EUR"]
    # I3 is 3,000 after its credit note; I5's 800 was written off; I1 and I2 stay overdue.
    assert (euro["current"], euro["91-180"], euro["overdue"], euro["total"]) == (
        "3500.00",
        "0.00",
        "4500.00",
        "8000.00",
    )
    (figures,) = [row for row in dso(frames, AS_OF, period_days=90) if row["currency"] == "EUR"]
    # Net sales 9,500 − 1,000; the write-off lowered the receivables but collected nothing.
    assert (figures["credit_sales"], figures["credit_notes"], figures["written_off"]) == (
        "8500.00",
        "1000.00",
        "800.00",
    )
    assert figures["dso"] == round(8000 / 8500 * 90, 2) == 84.71
    assert figures["best_possible_dso"] == round(3500 / 8500 * 90, 2)
    assert figures["cei"] == round((1800 + 8500 - 8000 - 800) / (1800 + 8500 - 3500) * 100, 2) == 22.06
    assert figures["bad_debt_ratio"] == round(800 / 8500, 4)
    # Before they were issued (on 15 March) nothing of it shows.
    (before,) = [row for row in dso(frames, date(2024, 3, 15), period_days=90) if row["currency"] == "EUR"]
    assert (before["credit_notes"], before["written_off"], before["bad_debt_ratio"]) == ("0.00", "0.00", 0.0)
    # The payment model sees cash only: I3 is a 3,000 invoice, I5 is gone, and two payments came in.
    invoices, cash = model_ledger(frames)
    amounts = invoices.set_index("invoice_id")["amount"]
    assert amounts["I3"] == 3000.0 and "I5" not in amounts and sorted(cash["amount"]) == [500.0, 1000.0]
    # Risk sees the written-off item as never paid (a loss), the credit note as a smaller invoice.
    with loaded.engine.connect() as conn:
        tables = load_source_tables(conn)
    risk_amounts = tables.invoices.set_index("invoice_id")["amount"]
    assert (risk_amounts["I3"], risk_amounts["I5"]) == (3000.0, 800.0)
    assert sorted(tables.allocations["amount"]) == [500.0, 1000.0] == sorted(tables.payments["amount"])


def test_monthly_trends_see_each_month_end_as_it_stood(loaded: Services) -> None:
    rows = [r for r in trends(loaded.receivables().frames(AS_OF), AS_OF, months=2) if r["currency"] == "EUR"]
    assert [r["as_of"] for r in rows] == ["2024-02-29", "2024-03-31"]
    leap = rows[0]
    # 1 December to 29 February (90 days): opening I5 800; sales I0, I1, I2 = 6,000; closing I5 800
    # + I1's 1,500 + I2 3,000 (current, due 30 March).
    assert (leap["receivables"], leap["credit_sales"]) == ("5300.00", "6000.00")
    assert (leap["dso"], leap["best_possible_dso"]) == (79.5, 45.0)
    assert leap["cei"] == round((800 + 6000 - 5300) / (800 + 6000 - 3000) * 100, 2) == 39.47
    assert rows[1]["dso"] == 92.84  # the as-of date itself, as in the DSO report
