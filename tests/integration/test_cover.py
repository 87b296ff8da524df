"""Cover on a real database: recorded, audited, expiring cover in "needs attention", claims for
defaulted insured customers, and the ECL report net of cover."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from creditdesk.adapters.db import queries
from creditdesk.adapters.db import tables as t
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.service import cover
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput
from creditdesk.service.receivables import ecl_report
from tests.engine import Driver


def _add(services: Services, customer_id: str, kind: str, amount: str, days: int, **kw: object) -> cover.CoverRow:
    today = services.clock.today()
    cmd = cover.AddCover(
        customer_id,
        kind,
        "Sinosure",
        Decimal(amount),
        "EUR",
        today - timedelta(days=100),
        "ana",
        Role.ANALYST,
        valid_to=today + timedelta(days=days),
        **kw,  # type: ignore[arg-type]
    )
    return cover.add_cover(cmd, services.uow(), services.clock)


def _alerts(services: Services) -> dict[str, int]:
    day = services.clock.today()
    with services.engine.connect() as conn:
        a = t.credit_accounts
        return {
            name: int(conn.execute(select(func.count()).select_from(a).where(cond)).scalar_one())
            for name, cond in queries.alert_conditions(day).items()
            if name in ("cover_expiring", "claims_missing")
        }


@pytest.fixture
def desk(sqlite_services: Services) -> Driver:
    driver = Driver(sqlite_services)
    driver.customer("C1", "100000")
    driver.customer("C2", "100000")
    driver.invoice("I1", "C1", "1000", days=30)
    return driver


def test_expiring_cover_needs_attention_while_there_is_exposure(desk: Driver) -> None:
    services = desk.services
    soon = _add(services, "C1", "insurance", "600", 20, cover_share="0.9", policy_number="P-1")
    _add(services, "C2", "guarantee", "500", 20)  # C2 owes nothing: no attention
    _add(services, "C1", "letter_of_credit", "100", 200)  # far from expiry
    attention = cover.attention(services.uow(), services.clock.today())
    assert [r["support_id"] for r in attention["cover_expiring"]] == [soon.support_id]
    assert _alerts(services)["cover_expiring"] == 1
    # Renewed: a new policy valid beyond the window takes it off the list.
    _add(services, "C1", "insurance", "600", 400, cover_share="0.9")
    assert cover.attention(services.uow(), services.clock.today())["cover_expiring"] == []
    with services.engine.connect() as conn:
        actions = conn.execute(select(t.audit_log.c.action).where(t.audit_log.c.action == "cover.added")).all()
    assert len(actions) == 4
    with pytest.raises(InvalidInput):
        _add(services, "C1", "insurance", "600", 20)  # no share
    with pytest.raises(Forbidden):
        cover.add_cover(
            cover.AddCover("C1", "guarantee", "X", Decimal(1), "EUR", services.clock.today(), "sam", Role.SALES),
            services.uow(),
            services.clock,
        )


def test_claims_for_a_defaulted_insured_customer(desk: Driver) -> None:
    services = desk.services
    policy = _add(services, "C1", "insurance", "600", 300, cover_share="0.9")
    with services.engine.begin() as conn:
        a = t.credit_accounts
        default_day = services.clock.today() - timedelta(days=5)
        conn.execute(update(a).where(a.c.customer_id == "C1").values(in_default_since=default_day))
    assert _alerts(services)["claims_missing"] == 1
    claim = cover.file_claim(
        cover.FileClaim(policy.support_id, "540", "ana", Role.ANALYST), services.uow(), services.clock
    )
    assert claim.status == "filed" and _alerts(services)["claims_missing"] == 0
    with pytest.raises(Forbidden):  # the outcome is a manager's
        cover.decide_claim(
            cover.DecideClaim(claim.claim_id, "paid", "ana", Role.ANALYST, "540"), services.uow(), services.clock
        )
    paid = cover.decide_claim(
        cover.DecideClaim(claim.claim_id, "paid", "boss", Role.MANAGER, "500"), services.uow(), services.clock
    )
    assert (paid.status, paid.paid_minor) == ("paid", 50000)
    with pytest.raises(Conflict):
        cover.decide_claim(
            cover.DecideClaim(claim.claim_id, "rejected", "boss", Role.MANAGER), services.uow(), services.clock
        )
    assert [c.claim_id for c in cover.claims_of(services.uow(), "C1")] == [claim.claim_id]


def test_the_ecl_report_reads_the_cover(desk: Driver) -> None:
    services = desk.services
    day = services.clock.today()
    [bare] = ecl_report(services.receivables().frames(day), day, 12, 1.0, 0.45, 0.05)
    _add(services, "C1", "guarantee", "1000", 300)  # all of C1's 1000 covered
    [net] = ecl_report(services.receivables().frames(day), day, 12, 1.0, 0.45, 0.05)
    assert Decimal(bare["pd_lgd_ead"]) == Decimal("1000") * Decimal("0.05") * Decimal("0.45")
    assert net["pd_lgd_ead"] == "0.00"
