"""The credit engine over HTTP: orders, the held-orders worklist, invoices, payments, standing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from creditdesk.adapters.db.reconcile import reconcile
from creditdesk.adapters.importing import fields as f
from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.documents import Invoice, Payment, SettlementKind
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission
from creditdesk.entrypoints.api.deps import PrincipalDep, ServicesDep, require
from creditdesk.entrypoints.api.models import declared
from creditdesk.entrypoints.api.models.orders import (
    DisputeOut,
    GroupLimitOut,
    HeldOrders,
    InvoiceOut,
    OrderOut,
    PaymentOut,
    ReconcileOut,
    StandingOut,
)
from creditdesk.entrypoints.api.schemas import (
    DisputeChange,
    GroupLimitChange,
    IdInPath,
    InvoiceCreate,
    OrderAmend,
    OrderCancel,
    OrderCreate,
    OrderDeliver,
    OrderReopen,
    PaymentCreate,
    Resolution,
    StandingChange,
    parse_field,
    parse_like_import,
)
from creditdesk.entrypoints.presenters import Outcome, answer, held_order_summary, order_body
from creditdesk.service import billing, orders
from creditdesk.service.accounts import SetGroupLimit, SetStanding, set_group_limit, set_standing
from creditdesk.service.errors import NotFound
from creditdesk.service.held_orders import ResolveOrder, resolve_order

router = APIRouter(prefix="/api/v1")


def money(amount: str, currency: str, name: str = "amount") -> Money:
    ccy = parse_field(f.currency, "currency", currency)
    value = parse_field(f.decimal_amount, name, amount)
    return Money.from_minor(parse_field(lambda a: f.to_minor(a, ccy), name, value), ccy)


def optional_date(name: str, raw: str | None) -> date | None:
    return parse_field(f.iso_date, name, raw) if raw else None


class _CanonicalJSON(JSONResponse):
    """Keys sorted: a replayed command's answer is byte for byte the first one (its stored
    receipt comes back from JSON with sorted keys)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=True).encode()


def respond(outcome: Outcome) -> JSONResponse:
    found = answer(outcome)
    return _CanonicalJSON(found.body, status_code=found.status)


