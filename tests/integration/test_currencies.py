"""Documents in any currency, revaluation at month-end rates (docs/currencies.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.documents import Invoice, Payment
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service import billing
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.errors import Forbidden, InvalidInput
from creditdesk.service.revaluation import revalue
from tests.engine import Driver
from tests.helpers import write_csv

# EUR -> CNY: the invoice's day, the payment's day, the month-end.
RATES = [
    ("EUR", "CNY", date(2026, 6, 1), "7.8123"),
    ("EUR", "CNY", date(2026, 7, 3), "7.85"),
    ("EUR", "CNY", date(2026, 7, 31), "7.9031"),
]


def cny(amount: str, rate: str) -> int:
    """The hand computation: EUR amount x rate, rounded once half-even to fen."""
    return int((Decimal(amount) * Decimal(rate) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@pytest.fixture
def desk(sqlite_services: Services) -> Driver:
    services = sqlite_services
    with services.engine.begin() as conn:
        conn.execute(
            insert(t.fx_rates),
            [{"base_currency": b, "quote_currency": q, "rate_date": d, "rate": r} for b, q, d, r in RATES],
        )
    driver = Driver(services, currency="CNY")
    driver.clock.at = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
    driver.customer("C1", "1000000", group_id="G")
    set_group_limit(
        SetGroupLimit("G", Money.of("5000000", "CNY"), "pooled", "admin", Role.ADMIN), services.uow(), driver.clock
    )
    return driver


def invoice(desk: Driver, invoice_id: str, amount: str, currency: str = "EUR", on: date | None = None) -> Any:
    day = on or desk.clock.today()
    doc = Invoice(invoice_id, "C1", day, day + timedelta(days=30), Money.of(amount, currency))
    return desk._run(billing.post_invoice, billing.PostInvoice(doc, "billing"))


def pay(desk: Driver, payment_id: str, amount: str, invoice_id: str | None, currency: str = "EUR") -> Any:
    doc = Payment(payment_id, "C1", desk.clock.today(), Money.of(amount, currency), invoice_id)
    return desk._run(billing.receive_payment, billing.ReceivePayment(doc, "cash"))


def row(desk: Driver, table: Any, **where: Any) -> dict[str, Any]:
    with desk.services.engine.connect() as conn:
        query = select(table).where(*[table.c[k] == v for k, v in where.items()])
        return dict(conn.execute(query).mappings().one())


def entries(desk: Driver, ref_id: str) -> list[dict[str, Any]]:
    le = t.ledger_entries
    with desk.services.engine.connect() as conn:
        rows = conn.execute(select(le).where(le.c.ref_id == ref_id).order_by(le.c.entry_id)).mappings()
        return [dict(r) for r in rows]


def test_a_eur_invoice_is_booked_at_its_days_rate_and_a_eur_payment_settles_it(desk: Driver) -> None:
    booked = cny("1234.56", "7.8123")  # 9644.75... -> 964476 fen
    answer = invoice(desk, "I1", "1234.56")
    assert answer.status == 201, answer.body
    assert answer.body["amount"] == f"{Decimal(booked) / 100:.2f}" and answer.body["currency"] == "CNY"
    inv = row(desk, t.invoices, invoice_id="I1")
    assert (inv["amount_minor"], inv["currency"], inv["open_minor"]) == (booked, "CNY", booked)
    assert (inv["doc_amount_minor"], inv["doc_currency"], inv["doc_open_minor"], inv["fx_rate"]) == (
        123456,
        "EUR",
        123456,
        "7.8123",
    )
    customer, group = entries(desk, "I1")
    assert (customer["receivable_delta"], customer["source_minor"], customer["source_currency"]) == (
        booked,
        123456,
        "EUR",
    )
    assert customer["fx_rate"] == "7.8123" and customer["kind"] == "post"
    assert (group["account_kind"], group["receivable_delta"]) == ("group", booked)
    assert desk.totals("customer:C1")["receivable"] == booked
    assert desk.totals("group:G")["receivable"] == booked

    # The same request again is the stored outcome; another currency under the same id a conflict.
    assert invoice(desk, "I1", "1234.56").status == 200
    with pytest.raises(Exception, match="different request"):
        invoice(desk, "I1", "1234.56", currency="USD")

    # Paid in EUR three days later at 7.85: the document closes exactly, the gain is realised.
    desk.move(3)
    paid = pay(desk, "P1", "1234.56", "I1")
    assert paid.status == 201, paid.body
    inv = row(desk, t.invoices, invoice_id="I1")
    assert (inv["open_minor"], inv["doc_open_minor"]) == (0, 0)
    received = cny("1234.56", "7.85")
    payment = row(desk, t.payments, payment_id="P1")
    assert (payment["amount_minor"], payment["currency"], payment["unapplied_minor"]) == (received, "CNY", 0)
    assert (payment["doc_amount_minor"], payment["doc_currency"], payment["fx_rate"]) == (123456, "EUR", "7.85")
    kinds = {(e["account_kind"], e["kind"]): e for e in entries(desk, "P1")}
    assert kinds[("customer", "payment")]["receivable_delta"] == -booked
    difference = kinds[("customer", "fx_difference")]
    assert difference["source_minor"] == received - booked and difference["source_currency"] == "CNY"
    assert difference["receivable_delta"] == difference["unapplied_delta"] == 0
    assert desk.totals("customer:C1")["receivable"] == 0 and desk.totals("group:G")["receivable"] == 0
    assert desk.reconcile().ok, desk.reconcile().as_json()
    assert desk.replay_bytes(desk.events()) == desk.state_bytes()


def test_part_payments_close_the_document_exactly(desk: Driver) -> None:
    booked = cny("1000", "7.8123")
    invoice(desk, "I1", "1000")
    desk.move(3)
    pay(desk, "P1", "333.33", None)
    inv = row(desk, t.invoices, invoice_id="I1")
    assert inv["doc_open_minor"] == 66667
    carried_paid = booked - inv["open_minor"]
    assert carried_paid == booked * 33333 // 100000  # its share of the carried value, rounded down
    # A CNY payment on a EUR item lowers both open amounts in proportion.
    pay(desk, "P2", "1000", None, currency="CNY")
    inv = row(desk, t.invoices, invoice_id="I1")
    assert inv["open_minor"] == booked - carried_paid - 100000
    # The rest in EUR closes it, with a 0.01 EUR overpayment left on account at the day's rate.
    left = inv["doc_open_minor"]
    pay(desk, "P3", f"{Decimal(left + 1) / 100}", None)
    inv = row(desk, t.invoices, invoice_id="I1")
    assert (inv["open_minor"], inv["doc_open_minor"]) == (0, 0)
    assert row(desk, t.payments, payment_id="P3")["unapplied_minor"] == cny("0.01", "7.85")
    assert desk.reconcile().ok, desk.reconcile().as_json()


def test_a_currency_without_a_rate_is_refused_naming_the_pair_and_date(desk: Driver) -> None:
    with pytest.raises(InvalidInput, match="GBP to CNY on or before 2026-06-30"):
        invoice(desk, "I9", "10", currency="GBP")
    with pytest.raises(InvalidInput, match="EUR to CNY on or before 2026-05-31"):
        invoice(desk, "I8", "10", on=date(2026, 5, 31))


def test_revaluation_at_a_month_end_moves_open_items_and_a_rerun_changes_nothing(desk: Driver) -> None:
    services = desk.services
    booked = cny("500", "7.8123")
    invoice(desk, "I2", "500")
    desk.move(31)  # 2026-07-31
    with pytest.raises(Forbidden):
        revalue(date(2026, 7, 31), "ana", Role.ANALYST, services.read_uow, services.uow, desk.clock)
    with pytest.raises(InvalidInput, match="month-end"):
        revalue(date(2026, 7, 30), "boss", Role.MANAGER, services.read_uow, services.uow, desk.clock)
    run = revalue(date(2026, 7, 31), "boss", Role.MANAGER, services.read_uow, services.uow, desk.clock)
    value = cny("500", "7.9031")
    assert run.deltas == {"C1": {"currency": "CNY", "delta": value - booked}}
    assert run.rates == {"EUR/CNY": "7.9031"}
    assert row(desk, t.invoices, invoice_id="I2")["open_minor"] == value
    customer, group = entries(desk, "revalue:2026-07-31")
    assert customer["kind"] == "revalue" and customer["receivable_delta"] == value - booked
    assert group["account_kind"] == "group" and group["receivable_delta"] == value - booked
    assert desk.totals("customer:C1")["receivable"] == value == desk.totals("group:G")["receivable"]
    assert desk.reconcile().ok
    again = revalue(date(2026, 7, 31), "boss", Role.MANAGER, services.read_uow, services.uow, desk.clock)
    assert again.changed == 0 and again.deltas == {}
    assert len(entries(desk, "revalue:2026-07-31")) == 2
    # The receivables reports see the carried value too.
    from creditdesk.service.receivables import ageing

    (aged,) = ageing(services.receivables().frames(date(2026, 7, 31)), date(2026, 7, 31))
    assert aged["total"] == f"{Decimal(value) / 100:.2f}"
    # A month later EUR falls; revalued down, then paid in EUR: the document and the reports close at 0.
    with services.engine.begin() as conn:
        conn.execute(
            insert(t.fx_rates),
            {"base_currency": "EUR", "quote_currency": "CNY", "rate_date": date(2026, 8, 31), "rate": "7.7"},
        )
    desk.move(31)  # 2026-08-31
    revalue(date(2026, 8, 31), "boss", Role.MANAGER, services.read_uow, services.uow, desk.clock)
    assert row(desk, t.invoices, invoice_id="I2")["open_minor"] == cny("500", "7.7")
    desk.move(1)
    pay(desk, "P1", "500", "I2")
    assert row(desk, t.invoices, invoice_id="I2")["open_minor"] == 0
    # At the month-end's rate still: the revaluation took the whole difference, none is left.
    assert [e["kind"] for e in entries(desk, "P1")] == ["payment", "payment"]
    assert ageing(services.receivables().frames(date(2026, 9, 1)), date(2026, 9, 1)) == []
    assert desk.reconcile().ok


def test_the_import_books_foreign_invoices_and_refuses_a_currency_without_a_rate(desk: Driver, tmp_path: Path) -> None:
    services = desk.services
    good = write_csv(
        tmp_path / "invoices.csv",
        "invoice_id,customer_id,invoice_date,due_date,amount,currency\nJ1,C1,2026-06-10,2026-07-10,100.01,EUR\n"
        "J2,C1,2026-06-10,2026-07-10,50,CNY\n",
    )
    assert import_file("invoices", good, services.engine, services.clock, role=Role.ADMIN).ok
    inv = row(desk, t.invoices, invoice_id="J1")
    booked = cny("100.01", "7.8123")
    assert (inv["amount_minor"], inv["currency"], inv["open_minor"]) == (booked, "CNY", booked)
    assert (inv["doc_amount_minor"], inv["doc_currency"], inv["doc_open_minor"], inv["fx_rate"]) == (
        10001,
        "EUR",
        10001,
        "7.8123",
    )
    (entry,) = [e for e in entries(desk, "J1") if e["account_kind"] == "customer"]
    assert (entry["receivable_delta"], entry["source_minor"], entry["source_currency"], entry["fx_rate"]) == (
        booked,
        10001,
        "EUR",
        "7.8123",
    )
    assert desk.totals("group:G")["receivable"] == booked + 5000
    # The same file again: nothing new, nothing conflicting.
    again = import_file("invoices", good, services.engine, services.clock, role=Role.ADMIN)
    assert again.ok, again
    payments = write_csv(
        tmp_path / "payments.csv",
        "payment_id,customer_id,payment_date,amount,currency,invoice_id\nQ1,C1,2026-07-03,100.01,EUR,J1\n",
    )
    assert import_file("payments", payments, services.engine, services.clock, role=Role.ADMIN).ok
    inv = row(desk, t.invoices, invoice_id="J1")
    assert (inv["open_minor"], inv["doc_open_minor"]) == (0, 0)
    (fx,) = [e for e in entries(desk, "Q1") if e["kind"] == "fx_difference"]
    assert fx["source_minor"] == cny("100.01", "7.85") - booked
    bad = write_csv(
        tmp_path / "bad.csv",
        "invoice_id,customer_id,invoice_date,due_date,amount,currency\nJ3,C1,2026-06-10,2026-07-10,5,GBP\n",
    )
    refused = import_file("invoices", bad, services.engine, services.clock, role=Role.ADMIN)
    assert not refused.ok
    assert desk.reconcile().ok, desk.reconcile().as_json()


def _client(services: Services, role: Role) -> Any:
    import warnings

    from creditdesk.entrypoints.api.app import create_app
    from creditdesk.entrypoints.api.deps import get_principal
    from creditdesk.service.auth import Principal

    app = create_app(services)

    async def principal() -> Principal:
        return Principal("boss", role)

    app.dependency_overrides[get_principal] = principal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


def test_over_the_api_a_eur_invoice_a_eur_payment_and_the_revaluation(desk: Driver) -> None:
    services = desk.services
    body = {"customer_id": "C1", "invoice_date": "2026-06-30", "due_date": "2026-07-30", "currency": "EUR"}
    with _client(services, Role.MANAGER) as api:
        answer = api.post("/api/v1/invoices", json={"invoice_id": "A1", "amount": "1000.00", **body})
        assert answer.status_code == 201, answer.text
        booked = cny("1000", "7.8123")
        assert answer.json()["amount"] == "7812.30" and answer.json()["currency"] == "CNY"
        assert answer.json()["document"] == {"amount": "1000.00", "currency": "EUR", "fx_rate": "7.8123"}
        assert api.post("/api/v1/invoices", json={"invoice_id": "A1", "amount": "1000.00", **body}).status_code == 200
        gbp = api.post("/api/v1/invoices", json={"invoice_id": "A2", "amount": "1.00", **body, "currency": "GBP"})
        assert gbp.status_code == 422 and "no exchange rate from GBP to CNY on or before 2026-06-30" in gbp.text
        desk.move(31)
        revalued = api.post("/api/v1/revaluations", json={"as_of": "2026-07-31"})
        assert revalued.status_code == 200, revalued.text
        delta = cny("1000", "7.9031") - booked
        assert revalued.json()["deltas"] == [
            {"customer_id": "C1", "currency": "CNY", "delta": f"{Decimal(delta) / 100:.2f}"}
        ]
        assert api.post("/api/v1/revaluations", json={"as_of": "2026-07-31"}).json()["changed"] == 0
        assert api.post("/api/v1/revaluations", json={"as_of": "2026-07-30"}).status_code == 422
        paid = api.post(
            "/api/v1/payments",
            json={
                "payment_id": "AP1",
                "customer_id": "C1",
                "payment_date": "2026-07-31",
                "amount": "1000",
                "currency": "EUR",
            },
        )
        assert paid.status_code == 201, paid.text
        assert paid.json()["document"]["fx_rate"] == "7.9031" and paid.json()["unapplied"] == "0.00"
    with _client(services, Role.ANALYST) as api:
        assert api.post("/api/v1/revaluations", json={"as_of": "2026-07-31"}).status_code == 403
    with _client(services, Role.MANAGER) as api:
        # An earlier month-end after a later one would undo it with older rates: refused.
        earlier = api.post("/api/v1/revaluations", json={"as_of": "2026-06-30"})
        assert earlier.status_code == 409 and "revalued at 2026-07-31 already" in earlier.text
    with services.engine.connect() as conn:
        runs = conn.execute(select(t.job_runs.c.job, t.job_runs.c.status).where(t.job_runs.c.job == "revalue")).all()
    assert [tuple(r) for r in runs] == [("revalue", "succeeded"), ("revalue", "succeeded")]
    assert desk.reconcile().ok


def test_the_cli_revalues_a_month_end_and_the_ledger_reconciles(desk: Driver) -> None:
    from typer.testing import CliRunner

    from creditdesk.entrypoints.cli.main import app
    from creditdesk.service.auth import add_user

    services = desk.services
    add_user("boss", "correct horse", Role.MANAGER, services.uow(), services.hasher, "admin")
    invoice(desk, "I1", "100")

    def cli(*args: str) -> Any:
        env = {"CREDITDESK_VAR_DIR": str(services.settings.var_dir), "CREDITDESK_TODAY": "2026-08-01"}
        return CliRunner().invoke(app, ["--db", services.settings.database_url, *args], env=env)

    first = cli("revalue", "--as-of", "2026-07-31", "--user", "boss")
    assert first.exit_code == 0, first.output
    delta = Decimal(cny("100", "7.9031") - cny("100", "7.8123")) / 100
    assert "1 revalued" in first.output and f"C1: receivable +{delta:.2f} CNY" in first.output
    again = cli("revalue", "--as-of", "2026-07-31", "--user", "boss")
    assert again.exit_code == 0 and "0 revalued" in again.output
    assert cli("revalue", "--as-of", "2026-07-30", "--user", "boss").exit_code == 65
    reconciled = cli("ledger", "reconcile")
    assert reconciled.exit_code == 0, reconciled.output


# The reporting currency (CNY by default): a small portfolio in CNY, USD and EUR.
USD_CNY = "7.1234"


def _web(services: Services) -> Any:
    import re

    from creditdesk.service.auth import add_user

    add_user("ann", "correct horse", Role.VIEWER, services.uow(), services.hasher, "admin")
    client = _client(services, Role.VIEWER)
    client.__enter__()
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    data = {"username": "ann", "password": "correct horse", "csrf": csrf.group(1), "next": "/"}
    assert client.post("/login", data=data).status_code in (200, 303)
    return client


def _kpi(page: str, name: str) -> Decimal:
    import re

    found = re.search(rf'id="kpi-reporting-{name}">([^<]+)<', page)
    assert found is not None, name
    return Decimal(re.sub(r"[^0-9.\-]", "", found.group(1)))


def test_the_dashboard_totals_in_the_reporting_currency_agree_with_a_hand_computation(desk: Driver) -> None:
    services = desk.services
    with services.engine.begin() as conn:
        conn.execute(
            insert(t.fx_rates),
            [{"base_currency": "USD", "quote_currency": "CNY", "rate_date": date(2026, 6, 15), "rate": USD_CNY}],
        )
    usd, eur = Driver(services, "USD"), Driver(services, "EUR")
    usd.customer("U1", "20000.01")
    eur.customer("E1", "10000.03")
    desk.clock.at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    desk.invoice("IC", "C1", "1000.00", days=10)  # C1: CNY, limit 1,000,000; overdue on the 30th
    usd.invoice("IU", "U1", "500.05", days=60)
    eur.invoice("IE", "E1", "300.07", days=5)  # overdue on the 30th
    usd.order("OU", "U1", "250.10")
    desk.clock.at = datetime(2026, 6, 30, 9, 0, tzinfo=UTC)
    # By hand: each currency's total converted once, half-even to the fen, then added.
    limit = Decimal("1000000") + Decimal(cny("20000.01", USD_CNY)) / 100 + Decimal(cny("10000.03", "7.8123")) / 100
    exposure = Decimal("1000.00") + Decimal(cny("750.15", USD_CNY)) / 100 + Decimal(cny("300.07", "7.8123")) / 100
    overdue = Decimal("1000.00") + Decimal(cny("300.07", "7.8123")) / 100
    assert limit == Decimal("1000000") + Decimal("142468.07") + Decimal("78123.23")
    web = _web(services)
    try:
        page = web.get("/").text
        assert 'id="reporting-totals" data-currency="CNY"' in page
        assert _kpi(page, "limit") == limit
        assert _kpi(page, "exposure") == exposure
        assert _kpi(page, "overdue") == overdue
        assert _kpi(page, "customers") == 3
        assert f"USD/CNY {USD_CNY}" in page and "EUR/CNY 7.8123" in page
        # A currency without a rate: no total, the missing rate named.
        Driver(services, "GBP").customer("G1", "10")
        page = web.get("/").text
        assert 'id="kpi-reporting-limit"' not in page
        assert "no exchange rate from GBP to CNY on or before 2026-06-30" in page
        # The aging report over the API carries its totals in the reporting currency.
        aging = web.get("/api/v1/reports/aging").json()
        open_total = Decimal(100000 + cny("500.05", USD_CNY) + cny("300.07", "7.8123")) / 100
        assert aging["reporting"]["currency"] == "CNY" and aging["reporting"]["totals"]["total"] == f"{open_total:.2f}"
        # The customer page shows a foreign item's open amount in its own currency beside the account's.
        invoice(desk, "IX", "10.00")
        page = web.get("/customers/C1").text
        assert '<small class="muted doc-currency" title="7.8123">10.00 EUR</small>' in page
    finally:
        web.__exit__(None, None, None)


def test_the_import_books_an_order_in_another_currency_at_its_days_rate(desk: Driver, tmp_path: Path) -> None:
    services = desk.services
    orders = write_csv(
        tmp_path / "orders.csv",
        "order_id,customer_id,order_date,amount,currency,status\nX1,C1,2026-06-10,100.01,EUR,open\n",
    )
    assert import_file("orders", orders, services.engine, services.clock, role=Role.ADMIN).ok
    order = row(desk, t.orders, order_id="X1")
    booked = cny("100.01", "7.8123")
    assert (order["amount_minor"], order["currency"], order["account_minor"], order["fx_rate"]) == (
        10001,
        "EUR",
        booked,
        "7.8123",
    )
    (entry,) = [e for e in entries(desk, "X1") if e["account_kind"] == "customer"]
    assert (entry["reserved_delta"], entry["source_minor"], entry["source_currency"]) == (booked, 10001, "EUR")
    assert desk.totals("group:G")["reserved"] == booked
    assert import_file("orders", orders, services.engine, services.clock, role=Role.ADMIN).ok  # unchanged
    assert desk.reconcile().ok


def test_an_invoice_billing_a_eur_order_uses_its_own_days_rate(desk: Driver) -> None:
    """The order reserved at its date's rate; the invoice posts at its own, and the posting
    releases the whole reservation: the difference falls between the two, the ledger reconciles."""
    desk.clock.at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert desk.order("O1", "C1", "1000", currency="EUR").status == 201
    reserved = cny("1000", "7.8123")
    assert desk.totals("customer:C1")["reserved"] == reserved
    desk.clock.at = datetime(2026, 7, 3, 9, 0, tzinfo=UTC)
    doc = Invoice("I1", "C1", date(2026, 7, 3), date(2026, 8, 2), Money.of("1000", "EUR"), "O1")
    posted = desk._run(billing.post_invoice, billing.PostInvoice(doc, "billing"))
    assert posted.status == 201, posted.body
    booked = cny("1000", "7.85")
    (entry,) = [e for e in entries(desk, "I1") if e["account_kind"] == "customer"]
    assert (entry["receivable_delta"], entry["reserved_delta"], entry["fx_rate"]) == (booked, -reserved, "7.85")
    assert desk.totals("customer:C1") == {"receivable": booked, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert desk.totals("group:G")["receivable"] == booked and desk.totals("group:G")["reserved"] == 0
    assert desk.reconcile().ok
