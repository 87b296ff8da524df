"""Selling entities (company codes) and a customer's credit segment in one of them.

A customer's account is its total across company codes (SAP's main segment); a credit segment
is the same customer's account in one company code, with a limit, currency and exposure of its
own. A document naming a company code is checked against both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from creditdesk.domain.ledger import Totals
from creditdesk.domain.money import Money

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,15}$")
SEPARATOR = "@"  # a segment's ledger account is CUSTOMER@CODE; codes never contain it


@dataclass(frozen=True, slots=True)
class CompanyCode:
    code: str
    name: str
    currency: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class CreditSegment:
    """A customer's account in one company code: its limit and exposure in its own currency."""

    customer_id: str
    company_code: str
    limit: Money
    totals: Totals

    @property
    def exposure(self) -> Money:
        return Money.from_minor(self.totals.exposure, self.limit.currency)

    @property
    def available(self) -> Money:
        return self.limit - self.exposure

    def as_json(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "company_code": self.company_code,
            "currency": self.limit.currency,
            "credit_limit": self.limit.to_json(),
            "receivables": Money.from_minor(self.totals.receivable, self.limit.currency).to_json(),
            "orders": Money.from_minor(self.totals.reserved, self.limit.currency).to_json(),
            "delivered": Money.from_minor(self.totals.delivered, self.limit.currency).to_json(),
            "exposure": self.exposure.to_json(),
            "available": self.available.to_json(),
        }


def valid_code(code: str) -> bool:
    return bool(CODE_PATTERN.match(code))


def segment_account_id(customer_id: str, code: str) -> str:
    return f"{customer_id}{SEPARATOR}{code}"


def split_segment_account_id(account_id: str) -> tuple[str, str]:
    customer_id, _, code = account_id.rpartition(SEPARATOR)
    return customer_id, code
