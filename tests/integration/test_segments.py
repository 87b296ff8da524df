"""Company codes and credit segments (issue 20): a customer checked against its limit in one
company code and its total across them; documents, payments, imports and scopes keep both exact."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.company_codes import CompanyCode
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service import billing
from creditdesk.service.errors import Forbidden, InvalidInput
from creditdesk.service.segments import (
    AddCompanyCode,
    SetSegmentLimit,
    add_company_code,
    scope_user,
    set_segment_limit,
)
from tests.engine import Driver
from tests.helpers import app_client, write_csv


def company(services: Services, code: str, currency: str = "EUR") -> None:
    add_company_code(
        AddCompanyCode(CompanyCode(code, f"Seller {code}", currency), "admin", Role.ADMIN),
        services.uow(),
        services.clock,
    )


def segment_limit(services: Services, customer_id: str, code: str, amount: str, currency: str = "EUR") -> None:
    cmd = SetSegmentLimit(customer_id, code, Money.of(amount, currency), "segment", "admin", Role.ADMIN)
    set_segment_limit(cmd, services.uow(), services.clock)


@pytest.fixture
def engine(sqlite_services: Services) -> Driver:
    driver = Driver(sqlite_services)
    driver.customer("C1", "1000")
    company(sqlite_services, "DE01")
    company(sqlite_services, "CN01")
    return driver


def codes(answer_body: dict[str, object]) -> list[str]:
    return [str(r["code"]) for r in answer_body.get("reasons", [])]  # type: ignore[attr-defined]


def test_an_order_is_checked_against_its_segment_and_the_total(engine: Driver) -> None:
    services = engine.services
    # Exposure in DE01 before the segment opens is carried into it.
    assert engine.order("O0", "C1", "100", company_code="DE01").body["decision"] == "approved"
    segment_limit(services, "C1", "DE01", "400")
    segment_limit(services, "C1", "CN01", "900")
    assert engine.totals("segment:C1@DE01")["reserved"] == 10000
    assert engine.reconcile().ok

    over_segment = engine.order("O1", "C1", "350", company_code="DE01")
    assert over_segment.body["decision"] == "blocked"
    assert codes(over_segment.body) == ["SEGMENT_OVER_LIMIT"]
    within = engine.order("O2", "C1", "300", company_code="DE01")
    assert within.body["decision"] == "approved"
    # CN01's own 900 would take it, the total of 1,000 (400 used) does not.
    over_total = engine.order("O3", "C1", "700", company_code="CN01")
    assert codes(over_total.body) == ["OVER_LIMIT"]
    assert engine.order("O4", "C1", "600", company_code="CN01").body["decision"] == "approved"
    # A document of the one company (no code) counts against the total only.
    assert codes(engine.order("O5", "C1", "1", company_code=None).body) == ["OVER_LIMIT"]

    assert engine.totals("segment:C1@DE01")["reserved"] == 40000
    assert engine.totals("segment:C1@CN01")["reserved"] == 60000
    assert engine.totals("customer:C1")["reserved"] == 100000
    assert engine.reconcile().ok
    # The events carry the segments' postings, each as its documented schema says.
    schemas = Path(__file__).resolve().parents[2] / "docs" / "events"
    events = engine.events()
    assert "segment.limit_set" in {e.type for e in events}
    for event in events:
        jsonschema.validate(event.payload, json.loads((schemas / f"{event.type}.schema.json").read_text()))
    assert any(p["account_kind"] == "segment" for e in events for p in e.payload.get("postings", []))
    assert engine.replay_bytes(events) == engine.state_bytes()  # the events rebuild the segments too


def test_invoices_and_payments_move_their_company_codes_segment_only(engine: Driver) -> None:
    services = engine.services
    segment_limit(services, "C1", "DE01", "500")
    segment_limit(services, "C1", "CN01", "500")
    engine.order("O1", "C1", "300", company_code="DE01")
    engine.order("O2", "C1", "200", company_code="CN01")
    # The invoice of an order is in the order's company code without naming it.
    engine.invoice("I1", "C1", "300", order_id="O1")
    engine.invoice("I2", "C1", "200", order_id="O2")
    assert engine.totals("segment:C1@DE01") == {"receivable": 30000, "reserved": 0, "delivered": 0, "unapplied": 0}
    naming_another = Invoice(
        "I3", "C1", engine.clock.today(), engine.clock.today(), Money.of("5", "EUR"), "O2", False, "DE01"
    )
    with pytest.raises(InvalidInput, match="company code"):
        billing.post_invoice(billing.PostInvoice(naming_another, "a"), services.uow(), services.clock)

    # A payment in CN01 settles CN01's items only; what is left stays unapplied in CN01.
    paid = Payment("P1", "C1", engine.clock.today(), Money.of("250", "EUR"), company_code="CN01")
    result = billing.receive_payment(billing.ReceivePayment(paid, "a"), services.uow(), services.clock)
    assert [a.invoice_id for a in result.allocations] == ["I2"]  # type: ignore[union-attr]
    assert engine.totals("segment:C1@CN01") == {"receivable": 0, "reserved": 0, "delivered": 0, "unapplied": 5000}
    assert engine.totals("segment:C1@DE01")["receivable"] == 30000
    # Paying an invoice takes its company code.
    by_invoice = Payment("P2", "C1", engine.clock.today(), Money.of("100", "EUR"), invoice_id="I1")
    billing.receive_payment(billing.ReceivePayment(by_invoice, "a"), services.uow(), services.clock)
    assert engine.totals("segment:C1@DE01")["receivable"] == 20000
    assert engine.reconcile().ok


def test_unknown_company_codes_and_scoped_users_are_refused(engine: Driver) -> None:
    services = engine.services
    with pytest.raises(InvalidInput, match="company code 'XX99' does not exist"):
        engine.order("O1", "C1", "10", company_code="XX99")
    with services.uow() as uow:
        uow.users.add("de-clerk", "-", Role.SALES.value, "en")
        uow.users.add("anyone", "-", Role.SALES.value, "en")
        uow.users.set_company_codes("de-clerk", ("DE01",))
        uow.commit()
    assert engine.order("O2", "C1", "10", company_code="DE01", actor="de-clerk").body["decision"] == "approved"
    with pytest.raises(Forbidden, match="company codes DE01 only"):
        engine.order("O3", "C1", "10", company_code="CN01", actor="de-clerk")
    with pytest.raises(Forbidden, match="default company"):
        engine.order("O4", "C1", "10", actor="de-clerk")
    # The negative control: an unscoped user may act for any company code.
    assert engine.order("O5", "C1", "10", company_code="CN01", actor="anyone").body["decision"] == "approved"
    with pytest.raises(Forbidden):
        segment = SetSegmentLimit("C1", "CN01", Money.of("10", "EUR"), "x", "de-clerk", Role.MANAGER)
        set_segment_limit(segment, services.uow(), services.clock)
    assert engine.reconcile().ok


def test_imported_orders_move_their_segments(engine: Driver, tmp_path: Path) -> None:
    services = engine.services
    segment_limit(services, "C1", "DE01", "800")
    path = write_csv(
        tmp_path / "orders.csv",
        """
