"""The credit engine's results as the API, the CLI and the web pages show them: bodies and the
HTTP status each outcome gets. The service returns values; only the edge speaks HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from creditdesk.domain.money import Money
from creditdesk.domain.orders import Order
from creditdesk.service.results import DisputeResult, InvoiceResult, OrderResult, PaymentResult, Replayed

Outcome = OrderResult | InvoiceResult | PaymentResult | DisputeResult | Replayed


@dataclass(frozen=True, slots=True)
class Answer:
    status: int  # 201 created, 202 waits for a second approver, 200 done or replayed
    body: dict[str, Any]
    replayed: bool = False


def answer(outcome: Outcome) -> Answer:
    if isinstance(outcome, Replayed):  # stored before outcomes were typed: the body as it was
        return Answer(200, outcome.body, replayed=True)
    if isinstance(outcome, DisputeResult):
        body = {"invoice_id": outcome.invoice_id, "customer_id": outcome.customer_id, "disputed": outcome.disputed}
        return Answer(200, body)
    if outcome.replayed:  # a retry gets the first answer's body, as done (200)
        return Answer(200, _body(outcome), replayed=True)
    if isinstance(outcome, OrderResult):
        status = 201 if outcome.created else 202 if outcome.awaiting_approval else 200
        return Answer(status, _body(outcome))
    return Answer(201, _body(outcome))  # a new invoice or payment


def _body(outcome: OrderResult | InvoiceResult | PaymentResult) -> dict[str, Any]:
    if isinstance(outcome, OrderResult):
        body = order_body(outcome.order, outcome.currency, outcome.decision)
        if outcome.amendment is not None:
            body["amendment"] = outcome.amendment.value
        return body
    if isinstance(outcome, InvoiceResult):
        invoice = outcome.invoice
        return {
            "invoice_id": invoice.invoice_id,
            "customer_id": invoice.customer_id,
            "amount": invoice.amount.to_json(),
            "currency": invoice.amount.currency,
            "order_id": invoice.order_id,
            "consumed_reservation": outcome.consumed.to_json(),
            "exposure_increase": outcome.exposure_increase.to_json(),
            **_as_issued(invoice.doc_amount, invoice.fx_rate),
        }
    payment = outcome.payment
    return {
        "payment_id": payment.payment_id,
        "customer_id": payment.customer_id,
        "amount": payment.amount.to_json(),
        "currency": payment.amount.currency,
        "allocations": [{"invoice_id": a.invoice_id, "amount": a.amount.to_json()} for a in outcome.allocations],
        "unapplied": outcome.unapplied.to_json(),
        **_as_issued(payment.doc_amount, payment.fx_rate),
    }


def _as_issued(doc: Money | None, fx_rate: str | None) -> dict[str, Any]:
    """A document in another currency than the account's: as issued, and the rate (docs/currencies.md)."""
    if doc is None:  # in the account currency: bodies stay as they were
        return {}
    return {"document": {"amount": doc.to_json(), "currency": doc.currency, "fx_rate": fx_rate}}


def order_body(order: Order, currency: str, decision: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "amount": order.amount.to_json(),
        "order_currency": order.amount.currency,
        "account_amount": Money.from_minor(order.account_minor, currency).to_json(),
        "fx_rate": order.fx_rate,
        "reserved": Money.from_minor(order.reserved, currency).to_json(),
        "delivered": Money.from_minor(order.delivered, currency).to_json(),
    }
    if order.company_code is not None:  # single-company bodies stay as they were
        body["company_code"] = order.company_code
    if decision is not None:
        body.update(decision)
    if order.resolution is not None:
        body["resolution"] = order.resolution
    return body


def held_order_summary(order: Order) -> dict[str, Any]:
    """One line of the held-orders worklist: what is held, why, and who asked to release it."""
    decision = order.decision or {}
    return {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "order_date": order.order_date.isoformat(),
        "amount": order.amount.to_json(),
        "currency": order.amount.currency,
        "status": order.status.value,
        "submitted_by": order.submitted_by,
        "reasons": decision.get("reasons", []),
        "approvable_up_to": decision.get("approvable_up_to"),
        "release_requested_by": (order.resolution or {}).get("requested_by"),
    }
