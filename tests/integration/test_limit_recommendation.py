"""Limit recommendations from stored data (SQLite and PostgreSQL): inputs read right, methods combined."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.service.errors import NotFound
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.policies import activate_check_policy
from tests.helpers import CUSTOMERS, write_csv

AS_OF = date(2026, 3, 31)
# C1 (30 days' terms) bought 1,200 in one month and 2,400 in another within the year to AS_OF;
# the 2024 invoice is outside the window. C2 bought nothing in the window.
INVOICES = """invoice_id,customer_id,invoice_date,due_date,amount,currency
J1,C1,2025-06-10,2025-07-10,1200.00,EUR
J2,C1,2026-02-01,2026-03-03,2400.00,EUR
J3,C2,2024-02-29,2024-03-30,250.00,EUR
"""
# The January 2026 statement is not yet filed on AS_OF (90 days' lag): the 2024 one counts.
FINANCIALS = """customer_id,period_end,currency,revenue,total_assets,total_liabilities,current_assets,current_liabilities,equity,net_income,ebit,retained_earnings
C1,2024-12-31,EUR,900000,500000,300000,250000,150000,200000,20000,30000,50000
C1,2026-01-31,EUR,900000,500000,100000,250000,50000,400000,20000,30000,50000
"""
BUREAU = """customer_id,provider,report_date,score,recommended_limit,currency
C1,b1,2026-01-15,700,9000.00,EUR
C1,b2,2026-02-15,650,7000.00,EUR
C1,b2,2026-04-15,640,1000.00,EUR
"""


def load(services: Services, tmp_path: Path) -> None:
    for kind, text in (
        ("customers", CUSTOMERS),
        ("invoices", INVOICES),
        ("financials", FINANCIALS),
        ("bureau", BUREAU),
    ):
        report = import_file(
            kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock, actor="t", role=Role.ADMIN
        )
        assert report.ok, report.errors[:3]


def test_inputs_and_methods_by_hand(services: Services, tmp_path: Path) -> None:
    load(services, tmp_path)
    version, recommendations = recommend_limits(services.limit_inputs(), AS_OF)
    assert version is None  # no policy activated: the built-in defaults
    found = {r.inputs.customer_id: r for r in recommendations}
    c1 = found["C1"]
    assert c1.inputs.avg_monthly_sales == Decimal("300.00")  # 3,600 over twelve months
    # Months: 1,200, 2,400 and ten zeros: mean 300, standard deviation sqrt((1200² + 2400²)/12 − 300²).
    assert c1.inputs.demand_cv == pytest.approx((((1200**2 + 2400**2) / 12 - 300**2) ** 0.5) / 300)
    assert c1.inputs.tangible_net_worth == Decimal("200000.00")
    assert c1.inputs.working_capital == Decimal("100000.00")
    assert (c1.inputs.bureau_limit, c1.inputs.bureau_provider) == (Decimal("7000.00"), "b2")  # lowest, as of then
    assert c1.inputs.pd is None and c1.inputs.grade is None  # not scored yet
    methods = {w.method: w for w in c1.methods}
    assert methods["need"].amount == Decimal("480.00")  # 300 × (30 + 10) / 30 × 1.2
    assert methods["capacity"].amount == Decimal(
        "4000.00"
    )  # unscored: grade 9 shares, min(2 % × 200,000, 5 % × 100,000)
    assert methods["risk_budget"].amount is None and "score" in methods["risk_budget"].note
    assert c1.final.amount == Decimal(0)  # 480 rounded down to the unit of 1,000
    assert found["C2"].inputs.avg_monthly_sales == 0 and found["C2"].methods[0].amount is None
    assert found["C3"].inputs.currency == "JPY"
    with pytest.raises(NotFound):
        recommend_limits(services.limit_inputs(), AS_OF, customer_id="NOBODY")
    assert [r.inputs.customer_id for r in recommend_limits(services.limit_inputs(), AS_OF, customer_id="C1")[1]] == [
        "C1"
    ]


def test_the_active_policys_limits_are_followed_and_named(services: Services, tmp_path: Path) -> None:
    load(services, tmp_path)
    text = 'name: finer\nlimits:\n  unit: "100"\n'
    version = activate_check_policy("finer", text, "admin", Role.ADMIN, services.uow(), services.clock)
    used, found = recommend_limits(services.limit_inputs(), AS_OF, customer_id="C1")
    assert used == version
    assert found[0].final.amount == Decimal("400.00")  # need 480 rounded down to 100


SUPPORT = """support_id,customer_id,kind,provider,amount,currency,valid_from,valid_to,cover_share
S1,C1,insurance,atradius,3000.00,EUR,2026-01-01,,0.9
S2,C1,insurance,coface,2000.00,EUR,2025-01-01,2025-12-31,0.8
S3,C1,guarantee,bank,1500.00,EUR,2026-03-01,2026-12-31,
S4,C1,letter_of_credit,bank,500.00,EUR,2026-04-01,,
"""
BAD_SUPPORT = """support_id,customer_id,kind,provider,amount,currency,valid_from,valid_to,cover_share
S9,C1,insurance,atradius,3000.00,EUR,2026-01-01,,
S10,C1,pledge,bank,100.00,EUR,2026-01-01,,
S11,C1,guarantee,bank,100.00,USD,2026-01-01,2025-01-01,
S12,NOBODY,guarantee,bank,100.00,EUR,2026-01-01,,
"""


def test_credit_support_in_force_reaches_the_recommendation(services: Services, tmp_path: Path) -> None:
    load(services, tmp_path)
    bad = import_file(
        "credit_support", write_csv(tmp_path / "bad.csv", BAD_SUPPORT), services.engine, services.clock, role=Role.ADMIN
    )
    assert [(e.line, e.column, e.code.value) for e in bad.errors] == [
        (2, 9, "MISSING_VALUE"),  # cover_share
        (3, 3, "OUT_OF_RANGE"),  # kind
        (4, 8, "OUT_OF_RANGE"),  # valid_to before valid_from
        (5, 2, "UNKNOWN_CUSTOMER"),
    ]
    good = import_file(
        "credit_support", write_csv(tmp_path / "s.csv", SUPPORT), services.engine, services.clock, role=Role.ADMIN
    )
    assert good.ok, good.errors[:3]
    # On AS_OF (31 March 2026): atradius's limit is in force (coface's ended), the guarantee too,
    # the letter of credit not yet.
    (c1,) = recommend_limits(services.limit_inputs(), AS_OF, customer_id="C1")[1]
    assert (c1.inputs.insurer, c1.inputs.insured_limit, c1.inputs.cover_share) == (
        "atradius",
        Decimal("3000.00"),
        Decimal("0.9"),
    )
    assert c1.inputs.security == Decimal("1500.00")
    parts = {w.method: w.amount for w in c1.methods}
    assert parts["insured"] == Decimal("2700.00") and parts["secured"] == Decimal("1500.00")
    # The own limit (0) plus support, but never beyond the need of 480: rounded down to 1,000, 0.
    assert c1.final.amount == Decimal(0)
    (later,) = recommend_limits(services.limit_inputs(), date(2026, 4, 2), customer_id="C1")[1]
    assert later.inputs.security == Decimal("2000.00")