order_id,customer_id,order_date,amount,currency,company_code
IO1,C1,2026-03-01,120,EUR,DE01
IO2,C1,2026-03-01,80,EUR,CN01
IO3,C1,2026-03-01,5,EUR,
""",
    )
    report = import_file("orders", path, services.engine, services.clock, role=Role.ADMIN)
    assert report.ok, report
    assert engine.totals("segment:C1@DE01")["reserved"] == 12000
    assert engine.totals("customer:C1")["reserved"] == 20500
    assert engine.reconcile().ok

    bad = write_csv(
        tmp_path / "bad.csv",
        "order_id,customer_id,order_date,amount,currency,company_code\nIO9,C1,2026-03-01,1,EUR,NOPE\n",
    )
    refused = import_file("orders", bad, services.engine, services.clock, role=Role.ADMIN)
    assert not refused.ok
    assert [p.code for p in refused.problems] == ["UNKNOWN_COMPANY_CODE"]


def test_reports_filter_by_company_code(engine: Driver) -> None:
    from creditdesk.entrypoints.report_rows import report_rows

    services = engine.services
    engine.order("O1", "C1", "300", company_code="DE01")
    engine.order("O2", "C1", "200", company_code="CN01")
    engine.invoice("I1", "C1", "300", order_id="O1")
    engine.invoice("I2", "C1", "200", order_id="O2")
    engine.invoice("I3", "C1", "50")
    day = engine.clock.today()
    every = report_rows(services, "aging", day)
    de = report_rows(services, "aging", day, company_code="DE01")
    cn = report_rows(services, "aging", day, company_code="CN01")
    assert [r["total"] for r in (every[0], de[0], cn[0])] == ["550.00", "300.00", "200.00"]


def test_over_the_api_and_on_the_customer_page(engine: Driver) -> None:
    services = engine.services
    with app_client(services, Role.ADMIN) as api:
        made = api.post("/api/v1/company-codes", json={"code": "US01", "name": "Acme Inc", "currency": "EUR"})
        assert made.status_code == 201, made.text
        assert (
            api.post("/api/v1/company-codes", json={"code": "US01", "name": "x", "currency": "EUR"}).status_code == 409
        )
        assert api.post("/api/v1/company-codes", json={"code": "us", "name": "x", "currency": "EUR"}).status_code == 422
        body = {"amount": "200.00", "currency": "EUR", "reason": "US sales"}
        put = api.put("/api/v1/customers/C1/segments/US01/credit-limit", json=body)
        assert put.status_code == 200, put.text
        assert put.json()["credit_limit"] == "200.00" and put.json()["available"] == "200.00"
        order = {"order_id": "W1", "customer_id": "C1", "amount": "250.00", "currency": "EUR", "company_code": "US01"}
        held = api.post("/api/v1/orders", json=order)
        assert held.json()["decision"] == "blocked" and held.json()["company_code"] == "US01"
        assert [r["code"] for r in held.json()["reasons"]] == ["SEGMENT_OVER_LIMIT"]
        check = api.post("/api/v1/checks", json={"customer_id": "C1", "amount": "150", "currency": "EUR",
                                                 "company_code": "US01"})  # fmt: skip
        assert check.json()["decision"] == "approved", check.text
        unknown = api.post("/api/v1/orders", json={**order, "order_id": "W2", "company_code": "ZZ01"})
        assert unknown.status_code == 422 and "UNKNOWN_COMPANY_CODE" in unknown.text
        segments = api.get("/api/v1/customers/C1/segments").json()
        assert segments["total_limit"] == "1000.00" and segments["segments"][0]["company_code"] == "US01"
        page = api.get("/customers/C1")
        assert page.status_code == 200
        assert "Credit segments by company code" in page.text
        assert '<code>US01</code> <span translate="no">Acme Inc</span>' in page.text
        engine.invoice("W3", "C1", "80", company_code="US01")
        engine.invoice("W4", "C1", "30")
        report = api.get("/api/v1/reports/aging?company_code=US01")
        assert report.status_code == 200, report.text
        assert [row["total"] for row in report.json()["rows"]] == ["80.00"]
        assert api.get("/api/v1/reports/aging?company_code=bad").status_code == 422
    with app_client(services, Role.SALES, "seller") as api:
        asked = api.put("/api/v1/customers/C1/segments/US01/credit-limit", json=body)
        assert asked.status_code == 202 and asked.json()["status"] == "pending"  # sales asks
    with app_client(services, Role.VIEWER, "watcher") as api:
        assert api.put("/api/v1/customers/C1/segments/US01/credit-limit", json=body).status_code == 403


def test_the_dashboard_filters_by_company_code(engine: Driver) -> None:
    services = engine.services
    engine.customer("C2", "500")
    segment_limit(services, "C1", "DE01", "400")
    engine.order("O1", "C1", "150", company_code="DE01")
    engine.order("O2", "C1", "90", company_code="CN01")
    engine.order("O3", "C2", "60")
    with app_client(services, Role.VIEWER) as web:
        whole = web.get("/")
        scoped = web.get("/?company_code=DE01")
    assert whole.status_code == scoped.status_code == 200
    assert 'id="company-form"' in whole.text and 'id="company-scope"' not in whole.text
    assert 'id="company-scope"' in scoped.text
    # DE01: one customer with a segment, its limit there and its exposure there.
    assert '<strong id="kpi-customers-EUR">1</strong>' in scoped.text
    assert '<strong id="kpi-customers-EUR">2</strong>' in whole.text
    assert "400.00" in scoped.text.split('id="kpi-limit-EUR">')[1].split("<")[0]
    assert "150.00" in scoped.text.split('id="kpi-exposure-EUR">')[1].split("<")[0]
    assert "300.00" in whole.text.split('id="kpi-exposure-EUR">')[1].split("<")[0]


def test_an_admin_scopes_a_user_on_the_admin_page(engine: Driver) -> None:
    services = engine.services
    with services.uow() as uow:
        uow.users.add("carl", "-", Role.SALES.value, "en")
        uow.commit()
    with app_client(services, Role.ADMIN) as web:
        page = web.get("/admin")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        saved = web.post("/admin/users/company-codes", data={"csrf": csrf, "username": "carl", "company_codes": "DE01"})
        assert saved.status_code == 200 and 'id="admin-scope-saved"' in saved.text
        unknown = web.post("/admin/users/company-codes", data={"csrf": csrf, "username": "carl", "company_codes": "ZZ"})
        assert unknown.status_code == 422 and "ZZ" in unknown.text
    with services.read_uow() as uow:
        carl = uow.users.get("carl")
    assert carl is not None and carl.company_codes == ("DE01",)
    with pytest.raises(Forbidden):  # the service layer's own check, whichever door
        scope_user("carl", None, services.uow(), "mgr", Role.MANAGER)


def test_imported_invoices_and_payments_move_their_segments(engine: Driver, tmp_path: Path) -> None:
    services = engine.services
    segment_limit(services, "C1", "DE01", "800")
    segment_limit(services, "C1", "CN01", "800")
    files = {
        "orders": "order_id,customer_id,order_date,amount,currency,company_code\nJO1,C1,2026-03-01,100,EUR,DE01\n",
        # JI1 bills JO1 without naming its company code: it takes the order's, as over the API.
        "invoices": "invoice_id,customer_id,invoice_date,due_date,amount,currency,order_id,company_code\n"
        "JI1,C1,2026-03-01,2026-03-31,100,EUR,JO1,\nJI2,C1,2026-03-01,2026-03-31,70,EUR,,CN01\n"
        "JI3,C1,2026-03-01,2026-03-31,20,EUR,,\n",
        "payments": "payment_id,customer_id,payment_date,amount,currency,invoice_id,company_code\n"
        "JP1,C1,2026-03-05,50,EUR,,CN01\nJP2,C1,2026-03-05,30,EUR,JI1,\n",
    }
    for kind, text in files.items():
        report = import_file(kind, write_csv(tmp_path / f"{kind}.csv", text), services.engine, services.clock)
        assert report.ok, report.errors
    assert engine.totals("segment:C1@DE01") == {"receivable": 7000, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert engine.totals("segment:C1@CN01") == {"receivable": 2000, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert engine.totals("customer:C1")["receivable"] == 11000  # JI3 (the one company's) is not paid
    assert engine.reconcile().ok, engine.reconcile().as_json()
    for kind in ("invoices", "payments"):  # the same files again: nothing changes, nothing conflicts
        again = import_file(kind, tmp_path / f"{kind}.csv", services.engine, services.clock)
        assert again.ok, again.errors
    assert engine.reconcile().ok
    wrong = write_csv(
        tmp_path / "wrong.csv",
        "payment_id,customer_id,payment_date,amount,currency,invoice_id,company_code\nJP9,C1,2026-03-05,1,EUR,JI2,DE01\n",
    )
    refused = import_file("payments", wrong, services.engine, services.clock)
    assert [p.code for p in refused.problems] == ["COMPANY_CODE_MISMATCH"]
    other = write_csv(
        tmp_path / "other.csv",
        "invoice_id,customer_id,invoice_date,due_date,amount,currency,order_id,company_code\n"
        "JI9,C1,2026-03-01,2026-03-31,1,EUR,JO1,CN01\n",
    )
    refused = import_file("invoices", other, services.engine, services.clock)
    assert [p.code for p in refused.problems] == ["COMPANY_CODE_MISMATCH"]


def test_a_segment_limit_beyond_authority_is_a_request_decided_by_four_eyes(engine: Driver) -> None:
    from creditdesk.service.limits import DecideRequest, decide_request

    services = engine.services
    with services.uow() as uow:
        for name, role in (("sam", Role.SALES), ("ann", Role.ANALYST), ("meg", Role.MANAGER)):
            uow.users.add(name, "-", role.value, "en")
        uow.commit()
    asked = set_segment_limit(
        SetSegmentLimit("C1", "DE01", Money.of("300", "EUR"), "new DE business", "sam", Role.SALES),
        services.uow(),
        services.clock,
    )
    assert not asked.applied and asked.request is not None and asked.request.company_code == "DE01"
    with services.read_uow() as uow:
        assert uow.segments.segments_of("C1") == []  # nothing applied yet
    with pytest.raises(Forbidden, match="four eyes"):
        decide_request(DecideRequest(asked.request.request_id, True, "sam", Role.ADMIN), services.uow(), services.clock)
    decided = decide_request(
        DecideRequest(asked.request.request_id, True, "meg", Role.ADMIN), services.uow(), services.clock
    )
    assert decided.status.value == "approved"
    with services.read_uow() as uow:
        [segment] = uow.segments.segments_of("C1")
        history = uow.limits.for_customer("C1")
    assert segment.limit == Money.of("300", "EUR")
    assert history[0].company_code == "DE01" and history[0].request_id == asked.request.request_id
    with app_client(services, Role.SALES, "sam") as api:
        body = {"amount": "350.00", "currency": "EUR", "reason": "more"}
        waiting = api.put("/api/v1/customers/C1/segments/DE01/credit-limit", json=body)
        assert waiting.status_code == 202 and waiting.json()["company_code"] == "DE01"
    assert engine.reconcile().ok


def test_with_the_nightly_batch_on_the_dashboard_says_when_its_figures_were_added_up(engine: Driver) -> None:
    """A book that needs the batch: the page answers at once, first saying that the totals are
    being added up (and refreshing itself), then with them and when they were added up; the
    company code's figures are their own snapshot."""
    import time

    services = engine.services
    segment_limit(services, "C1", "DE01", "400")
    engine.order("O1", "C1", "150", company_code="DE01")
    services.settings.batch_engine = "local"  # type: ignore[assignment]
    with app_client(services, Role.VIEWER) as web:
        first = web.get("/?company_code=DE01")
        assert first.status_code == 200
        assert 'id="figures-pending"' in first.text and 'http-equiv="refresh"' in first.text
        assert 'id="kpi-customers-EUR"' not in first.text
        deadline = time.monotonic() + 60
        page = first
        while 'id="figures-as-of"' not in page.text and time.monotonic() < deadline:
            time.sleep(0.1)
            page = web.get("/?company_code=DE01")
        assert 'id="figures-as-of"' in page.text and 'id="figures-pending"' not in page.text
        assert '<strong id="kpi-customers-EUR">1</strong>' in page.text
        assert "150.00" in page.text.split('id="kpi-exposure-EUR">')[1].split("<")[0]
        whole = web.get("/")
        assert 'id="figures-pending"' in whole.text  # the whole book is another snapshot
