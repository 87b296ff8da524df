"""Disputes as cases on a real database: a part disputed leaves the overdue rules and dunning, the
rest stays; resolution by credit note posts the ledger; rejection returns the part."""

from __future__ import annotations

import json
import re
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import jsonschema
import pytest
from sqlalchemy import select

from creditdesk.adapters.db import tables as t
from creditdesk.bootstrap import Services
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.api.app import create_app
from creditdesk.service import disputes
from creditdesk.service.audit import verify_audit_chain
from creditdesk.service.auth import add_user, create_token
from creditdesk.service.collections import positions, run_dunning
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput
from tests.engine import Driver

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _overdue(services: Services, customer_id: str) -> int:
    with services.uow() as uow:
        state = uow.credit_accounts.account(customer_id, services.clock.today(), lock=False)
    assert state is not None
    return state.overdue


def _invoice(services: Services, invoice_id: str) -> dict[str, object]:
    i = t.invoices
    with services.engine.connect() as conn:
        row = conn.execute(select(i.c.open_minor, i.c.disputed_minor, i.c.disputed).where(i.c.invoice_id == invoice_id))
        return dict(row.mappings().one())


def _open(services: Services, invoice_id: str, amount: str | None, **kw: object) -> disputes.DisputeCase:
    cmd = disputes.OpenDispute(
        invoice_id, str(kw.pop("reason", "quality")), "ana", Role.ANALYST, Decimal(amount) if amount else None, **kw
    )  # type: ignore[arg-type]
    return disputes.open_dispute(cmd, services.uow(), services.clock)


def _resolve(services: Services, dispute_id: str, outcome: str) -> disputes.DisputeCase:
    cmd = disputes.ResolveDispute(dispute_id, outcome, "ana", Role.ANALYST, "checked")
    return disputes.resolve_dispute(cmd, services.uow(), services.clock)


def _desk(services: Services) -> Driver:
    driver = Driver(services)
    driver.customer("C1", "100000")
    driver.invoice("I1", "C1", "1000", days=5)
    driver.move(40)  # I1 is 35 days past due
    return driver


@pytest.fixture
def desk(sqlite_services: Services) -> Driver:
    return _desk(sqlite_services)


@pytest.fixture
def both(services: Services) -> Driver:
    """SQLite and PostgreSQL: the check's SQL and the flag kept by payments on both."""
    return _desk(services)


def test_a_part_disputed_keeps_the_rest_in_dunning_and_the_check(both: Driver) -> None:
    services = both.services
    assert _overdue(services, "C1") == 100000
    case = _open(services, "I1", "400", comment="ten boxes broken")
    assert (case.status, case.amount_minor, case.owner) == ("open", 40000, "ana")
    assert _invoice(services, "I1") == {"open_minor": 100000, "disputed_minor": 40000, "disputed": False}
    assert _overdue(services, "C1") == 60000  # only the undisputed part is overdue for the check
    day = services.clock.today()
    frames = services.receivables().frames(day)
    assert positions(frames, day)["C1"].overdue_minor == 60000
    before = day - timedelta(days=1)  # point in time: the day before, the case was not open yet
    assert positions(services.receivables().frames(before), before)["C1"].overdue_minor == 100000
    run = run_dunning(positions(frames, day), services.uow, services.clock, day)
    assert [(c["customer_id"], c["after"] > 0) for c in run.changes] == [("C1", True)]  # dunned for the rest
    # More than the undisputed part is refused; the rest may be disputed too.
    with pytest.raises(InvalidInput):
        _open(services, "I1", "600.01")
    whole = _open(services, "I1", None, reason="price")
    assert whole.amount_minor == 60000 and _invoice(services, "I1")["disputed"] is True
    assert _overdue(services, "C1") == 0
    frames = services.receivables().frames(day)
    assert "C1" not in positions(frames, day)  # all of it disputed: nothing to dun
    with pytest.raises(Conflict):
        _open(services, "I1", "1")
    with pytest.raises(Forbidden):
        disputes.open_dispute(disputes.OpenDispute("I1", "price", "sam", Role.SALES), services.uow(), services.clock)


