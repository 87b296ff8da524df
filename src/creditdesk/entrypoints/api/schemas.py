"""Request and response bodies. Field values are checked by the same parsers as import rows."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from creditdesk.adapters.importing import fields as f
from creditdesk.adapters.importing.fields import Parser
from creditdesk.adapters.importing.kinds import KINDS, BuildError
from creditdesk.adapters.importing.problems import FieldError
from creditdesk.domain.money import MAX_MINOR, AmountTooLarge, MoneyError, parse_amount
from creditdesk.entrypoints.api.models.limits import LimitRequestOut
from creditdesk.service.errors import FieldProblem, InvalidInput

AMOUNT_PATTERN = r"^[+-]?\d+(\.\d+)?$"
AMOUNT_DESCRIPTION = (
    f"A decimal amount such as 1250.00: at most {MAX_MINOR} minor units of its currency either way "
    "(10000000000000.00 EUR, 1000000000000000 JPY); beyond that, 422 with code AMOUNT_TOO_LARGE."
)


def _within_any_currency(text: str) -> str:
    """Refuses at once what no currency allows; the exact bound needs the currency (to_minor)."""
    try:
        parse_amount(text)
    except AmountTooLarge as error:
        raise PydanticCustomError("amount_too_large", "{message}", {"message": str(error)}) from None
    except MoneyError:
        pass  # the pattern has already described the format
    return text


AmountText = Annotated[
    str,
    Field(
        pattern=AMOUNT_PATTERN,
        max_length=40,
        description=AMOUNT_DESCRIPTION,
        examples=["1250.00"],
        json_schema_extra={"x-maximum-minor-units": MAX_MINOR},
    ),
    AfterValidator(_within_any_currency),
]

ID_DESCRIPTION = "1-64 letters, digits or . : / - starting with a letter or digit"
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=f.ID_PATTERN, description=ID_DESCRIPTION)]
IdInPath = Annotated[str, Path(min_length=1, max_length=64, pattern=f.ID_PATTERN, description=ID_DESCRIPTION)]
IdInQuery = Annotated[str | None, Query(min_length=1, max_length=64, pattern=f.ID_PATTERN, description=ID_DESCRIPTION)]
# Limit request ids are made here (LR-<customer>-<date>-<RULE>): longer, with underscores.
RequestIdInPath = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$")]


class RequestBody(BaseModel):
    """Every request body: unknown fields refused, and no text the database cannot store (a
    control character, a lone surrogate from a JSON escape): 422 with code BAD_TEXT."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if isinstance(value, str) and (character := f.unstorable_character(value)) is not None:
            raise PydanticCustomError(
                "bad_text",
                "expected text without control characters or lone surrogates, found {character}",
                {"character": character},
            )
        return value


class CustomerCreate(RequestBody):
    customer_id: Id
    name: str
    currency: str
    segment: str | None = None
    group_id: Id | None = None
    country: str | None = None
    industry: str | None = None
    registered_on: str | None = Field(default=None, examples=["2024-01-31"])
    payment_terms_days: int | None = None
    credit_limit: AmountText | None = None


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
    # On registration: an initial limit beyond the caller's authority, waiting for approval.
    limit_request: LimitRequestOut | None = None


class CreditLimitChange(RequestBody):
    amount: AmountText
    currency: str
    reason: str = Field(min_length=1, max_length=1000)
    expires_on: str | None = Field(default=None, examples=["2027-06-30"])


CompanyCodeText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$",
        description="a company code (selling entity)",
    ),
]


class CheckRequest(RequestBody):
    customer_id: Id
    amount: AmountText
    currency: str
    company_code: CompanyCodeText | None = None


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


class OrderCreate(RequestBody):
    order_id: Id
    customer_id: Id
    amount: AmountText
    currency: str
    order_date: str | None = OptionalDate
    delivery_date: str | None = OptionalDate
    valid_until: str | None = OptionalDate
    company_code: CompanyCodeText | None = None


class OrderAmend(RequestBody):
    amendment_id: Id
    amount: AmountText
    currency: str


class OrderCancel(RequestBody):
    reason: str = Field(default="", max_length=1000)


class OrderDeliver(RequestBody):
    delivery_id: Id
    amount: AmountText | None = None
    currency: str | None = None


class OrderReopen(RequestBody):
    reopen_id: Id


class Resolution(RequestBody):
    comment: str = Field(min_length=1, max_length=2000)


class InvoiceCreate(RequestBody):
    invoice_id: Id
    customer_id: Id
    invoice_date: str
    due_date: str
    amount: AmountText
    currency: str
    order_id: Id | None = None
    disputed: bool | None = None
    company_code: CompanyCodeText | None = None


class PaymentCreate(RequestBody):
    payment_id: Id
    customer_id: Id
    payment_date: str
    amount: AmountText
    currency: str
    invoice_id: Id | None = None
    kind: str | None = Field(default=None, examples=["payment", "credit_note", "write_off"])
    company_code: CompanyCodeText | None = None


class GroupLimitChange(RequestBody):
    amount: AmountText
    currency: str
    reason: str = Field(min_length=1, max_length=1000)


class DisputeChange(RequestBody):
    disputed: bool
    reason: str = Field(min_length=1, max_length=1000)


class StandingChange(RequestBody):
    reason: str = Field(min_length=1, max_length=1000)
    status: str | None = Field(default=None, pattern=r"^(active|on_hold|blocked)$")
    risk_class: str | None = Field(default=None, max_length=16)
    next_review_on: str | None = OptionalDate
