"""A request to change a credit limit, waiting for someone with the authority to decide it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role


class Origin(StrEnum):
    SALES = "sales"  # a person asked (sales, or anyone beyond their own authority)
    REVIEW = "review"  # a credit review proposed it
    RULE = "rule"  # a monitor rule proposed it beyond the system's authority
    INITIAL = "initial"  # a new customer's first limit, beyond the registering caller's authority


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class LimitRequest:
    request_id: str
    customer_id: str
    amount: Money
    reason: str
    origin: Origin
    required_role: Role
    requested_by: str
    requested_on: date
    requested_at: datetime
    expires_on: date | None = None  # a temporary limit until this day
    grade: int | None = None
    status: RequestStatus = RequestStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    comment: str | None = None
    policy_version: int | None = None
    company_code: str | None = None  # a credit segment's limit (docs/segments.md); None: the total
    reason_zh: str | None = None  # the reason in Chinese, where the system wrote it (a person's: None)

    def as_json(self) -> dict[str, object]:
        optional = {"company_code": self.company_code, "reason_zh": self.reason_zh}
        return {k: v for k, v in optional.items() if v is not None} | {
            "request_id": self.request_id,
            "customer_id": self.customer_id,
            "amount": str(self.amount.amount),
            "currency": self.amount.currency,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "reason": self.reason,
            "origin": self.origin.value,
            "grade": self.grade,
            "required_role": self.required_role.value,
            "status": self.status.value,
            "requested_by": self.requested_by,
            "requested_on": self.requested_on.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "comment": self.comment,
            "policy_version": self.policy_version,
        }