def test_resolved_by_credit_note_posts_the_ledger_and_rejection_returns_the_part(both: Driver) -> None:
    desk = both
    services = desk.services
    credited = _open(services, "I1", "400")
    rejected = _open(services, "I1", "100", reason="delivery")
    assert _overdue(services, "C1") == 50000
    before = desk.totals("customer:C1")["receivable"]
    done = _resolve(services, credited.dispute_id, "credited")
    assert done.status == "resolved_credited" and done.credit_note_id == f"CN-{credited.dispute_id}"
    assert desk.totals("customer:C1")["receivable"] == before - 40000
    assert _invoice(services, "I1") == {"open_minor": 60000, "disputed_minor": 10000, "disputed": False}
    assert _overdue(services, "C1") == 50000  # the credited part never came back as overdue
    with services.engine.connect() as conn:
        note = conn.execute(select(t.payments).where(t.payments.c.payment_id == done.credit_note_id)).mappings().one()
    assert (note["kind"], note["amount_minor"], note["invoice_id"]) == ("credit_note", 40000, "I1")
    assert desk.reconcile().ok
    with pytest.raises(Conflict):
        _resolve(services, credited.dispute_id, "rejected")
    # Rejected: the part is back in the overdue rules (and the check's figure).
    _resolve(services, rejected.dispute_id, "rejected")
    assert _invoice(services, "I1")["disputed_minor"] == 0
    assert _overdue(services, "C1") == 60000
    assert desk.reconcile().ok
    events = [e for e in desk.events() if e.type.startswith("dispute.")]
    assert [e.type for e in events].count("dispute.opened") == 2 and len(events) == 4
    for event in events:  # as published: docs/events/dispute.*.schema.json
        schema = json.loads((DOCS / "events" / f"{event.type}.schema.json").read_text())
        jsonschema.validate(event.payload, schema)
    with services.read_uow() as uow:
        assert verify_audit_chain(uow) is None


def test_the_worklist_orders_by_age_and_by_amount(desk: Driver) -> None:
    services = desk.services
    desk.invoice("I2", "C1", "1000", days=5)
    old_small = _open(services, "I1", "50")
    desk.move(3)
    young_large = _open(services, "I2", "700")
    same_day_small = _open(services, "I2", "20")
    by_age = disputes.worklist(services.uow(), services.clock.today())
    assert [r["dispute_id"] for r in by_age] == [
        old_small.dispute_id,
        young_large.dispute_id,
        same_day_small.dispute_id,
    ]
    assert by_age[0]["age_days"] == 3
    by_amount = disputes.worklist(services.uow(), services.clock.today(), sort="amount")
    assert [r["amount"] for r in by_amount] == ["700.00", "50.00", "20.00"]
    _resolve(services, old_small.dispute_id, "rejected")
    assert len(disputes.worklist(services.uow(), services.clock.today())) == 2
    done = disputes.worklist(services.uow(), services.clock.today(), status="resolved_rejected")
    assert [r["dispute_id"] for r in done] == [old_small.dispute_id]


def test_the_old_whole_invoice_flag_opens_and_rejects_cases(desk: Driver) -> None:
    services = desk.services
    flag = disputes.FlagWhole("I1", True, "goods damaged", "ana", Role.ANALYST)
    assert disputes.flag_whole(flag, services.uow(), services.clock).disputed is True
    assert _overdue(services, "C1") == 0
    [case] = disputes.worklist(services.uow(), services.clock.today())
    assert (case["reason_code"], case["amount"]) == ("other", "1000.00")
    unflag = disputes.FlagWhole("I1", False, "credit note refused", "ana", Role.ANALYST)
    disputes.flag_whole(unflag, services.uow(), services.clock)
    assert _overdue(services, "C1") == 100000
    assert disputes.worklist(services.uow(), services.clock.today()) == []


