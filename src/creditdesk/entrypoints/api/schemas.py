"""Request and response bodies. Field values are checked by the same parsers as import rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.fields import Parser
from creditdesk.adapters.importing.kinds import KINDS, BuildError
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.service.errors import FieldProblem, InvalidInput

Amount = Field(pattern=r"^[+-]?\d+(\.\d+)?$", examples=["1250.00"])


class CustomerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str
    name: str
    currency: str
    segment: str | None = None
    group_id: str | None = None
    country: str | None = None
    industry: str | None = None
    registered_on: str | None = Field(default=None, examples=["2024-01-31"])
    payment_terms_days: int | None = None
    credit_limit: str | None = Field(default=None, pattern=r"^[+-]?\d+(\.\d+)?$")


class Exposure(BaseModel):
    receivables: str
    orders: str
    total: str
    delivered: str = "0"


class CustomerPublic(BaseModel):
    customer_id: str
    name: str
    currency: str
    segment: str
    group_id: str | None
    country: str | None
    industry: str | None
    registered_on: str | None
    payment_terms_days: int
    credit_limit: str
    limit_expires_on: str | None
    exposure: Exposure
    available: str
    status: str


class CreditLimitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str = Amount
    currency: str
    reason: str = Field(min_length=1, max_length=1000)
    expires_on: str | None = Field(default=None, examples=["2027-06-30"])


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str
    amount: str = Amount
    currency: str


class ReasonOut(BaseModel):
    code: str
    reaction: str
    message: str
    message_zh: str


class CheckResult(BaseModel):
    customer_id: str
    decision: str
    amount: str
    currency: str
    limit: str
    exposure: str
    available: str
    available_after: str
    approvable_up_to: str
    exposure_detail: Exposure
    policy_version: int
    reasons: list[ReasonOut]


def parse_like_import(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run an import kind's field parsers and row rules on a body; InvalidInput lists every problem."""
    spec = KINDS[kind]()
    values: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for field in spec.fields:
        raw = body.get(field.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                problems.append(
                    FieldProblem(("body", field.name), "MISSING_VALUE", f"expected a value for {field.name!r}")
                )
            values[field.name] = None
            continue
        try:
            values[field.name] = field.parse(raw)
        except FieldError as error:
            problems.append(FieldProblem(("body", field.name), error.code.value, error.message))
    if problems:
        raise InvalidInput("the request has invalid fields", problems)
    try:
        return spec.build(values)
    except BuildError as error:
        raise InvalidInput(
            "the request has invalid fields",
            [FieldProblem(("body", error.field), error.error.code.value, error.error.message)],
        ) from None


def parse_field(parser: Parser, name: str, raw: Any) -> Any:
    try:
        return parser(raw)
    except FieldError as error:
        raise InvalidInput(
            "the request has invalid fields", [FieldProblem(("body", name), error.code.value, error.message)]
        ) from None


def day_or(text: str | None, default: date) -> date:
    """A date parameter (``as_of``), or ``default`` when it is not given."""
    parsed: date = parse_field(f.iso_date, "as_of", text) if text else default
    return parsed


OptionalDate = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-31"])


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1, max_length=64)
    customer_id: str
    amount: str = Amount
    currency: str
    order_date: str | None = OptionalDate
    delivery_date: str | None = OptionalDate
    valid_until: str | None = OptionalDate


class OrderAmend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amendment_id: str = Field(min_length=1, max_length=64)
    amount: str = Amount
    currency: str


class OrderCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="", max_length=1000)


class OrderDeliver(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delivery_id: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(default=None, pattern=r"^[+-]?\d+(\.\d+)?$")
    currency: str | None = None


class OrderReopen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reopen_id: str = Field(min_length=1, max_length=64)


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=2000)


class InvoiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invoice_id: str
    customer_id: str
    invoice_date: str
    due_date: str
    amount: str = Amount
    currency: str
    order_id: str | None = None
    disputed: bool | None = None


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payment_id: str
    customer_id: str
    payment_date: str
    amount: str = Amount
    currency: str
    invoice_id: str | None = None
    kind: str | None = Field(default=None, examples=["payment", "credit_note", "write_off"])


class GroupLimitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str = Amount
    currency: str
    reason: str = Field(min_length=1, max_length=1000)


class DisputeChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    disputed: bool
    reason: str = Field(min_length=1, max_length=1000)


class StandingChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)
    status: str | None = Field(default=None, pattern=r"^(active|on_hold|blocked)$")
    risk_class: str | None = Field(default=None, max_length=16)
    next_review_on: str | None = OptionalDate