@router.post(
    "/orders",
    dependencies=[require(Permission.CHECK)],
    status_code=201,
    response_model=OrderOut,
    responses={200: {"model": OrderOut, "description": "the same command again: the stored outcome"}},
)
async def post_order(body: OrderCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """Check and reserve atomically; the same order_id returns the stored outcome (200)."""
    cmd = orders.SubmitOrder(
        order_id=parse_field(f.identifier, "order_id", body.order_id),
        customer_id=body.customer_id,
        amount=money(body.amount, body.currency),
        actor=principal.name,
        order_date=optional_date("order_date", body.order_date),
        delivery_date=optional_date("delivery_date", body.delivery_date),
        valid_until=optional_date("valid_until", body.valid_until),
        company_code=body.company_code,
    )
    return respond(await run_in_threadpool(orders.submit_order, cmd, services.uow(), services.clock))


@router.get("/orders/{order_id}", dependencies=[require(Permission.READ)], response_model=OrderOut)
async def get_order(order_id: IdInPath, services: ServicesDep) -> JSONResponse:
    def read() -> dict[str, Any]:
        with services.read_uow() as uow:
            order = uow.orders.order(order_id)
            if order is None:
                raise NotFound(f"order {order_id!r} does not exist")
            state = uow.credit_accounts.account(order.customer_id, services.clock.today(), lock=False)
            assert state is not None
            return order_body(order, state.currency, order.decision)

    return declared(await run_in_threadpool(read))


@router.post("/orders/{order_id}/cancel", dependencies=[require(Permission.CHECK)], response_model=OrderOut)
async def cancel_order(
    order_id: IdInPath, services: ServicesDep, principal: PrincipalDep, body: OrderCancel | None = None
) -> JSONResponse:
    cmd = orders.CancelOrder(order_id, principal.name, body.reason if body else "")
    return respond(await run_in_threadpool(orders.cancel_order, cmd, services.uow(), services.clock))


@router.post("/orders/{order_id}/amend", dependencies=[require(Permission.CHECK)], response_model=OrderOut)
async def amend_order(
    order_id: IdInPath, body: OrderAmend, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = orders.AmendOrder(body.amendment_id, order_id, money(body.amount, body.currency), principal.name)
    return respond(await run_in_threadpool(orders.amend_order, cmd, services.uow(), services.clock))


@router.post("/orders/{order_id}/deliver", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=OrderOut)
async def deliver_order(
    order_id: IdInPath, body: OrderDeliver, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    amount = money(body.amount, body.currency or "", "amount") if body.amount is not None else None
    cmd = orders.DeliverOrder(body.delivery_id, order_id, principal.name, amount)
    return respond(await run_in_threadpool(orders.deliver_order, cmd, services.uow(), services.clock))


@router.post("/orders/{order_id}/reopen", dependencies=[require(Permission.CHECK)], response_model=OrderOut)
async def reopen_order(
    order_id: IdInPath, body: OrderReopen, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = orders.ReopenOrder(body.reopen_id, order_id, principal.name)
    return respond(await run_in_threadpool(orders.reopen_order, cmd, services.uow(), services.clock))


@router.post(
    "/orders/{order_id}/release",
    dependencies=[require(Permission.RELEASE_ORDERS)],
    response_model=OrderOut,
    responses={202: {"model": OrderOut, "description": "beyond the releaser's authority: waits for a second approver"}},
)
async def release_order(
    order_id: IdInPath, body: Resolution, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Re-checked now; beyond the releaser's authority it waits for a second approver (202)."""
    cmd = ResolveOrder(order_id, principal.name, principal.role, body.comment, release=True)
    return respond(await run_in_threadpool(resolve_order, cmd, services.uow(), services.clock))


@router.post("/orders/{order_id}/reject", dependencies=[require(Permission.RELEASE_ORDERS)], response_model=OrderOut)
async def reject_order(
    order_id: IdInPath, body: Resolution, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = ResolveOrder(order_id, principal.name, principal.role, body.comment, release=False)
    return respond(await run_in_threadpool(resolve_order, cmd, services.uow(), services.clock))


@router.get("/worklists/blocked-orders", dependencies=[require(Permission.READ)], response_model=HeldOrders)
async def blocked_orders(services: ServicesDep, limit: int = 200) -> JSONResponse:
    """Orders held by the rules (blocked, review) or waiting for a second approver."""

    def read() -> dict[str, Any]:
        with services.read_uow() as uow:
            held = uow.orders.blocked_orders(limit=max(1, min(limit, 1000)))
        return {"orders": [held_order_summary(order) for order in held], "count": len(held)}

    return declared(await run_in_threadpool(read))


@router.post(
    "/invoices",
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    status_code=201,
    response_model=InvoiceOut,
    responses={200: {"model": InvoiceOut, "description": "the same invoice again: the stored outcome"}},
)
async def post_invoice(body: InvoiceCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    """Posts a receivable; with order_id it consumes that order's reservation and releases the rest."""
    row = parse_like_import("invoices", body.model_dump(exclude={"company_code"}))
    invoice = Invoice(
        row["invoice_id"],
        row["customer_id"],
        row["invoice_date"],
        row["due_date"],
        Money.from_minor(row["amount_minor"], row["currency"]),
        row["order_id"],
        row["disputed"],
        company_code=body.company_code,
    )
    cmd = billing.PostInvoice(invoice, principal.name)
    return respond(await run_in_threadpool(billing.post_invoice, cmd, services.uow(), services.clock))


@router.put(
    "/invoices/{invoice_id}/dispute", dependencies=[require(Permission.WRITE_DOCUMENTS)], response_model=DisputeOut
)
async def put_dispute(
    invoice_id: IdInPath, body: DisputeChange, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """A disputed item stays in receivables but leaves the overdue rules until it is settled: the
    whole invoice as a dispute case (``/api/v1/disputes`` for a part, a reason, an owner);
    ``disputed: false`` rejects its open cases."""
    from creditdesk.service import disputes

    cmd = disputes.FlagWhole(invoice_id, body.disputed, body.reason, principal.name, principal.role)
    return respond(await run_in_threadpool(disputes.flag_whole, cmd, services.uow(), services.clock))


@router.post(
    "/payments",
    dependencies=[require(Permission.WRITE_DOCUMENTS)],
    status_code=201,
    response_model=PaymentOut,
    responses={200: {"model": PaymentOut, "description": "the same payment again: the stored outcome"}},
)
async def post_payment(body: PaymentCreate, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    row = parse_like_import("payments", body.model_dump(exclude={"company_code"}))
    payment = Payment(
        row["payment_id"],
        row["customer_id"],
        row["payment_date"],
        Money.from_minor(row["amount_minor"], row["currency"]),
        row["invoice_id"],
        SettlementKind(row["kind"]),
        company_code=body.company_code,
    )
    cmd = billing.ReceivePayment(payment, principal.name)
    return respond(await run_in_threadpool(billing.receive_payment, cmd, services.uow(), services.clock))


@router.put("/groups/{group_id}/credit-limit", dependencies=[require(Permission.READ)], response_model=GroupLimitOut)
async def put_group_limit(
    group_id: IdInPath, body: GroupLimitChange, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = SetGroupLimit(group_id, money(body.amount, body.currency), body.reason, principal.name, principal.role)
    await run_in_threadpool(set_group_limit, cmd, services.uow(), services.clock)
    return declared({"group_id": group_id, "credit_limit": cmd.amount.to_json(), "currency": cmd.amount.currency})


@router.put("/customers/{customer_id}/standing", dependencies=[require(Permission.READ)], response_model=StandingOut)
async def put_standing(
    customer_id: IdInPath, body: StandingChange, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    cmd = SetStanding(
        customer_id,
        principal.name,
        principal.role,
        body.reason,
        AccountStatus(body.status) if body.status else None,
        body.risk_class,
        optional_date("next_review_on", body.next_review_on),
    )
    await run_in_threadpool(set_standing, cmd, services.uow(), services.clock)
    return declared({"customer_id": customer_id, "status": "updated"})


@router.get("/ledger/reconcile", dependencies=[require(Permission.ADMINISTER)], response_model=ReconcileOut)
async def get_reconcile(services: ServicesDep) -> JSONResponse:
    def run() -> dict[str, Any]:
        with services.engine.connect() as conn:
            return reconcile(conn.execution_options(readonly=True)).as_json()

    return declared(await run_in_threadpool(run))
