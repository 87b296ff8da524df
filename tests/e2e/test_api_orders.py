"""Orders, the held-orders worklist, invoices and payments over HTTP, per the contract."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DemoServer
from tests.e2e.test_api import assert_problem

pytestmark = pytest.mark.e2e


def test_order_reserve_retry_conflict_cancel(demo_server: DemoServer) -> None:
    with (
        demo_server.client("analyst") as analyst,
        demo_server.client("sales") as sales,
        demo_server.client("admin") as admin,
        demo_server.client("manager") as manager,
    ):
        customer = {"customer_id": "ORD-1", "name": "Orders Ltd", "currency": "EUR", "credit_limit": "1000.00"}
        assert admin.post("/api/v1/customers", json=customer).status_code in (200, 201)
        order = {"order_id": "SO-1", "customer_id": "ORD-1", "amount": "700.00", "currency": "EUR"}
        first = sales.post("/api/v1/orders", json=order)
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["decision"] == "approved" and body["reasons"] == [] and body["available_after"] == "300.00"
        retry = sales.post("/api/v1/orders", json=order)
        assert retry.status_code == 200 and retry.json() == body
        assert_problem(sales.post("/api/v1/orders", json={**order, "amount": "701.00"}), 409)

        blocked = sales.post("/api/v1/orders", json={**order, "order_id": "SO-2", "amount": "400.00"}).json()
        assert blocked["decision"] == "blocked"
        assert blocked["reasons"][0]["code"] == "OVER_LIMIT"
        assert "approvable up to 300.00 EUR" in blocked["reasons"][0]["message"]
        assert blocked["reasons"][0]["message_zh"]
        assert blocked["available_after"] == "300.00"
        assert analyst.get("/api/v1/customers/ORD-1").json()["exposure"]["orders"] == "700.00"

        worklist = analyst.get("/api/v1/worklists/blocked-orders").json()
        assert "SO-2" in {o["order_id"] for o in worklist["orders"]}
        assert_problem(sales.post("/api/v1/orders/SO-2/release", json={"comment": "please"}), 403)
        # The built-in policy gives no one authority beyond the limit alone (issue 17, finding 2):
        # the analyst's release is a request that a manager completes.
        asked = analyst.post("/api/v1/orders/SO-2/release", json={"comment": "customer paid by wire"})
        assert asked.status_code == 202 and asked.json()["status"] == "release_pending", asked.text
        released = manager.post("/api/v1/orders/SO-2/release", json={"comment": "wire seen on the statement"})
        assert released.status_code == 200, released.text
        assert released.json()["status"] == "open" and released.json()["resolution"]["requested_by"] == "test-analyst"
        assert analyst.get("/api/v1/customers/ORD-1").json()["available"] == "-100.00"

        cancelled = sales.post("/api/v1/orders/SO-2/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert analyst.get("/api/v1/customers/ORD-1").json()["exposure"]["orders"] == "700.00"
        assert_problem(sales.post("/api/v1/orders/NOPE/cancel"), 404)


def test_invoice_consumes_order_and_payment_reduces_receivables(demo_server: DemoServer) -> None:
    with demo_server.client("analyst") as analyst, demo_server.client("admin") as admin:
        customer = {"customer_id": "ORD-2", "name": "Billing Ltd", "currency": "EUR", "credit_limit": "1000.00"}
        admin.post("/api/v1/customers", json=customer)
        analyst.post(
            "/api/v1/orders", json={"order_id": "SO-9", "customer_id": "ORD-2", "amount": "500", "currency": "EUR"}
        )
        invoice = {
            "invoice_id": "INV-9",
            "customer_id": "ORD-2",
            "invoice_date": "2026-03-01",
            "due_date": "2026-03-31",
            "amount": "450.00",
            "currency": "EUR",
            "order_id": "SO-9",
        }
        posted = analyst.post("/api/v1/invoices", json=invoice)
        assert posted.status_code == 201, posted.text
        assert analyst.post("/api/v1/invoices", json=invoice).status_code == 200
        shown = analyst.get("/api/v1/customers/ORD-2").json()
        assert shown["exposure"] == {"receivables": "450.00", "orders": "0.00", "delivered": "0.00", "total": "450.00"}
        payment = {
            "payment_id": "PAY-9",
            "customer_id": "ORD-2",
            "payment_date": "2026-03-15",
            "amount": "500.00",
            "currency": "EUR",
        }
        paid = analyst.post("/api/v1/payments", json=payment)
        assert paid.status_code == 201 and paid.json()["unapplied"] == "50.00"
        assert analyst.get("/api/v1/customers/ORD-2").json()["exposure"]["total"] == "0.00"
        bad = assert_problem(
            analyst.post("/api/v1/invoices", json={**invoice, "invoice_id": "INV-10", "due_date": "2026-02-01"}), 422
        )
        assert bad["errors"][0]["code"] == "DATE_ORDER"  # type: ignore[index]
        flagged = analyst.put("/api/v1/invoices/INV-9/dispute", json={"disputed": True, "reason": "short delivery"})
        assert flagged.status_code == 200 and flagged.json()["disputed"] is True
        assert_problem(analyst.put("/api/v1/invoices/NOPE/dispute", json={"disputed": True, "reason": "x"}), 404)
    with demo_server.client("admin") as admin:
        report = admin.get("/api/v1/ledger/reconcile").json()
        assert report["ok"], report


def test_a_credit_note_lowers_receivables_and_is_idempotent(demo_server: DemoServer) -> None:
    with demo_server.client("analyst") as analyst, demo_server.client("admin") as admin:
        customer = {"customer_id": "ORD-3", "name": "Returns Ltd", "currency": "EUR", "credit_limit": "1000.00"}
        admin.post("/api/v1/customers", json=customer)
        invoice = {"invoice_id": "INV-31", "customer_id": "ORD-3", "invoice_date": "2026-03-01",
                   "due_date": "2026-03-31", "amount": "300.00", "currency": "EUR"}  # fmt: skip
        assert analyst.post("/api/v1/invoices", json=invoice).status_code == 201
        note = {"payment_id": "CN-31", "customer_id": "ORD-3", "payment_date": "2026-03-05", "amount": "120.00",
                "currency": "EUR", "invoice_id": "INV-31", "kind": "credit_note"}  # fmt: skip
        assert analyst.post("/api/v1/payments", json=note).status_code == 201
        assert analyst.post("/api/v1/payments", json=note).status_code == 200
        assert_problem(analyst.post("/api/v1/payments", json={**note, "kind": "write_off"}), 409)
        bad = assert_problem(
            analyst.post("/api/v1/payments", json={**note, "payment_id": "CN-32", "kind": "gift"}), 422
        )
        assert bad["errors"][0]["code"] == "BAD_VALUE"  # type: ignore[index]
        assert analyst.get("/api/v1/customers/ORD-3").json()["exposure"]["receivables"] == "180.00"
