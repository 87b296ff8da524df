"""Orders, the held-orders worklist, invoices, payments, disputes and account standing."""

from __future__ import annotations

from pydantic import BaseModel, Field

from creditdesk.entrypoints.api.models.common import Money, Reason
from creditdesk.entrypoints.api.schemas import Exposure


class OrderResolution(BaseModel):
    """Who released or rejected a held order (or asked for its release), when and why."""

    role: str
    at: str
    comment: str | None = None
    by: str | None = None
    action: str | None = Field(default=None, examples=["released", "rejected"])
    requested_by: str | None = None
    request_comment: str | None = None
    override: list[str] | None = None  # the codes a release overrode


class OrderOut(BaseModel):
    """An order and, once checked, its credit decision (the decision's fields are absent for an
    order read without one)."""

    order_id: str
    customer_id: str
    status: str = Field(examples=["open", "blocked", "review", "release_pending", "invoiced", "cancelled"])
    amount: Money
    order_currency: str
    account_amount: Money
    fx_rate: str | None
    reserved: Money
    delivered: Money
    company_code: str | None = None  # the selling entity; absent: the one company
    decision: str | None = Field(default=None, examples=["approved", "blocked", "review"])
    reasons: list[Reason] | None = None
    currency: str | None = None  # the account's
    limit: Money | None = None
    exposure: Exposure | None = None
    available: Money | None = None
    available_after: Money | None = None
    approvable_up_to: Money | None = None
    policy_version: int | None = None
    resolution: OrderResolution | None = None
    amendment: str | None = Field(default=None, examples=["applied", "refused"])


class HeldOrder(BaseModel):
    order_id: str
    customer_id: str
    order_date: str
    amount: Money
    currency: str
    status: str
    submitted_by: str | None
    reasons: list[Reason]
    approvable_up_to: Money | None
    release_requested_by: str | None


class HeldOrders(BaseModel):
    orders: list[HeldOrder]
    count: int


class DocumentOut(BaseModel):
    """A document in another currency than the account's, as issued, and the rate it was booked at."""

    amount: Money
    currency: str
    fx_rate: str | None


class InvoiceOut(BaseModel):
    invoice_id: str
    customer_id: str
    amount: Money
    currency: str
    order_id: str | None
    consumed_reservation: Money
    exposure_increase: Money
    document: DocumentOut | None = None  # only when not in the account currency (amount is then converted)


class AllocationOut(BaseModel):
    invoice_id: str
    amount: Money


class PaymentOut(BaseModel):
    payment_id: str
    customer_id: str
    amount: Money
    currency: str
    allocations: list[AllocationOut]
    unapplied: Money
    document: DocumentOut | None = None  # only when not in the account currency (amount is then converted)


class DisputeOut(BaseModel):
    invoice_id: str
    customer_id: str
    disputed: bool


class GroupLimitOut(BaseModel):
    group_id: str
    credit_limit: Money
    currency: str


class StandingOut(BaseModel):
    customer_id: str
    status: str = Field(examples=["updated"])


class Mismatch(BaseModel):
    account: str
    what: str
    stored: int
    expected: int
    message: str


class ReconcileOut(BaseModel):
    ok: bool
    accounts: int
    entries: int
    mismatches: list[Mismatch]
    negative: list[str]
