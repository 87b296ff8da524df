"""Limit management's rows: the managed account fields, the change log and limit requests."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.db.repositories import utc
from creditdesk.adapters.policy_file import parse_policy
from creditdesk.domain.accounts import AccountStatus, ManagedAccount
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.limit_requests import LimitRequest, Origin, RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.ports import RecordedChange

_MANAGED = (
    "limit_valid_to",
    "status_source",
    "status_changed_on",
    "increases_frozen_since",
    "last_increase_on",
    "in_default_since",
    "next_review_on",
)


def managed_from_row(row: RowMapping) -> ManagedAccount:
    ccy = row["currency"]
    base = row["base_limit_minor"]
    return ManagedAccount(
        customer_id=row["customer_id"],
        currency=ccy,
        limit=Money.from_minor(row["limit_minor"], ccy),
        base_limit=None if base is None else Money.from_minor(base, ccy),
        status=AccountStatus(row["status"]),
        **{name: row[name] for name in _MANAGED},
    )


def request_from_row(row: RowMapping) -> LimitRequest:
    return LimitRequest(
        request_id=row["request_id"],
        customer_id=row["customer_id"],
        amount=Money.from_minor(row["amount_minor"], row["currency"]),
        reason=row["reason"],
        origin=Origin(row["origin"]),
        required_role=Role(row["required_role"]),
        requested_by=row["requested_by"],
        requested_on=row["requested_on"],
        requested_at=utc(row["requested_at"]),
        expires_on=row["expires_on"],
        grade=row["grade"],
        status=RequestStatus(row["status"]),
        decided_by=row["decided_by"],
        decided_at=utc(row["decided_at"]) if row["decided_at"] else None,
        comment=row["comment"],
        policy_version=row["policy_version"],
        company_code=row["company_code"],
        reason_zh=row["reason_zh"],
    )


def active_limit_policy(conn: Connection) -> tuple[int | None, LimitPolicy]:
    """The limit policy of the active policy version (the defaults when none is active)."""
    p = t.check_policies
    row = conn.execute(select(p.c.version, p.c.body).order_by(p.c.version.desc()).limit(1)).first()
    if row is None:
        return None, LimitPolicy()
    return int(row.version), parse_policy(row.body, row.version)[1]


class SqlLimitManagement:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def limit_policy(self) -> tuple[int | None, LimitPolicy]:
        return active_limit_policy(self._c)

    def account(self, customer_id: str, *, lock: bool = False) -> ManagedAccount | None:
        query = select(t.credit_accounts).where(t.credit_accounts.c.customer_id == customer_id)
        if lock:
            query = query.with_for_update()
        row = self._c.execute(query).mappings().first()
        return managed_from_row(row) if row else None

    def grade(self, customer_id: str) -> int | None:
        s = t.customer_scores
        grade: int | None = self._c.execute(
            select(s.c.grade)
            .where(s.c.customer_id == customer_id, s.c.role == "champion")
            .order_by(s.c.as_of.desc(), s.c.id.desc())
            .limit(1)
        ).scalar()
        return grade

    def _set(self, customer_id: str, **row: Any) -> None:
        self._c.execute(update(t.credit_accounts).where(t.credit_accounts.c.customer_id == customer_id).values(row))

    def set_limit(
        self, customer_id: str, limit: Money, valid_to: date | None, base_limit: Money | None, increased_on: date | None
    ) -> None:
        row: dict[str, Any] = {
            "limit_minor": limit.minor,
            "limit_valid_to": valid_to,
            "base_limit_minor": None if base_limit is None else base_limit.minor,
        }
        if increased_on is not None:
            row["last_increase_on"] = increased_on
        self._set(customer_id, **row)

    def set_rule_status(self, customer_id: str, status: AccountStatus, on: date) -> None:
        self._set(customer_id, status=status.value, status_source="rule", status_changed_on=on)

    def set_next_review(self, customer_id: str, on: date) -> None:
        self._set(customer_id, next_review_on=on)

    def set_increases_frozen(self, customer_id: str, since: date | None) -> None:
        self._set(customer_id, increases_frozen_since=since)

    def set_in_default(self, customer_id: str, since: date | None) -> None:
        self._set(customer_id, in_default_since=since)

    def set_dunning(self, customer_id: str, level: int, since: date | None) -> None:
        self._set(customer_id, dunning_level=level, dunning_since=since)

    def record(self, change: RecordedChange) -> None:
        self._c.execute(
            insert(t.account_changes),
            [
                {
                    "customer_id": change.customer_id,
                    "effective_on": change.effective_on,
                    "rule": change.rule,
                    "field": change.field,
                    "before": change.before,
                    "after": change.after,
                    "inputs": json.dumps(change.inputs, sort_keys=True),
                    "policy_version": change.policy_version,
                    "explanation_en": change.en,
                    "explanation_zh": change.zh,
                    "actor": change.actor,
                    "recorded_at": change.recorded_at,
                }
            ],
        )

    def changes(self, customer_id: str) -> list[RecordedChange]:
        c = t.account_changes
        rows = self._c.execute(
            select(c).where(c.c.customer_id == customer_id).order_by(c.c.effective_on, c.c.id)
        ).mappings()
        return [
            RecordedChange(
                customer_id=r["customer_id"],
                effective_on=r["effective_on"],
                rule=r["rule"],
                field=r["field"],
                before=r["before"],
                after=r["after"],
                inputs=json.loads(r["inputs"]),
                policy_version=r["policy_version"],
                en=r["explanation_en"],
                zh=r["explanation_zh"],
                actor=r["actor"],
                recorded_at=utc(r["recorded_at"]),
            )
            for r in rows
        ]

    def add_request(self, request: LimitRequest) -> None:
        self._c.execute(
            insert(t.limit_requests),
            [
                {
                    "request_id": request.request_id,
                    "customer_id": request.customer_id,
                    "amount_minor": request.amount.minor,
                    "currency": request.amount.currency,
                    "expires_on": request.expires_on,
                    "reason": request.reason,
                    "reason_zh": request.reason_zh,
                    "origin": request.origin.value,
                    "grade": request.grade,
                    "required_role": request.required_role.value,
                    "status": request.status.value,
                    "requested_by": request.requested_by,
                    "requested_on": request.requested_on,
                    "requested_at": request.requested_at,
                    "policy_version": request.policy_version,
                    "company_code": request.company_code,
                }
            ],
        )

    def request(self, request_id: str, *, lock: bool = False) -> LimitRequest | None:
        query = select(t.limit_requests).where(t.limit_requests.c.request_id == request_id)
        if lock:
            query = query.with_for_update()
        row = self._c.execute(query).mappings().first()
        return request_from_row(row) if row else None

    def requests(self, *, status: RequestStatus | None = None, customer_id: str | None = None) -> list[LimitRequest]:
        r = t.limit_requests
        query = select(r).order_by(r.c.requested_at, r.c.request_id)
        if status is not None:
            query = query.where(r.c.status == status.value)
        if customer_id is not None:
            query = query.where(r.c.customer_id == customer_id)
        return [request_from_row(row) for row in self._c.execute(query).mappings()]

    def decide(self, request_id: str, status: RequestStatus, by: str, at: datetime, comment: str | None) -> None:
        self._c.execute(
            update(t.limit_requests)
            .where(t.limit_requests.c.request_id == request_id)
            .values(status=status.value, decided_by=by, decided_at=at, comment=comment)
        )

    def pending_customers(self) -> set[str]:
        r = t.limit_requests
        rows = self._c.execute(select(r.c.customer_id).where(r.c.status == RequestStatus.PENDING.value).distinct())
        return {row[0] for row in rows}

    def rejections(self) -> dict[str, date]:
        """Per customer, the day a person last turned a limit request down."""
        r = t.limit_requests
        rows = self._c.execute(
            select(r.c.customer_id, func.max(r.c.decided_at))
            .where(r.c.status == RequestStatus.REJECTED.value)
            .group_by(r.c.customer_id)
        )
        return {customer_id: utc(decided).date() for customer_id, decided in rows}

    def reviews_due(self, on: date) -> list[dict[str, Any]]:
        a = t.credit_accounts
        query = (
            select(a.c.customer_id, a.c.next_review_on, a.c.increases_frozen_since, a.c.status)
            .where(a.c.next_review_on <= on)
            .order_by(a.c.next_review_on, a.c.customer_id)
        )
        return [dict(row) for row in self._c.execute(query).mappings()]

    def downgrades_seen(self) -> dict[str, date]:
        """Per customer, the latest bureau report a downgrade rule already acted on."""
        c = t.account_changes
        rows = self._c.execute(
            select(c.c.customer_id, func.max(c.c.after))
            .where(c.c.rule == "BUREAU_DOWNGRADE", c.c.field == "freeze")
            .group_by(c.c.customer_id)
        )
        return {customer_id: date.fromisoformat(after) for customer_id, after in rows}