def _client(services: Services) -> httpx.Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(create_app(services), raise_server_exceptions=False)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_over_the_api_and_in_the_browser(desk: Driver) -> None:
    services = desk.services
    add_user("ann", "correct horse", Role.ANALYST, services.uow(), services.hasher, "admin")
    token = create_token("ann-api", services.uow(), services.clock, "admin", user="ann")
    ann = {"Authorization": f"Bearer {token}"}
    with _client(services) as api:
        made = api.post(
            "/api/v1/disputes", json={"invoice_id": "I1", "reason_code": "price", "amount": "250"}, headers=ann
        )
        assert made.status_code == 201, made.text
        case = made.json()
        assert (case["amount"], case["status"], case["owner"]) == ("250.00", "open", "ann")
        too_much = api.post(
            "/api/v1/disputes", json={"invoice_id": "I1", "reason_code": "price", "amount": "751"}, headers=ann
        )
        assert too_much.status_code == 422 and too_much.headers["content-type"].startswith("application/problem+json")
        unknown = api.post("/api/v1/disputes", json={"invoice_id": "I1", "reason_code": "mood"}, headers=ann)
        assert unknown.status_code == 422
        listed = api.get("/api/v1/disputes", params={"sort": "amount"}, headers=ann).json()
        assert [d["dispute_id"] for d in listed["disputes"]] == [case["dispute_id"]]
        assert api.get("/api/v1/disputes", params={"sort": "size"}, headers=ann).status_code == 422
        commented = api.post(
            f"/api/v1/disputes/{case['dispute_id']}/comments", json={"body": "photos sent"}, headers=ann
        )
        assert commented.status_code == 200
        shown = api.get(f"/api/v1/disputes/{case['dispute_id']}", headers=ann).json()
        assert [c["body"] for c in shown["comments"]] == ["photos sent"]
        done = api.post(f"/api/v1/disputes/{case['dispute_id']}/resolve", json={"outcome": "credited"}, headers=ann)
        assert done.status_code == 200 and done.json()["credit_note_id"] == f"CN-{case['dispute_id']}"
        assert (
            api.put(
                "/api/v1/invoices/I1/dispute", json={"disputed": True, "reason": "all of it"}, headers=ann
            ).status_code
            == 200
        )
        assert _overdue(services, "C1") == 0
    web = _client(services)
    with web:
        form = web.get("/login")
        signed = web.post(
            "/login",
            data={"username": "ann", "password": "correct horse", "csrf": _csrf(form.text), "next": "/"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        page = web.get("/disputes")
        assert page.status_code == 200 and 'id="nav-disputes"' in page.text and "I1" in page.text
        [open_case] = disputes.worklist(services.uow(), services.clock.today())
        rejected = web.post(
            f"/disputes/{open_case['dispute_id']}/rejected", data={"csrf": _csrf(page.text)}, follow_redirects=False
        )
        assert rejected.status_code == 303
        customer = web.get("/customers/C1")
        assert (
            customer.status_code == 200 and 'id="dispute-form"' in customer.text and 'id="cover-form"' in customer.text
        )
        opened = web.post(
            "/disputes/open?back=/customers/C1",
            data={"csrf": _csrf(customer.text), "invoice_id": "I1", "reason_code": "quantity", "amount": "100"},
            follow_redirects=False,
        )
        assert opened.status_code == 303 and opened.headers["location"] == "/customers/C1"
        page = web.get("/customers/C1")
        insured = web.post(
            "/customers/C1/cover",
            data={
                "csrf": _csrf(page.text),
                "kind": "insurance",
                "provider": "Sinosure",
                "amount": "600",
                "currency": "EUR",
                "cover_share": "0.9",
                "valid_from": "2026-01-01",
                "valid_to": (services.clock.today() + timedelta(days=10)).isoformat(),
            },
            follow_redirects=False,
        )
        assert insured.status_code == 303
        shown = web.get("/customers/C1")
        assert 'id="cover-rows"' in shown.text and "Sinosure" in shown.text and 'id="claim-form"' in shown.text
        assert 'id="alert-cover_expiring"' in web.get("/").text
        assert _overdue(services, "C1") == 75000 - 10000
