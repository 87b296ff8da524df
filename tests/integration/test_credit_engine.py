"""The credit engine end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.accounts import SetGroupLimit, SetStanding, set_group_limit, set_standing
from creditdesk.service.audit import verify_audit_chain
from creditdesk.service.billing import FlagDispute, flag_dispute
from creditdesk.service.credit_check import what_if
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.policies import activate_check_policy
from tests.engine import Driver
from tests.helpers import write_csv


@pytest.fixture
def engine(services: Services) -> Driver:
    driver = Driver(services)
    driver.customer("C1", "1000")
    return driver


def test_order_lifecycle_reserve_deliver_post_pay(engine: Driver) -> None:
    first = engine.order("O1", "C1", "600")
    assert first.status == 201 and first.body["decision"] == "approved"
    assert first.body["available_after"] == "400.00"
    assert engine.totals("customer:C1")["reserved"] == 60000

    engine.deliver("D1", "O1", "250")
    assert engine.totals("customer:C1") == {"receivable": 0, "reserved": 35000, "delivered": 25000, "unapplied": 0}

    # Invoice 500 of the 600: the delivered part and 250 of the reservation are posted, 100 released.
    posted = engine.invoice("I1", "C1", "500", order_id="O1")
    assert posted.body["consumed_reservation"] == "500.00"
    assert engine.totals("customer:C1") == {"receivable": 50000, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert engine.order_row("O1")["status"] == "invoiced"

    paid = engine.pay("P1", "C1", "200")
    assert paid.body["allocations"] == [{"invoice_id": "I1", "amount": "200.00"}]
    over = engine.pay("P2", "C1", "350", invoice_id="I1")
    assert over.body["unapplied"] == "50.00"
    assert engine.totals("customer:C1") == {"receivable": 0, "reserved": 0, "delivered": 0, "unapplied": 5000}

    report = engine.reconcile()
    assert report.ok, report.as_json()
    assert engine.replay_bytes(engine.events()) == engine.state_bytes()
    with engine.services.read_uow() as uow:
        assert verify_audit_chain(uow) is None


def test_the_same_id_returns_the_stored_outcome_and_a_changed_body_is_refused(engine: Driver) -> None:
    blocked = engine.order("O1", "C1", "1500")
    assert blocked.status == 201 and blocked.body["decision"] == "blocked"
    assert [r["code"] for r in blocked.body["reasons"]] == ["OVER_LIMIT"]
    assert blocked.body["approvable_up_to"] == "1000.00"
    assert "needs 500.00 EUR more" in blocked.body["reasons"][0]["message"]
    # The limit is raised; the retry of the same order still gets the stored decision.
    with engine.services.engine.begin() as conn:
        conn.execute(t.credit_accounts.update().values(limit_minor=500000))
    again = engine.order("O1", "C1", "1500")
    assert again.status == 200 and again.replayed and again.body == blocked.body
    with pytest.raises(Conflict):
        engine.order("O1", "C1", "1499")
    assert engine.order("O2", "C1", "1500").body["decision"] == "approved"
    with pytest.raises(Conflict):
        engine.invoice("I1", "C1", "10") and engine.invoice("I1", "C1", "11")


def test_release_needs_authority_and_four_eyes(engine: Driver) -> None:
    policy = "name: strict\nrelease_authority: {analyst: {EUR: '100.00'}, manager: {EUR: '100000.00'}}\n"
    activate_check_policy("strict", policy, "admin", Role.ADMIN, engine.services.uow(), engine.clock)
    assert engine.order("O1", "C1", "800").body["decision"] == "approved"
    held = engine.order("O2", "C1", "300", actor="sales1")
    assert held.body["decision"] == "blocked" and held.body["policy_version"] == 1
    with pytest.raises(Forbidden):
        engine.resolve("O2", "sales1", Role.MANAGER)  # the submitter never releases their own order
    with pytest.raises(Forbidden):
        engine.resolve("O2", "viewer1", Role.SALES)
    pending = engine.resolve("O2", "analyst1", Role.ANALYST)  # 300 > the analyst's 100
    assert pending.status == 202 and pending.body["status"] == "release_pending"
    assert engine.totals("customer:C1")["reserved"] == 80000
    with pytest.raises(Forbidden):
        engine.resolve("O2", "analyst1", Role.ANALYST)  # the requester is not the second approver
    released = engine.resolve("O2", "manager1", Role.MANAGER)
    assert released.body["status"] == "open"
    assert released.body["resolution"]["requested_by"] == "analyst1"
    assert released.body["resolution"]["override"] == ["OVER_LIMIT"]
    # An override is a documented excess: exposure 1,100 over a limit of 1,000.
    assert engine.totals("customer:C1")["reserved"] == 110000
    assert engine.order("O3", "C1", "1").body["decision"] == "blocked"
    rejected_one = engine.order("O4", "C1", "5")
    engine.resolve("O4", "manager1", Role.MANAGER, release=False)
    assert engine.order_row("O4")["status"] == "rejected"
    assert engine.order("O4", "C1", "5").body == rejected_one.body  # stays as decided
    assert engine.reconcile().ok


def test_release_rechecks_and_approves_without_override_when_credit_freed(engine: Driver) -> None:
    engine.order("O1", "C1", "900")
    assert engine.order("O2", "C1", "300").body["decision"] == "blocked"
    engine.cancel("O1")
    released = engine.resolve("O2", "analyst1", Role.ANALYST)
    assert released.body["decision"] == "approved"
    assert "override" not in released.body["resolution"]


def test_blocked_account_cannot_be_released(engine: Driver) -> None:
    standing = SetStanding("C1", "manager1", Role.MANAGER, "fraud suspicion", status=AccountStatus.BLOCKED)
    set_standing(standing, engine.services.uow(), engine.clock)
    held = engine.order("O1", "C1", "10")
    assert [r["code"] for r in held.body["reasons"]] == ["CUSTOMER_BLOCKED"]
    with pytest.raises(Conflict):
        engine.resolve("O1", "admin1", Role.ADMIN)


def test_amend_cancel_reopen_and_expire(engine: Driver) -> None:
    engine.order("O1", "C1", "300", valid_until=engine.clock.today())
    assert engine.amend("A1", "O1", "700").body["amendment"] == "applied"
    refused = engine.amend("A2", "O1", "1000.01")
    assert refused.body["amendment"] == "refused" and refused.body["decision"] == "blocked"
    assert engine.totals("customer:C1")["reserved"] == 70000
    engine.amend("A3", "O1", "200")
    assert engine.totals("customer:C1")["reserved"] == 20000
    engine.order("O2", "C1", "100")
    engine.cancel("O2")
    assert engine.cancel("O2").replayed
    engine.move(1)  # O1's validity has passed: the next write on the account sweeps it
    engine.order("O3", "C1", "1000")
    assert engine.order_row("O1")["status"] == "expired"
    assert engine.totals("customer:C1")["reserved"] == 100000
    engine.cancel("O3")
    reopened = engine.order("O4", "C1", "100")  # room again
    assert reopened.body["decision"] == "approved"
    assert engine.reconcile().ok
    assert engine.replay_bytes(engine.events()) == engine.state_bytes()


def test_overdue_rules_follow_the_clock_and_payments(services: Services) -> None:
    engine = Driver(services)
    engine.customer("C1", "100000")
    policy = "checks: {default: {overdue_days: 10, overdue_share: '0.3', overdue_share_reaction: block}}\n"
    activate_check_policy("overdue", policy, "admin", Role.ADMIN, services.uow(), engine.clock)
    engine.invoice("I1", "C1", "400", days=5)
    engine.invoice("I2", "C1", "600", days=40)
    assert engine.order("O1", "C1", "1").body["decision"] == "approved"
    engine.move(12)  # I1 is 7 days overdue: 40 % of receivables
    blocked = engine.order("O2", "C1", "1")
    assert [r["code"] for r in blocked.body["reasons"]] == ["OVERDUE_SHARE"]
    engine.move(4)  # 11 days overdue now
    assert {r["code"] for r in engine.order("O3", "C1", "1").body["reasons"]} == {"OVERDUE", "OVERDUE_SHARE"}
    engine.pay("P1", "C1", "400")  # clears I1, oldest first
    assert engine.order("O4", "C1", "1").body["decision"] == "approved"
    decision = what_if("C1", Money.of("1", "EUR"), services.read_uow(), engine.clock)
    assert decision.outcome.value == "approved"


def test_a_disputed_item_leaves_the_overdue_rules(services: Services) -> None:
    engine = Driver(services)
    engine.customer("C1", "100000")
    policy = "checks: {default: {overdue_days: 10, overdue_share: '0.3', overdue_share_reaction: block}}\n"
    activate_check_policy("overdue", policy, "admin", Role.ADMIN, services.uow(), engine.clock)
    engine.invoice("I1", "C1", "400", days=5)
    engine.invoice("I2", "C1", "600", days=40)
    engine.move(20)  # I1 is 15 days overdue: 40 % of receivables
    assert {r["code"] for r in engine.order("O1", "C1", "1").body["reasons"]} == {"OVERDUE", "OVERDUE_SHARE"}
    dispute = FlagDispute("I1", True, "goods damaged", "analyst1")
    flag_dispute(dispute, services.uow(), engine.clock)
    assert engine.order("O2", "C1", "1").body["decision"] == "approved"
    assert engine.totals("customer:C1")["receivable"] == 100000  # still owed, only out of the rules
    flag_dispute(FlagDispute("I1", False, "credit note refused", "analyst1"), services.uow(), engine.clock)
    assert engine.order("O3", "C1", "1").body["decision"] == "blocked"
    with pytest.raises(NotFound):
        flag_dispute(FlagDispute("NOPE", True, "x", "a"), services.uow(), engine.clock)
    assert engine.reconcile().ok


def test_orders_in_another_currency_use_the_stored_rate(services: Services, tmp_path: object) -> None:
    engine = Driver(services)
    engine.customer("C1", "1000")
    rates = write_csv(
        tmp_path / "rates.csv",  # type: ignore[operator]
        "base_currency,quote_currency,rate_date,rate\nUSD,EUR,2026-03-01,0.9\nUSD,EUR,2026-03-30,0.925\n",
    )
    assert import_file("fx_rates", rates, services.engine, services.clock, role=Role.ADMIN).ok
    result = engine.order("O1", "C1", "1000", currency="USD")
    assert result.body["account_amount"] == "925.00" and result.body["fx_rate"] == "0.925"
    assert engine.order("O2", "C1", "81.09", currency="USD").body["decision"] == "blocked"  # 75.01 EUR
    with pytest.raises(InvalidInput):
        engine.order("O3", "C1", "1", currency="GBP")
    with services.engine.connect() as conn:
        entry = conn.execute(
            select(
                t.ledger_entries.c.source_minor, t.ledger_entries.c.source_currency, t.ledger_entries.c.fx_rate
            ).where(t.ledger_entries.c.ref_id == "O1")
        ).one()
    assert tuple(entry) == (100000, "USD", "0.925")


def test_pooled_group_limit(services: Services) -> None:
    engine = Driver(services)
    engine.customer("A", "1000", group_id="G")
    engine.customer("B", "1000", group_id="G")
    engine.order("OA", "A", "700")
    set_group_limit(
        SetGroupLimit("G", Money.of("1200", "EUR"), "pooled", "admin", Role.ADMIN), services.uow(), engine.clock
    )
    assert engine.totals("group:G")["reserved"] == 70000  # opened with its members' exposure
    blocked = engine.order("OB", "B", "600")
    assert [r["code"] for r in blocked.body["reasons"]] == ["GROUP_OVER_LIMIT"]
    assert blocked.body["approvable_up_to"] == "500.00"
    assert engine.order("OB2", "B", "500").body["decision"] == "approved"
    engine.invoice("IB", "B", "500", order_id="OB2")
    engine.pay("PB", "B", "500")
    assert engine.totals("group:G") == {"receivable": 0, "reserved": 70000, "delivered": 0, "unapplied": 0}
    assert engine.reconcile().ok
    assert engine.replay_bytes(engine.events()) == engine.state_bytes()


def test_imports_book_the_ledger(services: Services, tmp_path: object) -> None:
    engine = Driver(services)
    engine.customer("C1", "1000")
    orders = write_csv(
        tmp_path / "orders.csv",  # type: ignore[operator]
        "order_id,customer_id,order_date,amount,currency,status\nX1,C1,2026-03-01,100,EUR,open\nX2,C1,2026-03-01,5,EUR,cancelled\n",
    )
    invoices = write_csv(
        tmp_path / "invoices.csv",  # type: ignore[operator]
        "invoice_id,customer_id,invoice_date,due_date,amount,currency,order_id\nJ1,C1,2026-03-02,2026-04-01,80,EUR,X1\n",
    )
    assert import_file("orders", orders, services.engine, services.clock, role=Role.ADMIN).ok
    assert engine.totals("customer:C1")["reserved"] == 10000
    assert import_file("invoices", invoices, services.engine, services.clock, role=Role.ADMIN).ok
    assert engine.totals("customer:C1") == {"receivable": 8000, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert engine.reconcile().ok
    assert engine.replay_bytes(engine.events()) == engine.state_bytes()


def test_replay_with_duplicates_and_reordering_rebuilds_the_same_bytes(services: Services) -> None:
    engine = Driver(services)
    rng = random.Random(7)
    for n in range(3):
        engine.customer(f"C{n}", "500", group_id="G" if n < 2 else None)
    set_group_limit(
        SetGroupLimit("G", Money.of("700", "EUR"), "pooled", "admin", Role.ADMIN), services.uow(), engine.clock
    )
    for step in range(60):
        cid = f"C{rng.randrange(3)}"
        action = rng.random()
        if action < 0.5:
            engine.order(f"O{step}", cid, str(rng.randint(1, 300)))
        elif action < 0.7:
            engine.invoice(f"I{step}", cid, str(rng.randint(1, 200)))
        elif action < 0.9:
            engine.pay(f"P{step}", cid, str(rng.randint(1, 200)))
        else:
            engine.move(1)
    events = engine.events()
    shuffled = events + rng.sample(events, len(events) // 3)
    rng.shuffle(shuffled)
    assert engine.replay_bytes(shuffled) == engine.state_bytes()
    # And the replay is not trivially equal: dropping one posting event changes the bytes.
    with_postings = [e for e in events if e.payload["postings"]]
    assert engine.replay_bytes([e for e in shuffled if e != with_postings[0]]) != engine.state_bytes()
    with services.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.outbox)).scalar_one() == len(events)
