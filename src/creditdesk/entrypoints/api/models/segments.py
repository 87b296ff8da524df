"""Company codes and credit segments (docs/segments.md)."""

from __future__ import annotations

from pydantic import BaseModel

from creditdesk.entrypoints.api.models.common import Money


class CompanyCodeOut(BaseModel):
    code: str
    name: str
    currency: str
    country: str | None


class CompanyCodesOut(BaseModel):
    company_codes: list[CompanyCodeOut]


class SegmentOut(BaseModel):
    customer_id: str
    company_code: str
    currency: str
    credit_limit: Money
    receivables: Money
    orders: Money
    delivered: Money
    exposure: Money
    available: Money


class SegmentsOut(BaseModel):
    """The customer's total (its account, SAP's main segment) and its segment per company code."""

    customer_id: str
    currency: str
    total_limit: Money
    total_exposure: Money
    segments: list[SegmentOut]
