"""Credit applications."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.applications import Application, Status

A = t.credit_applications


def _minor(money: Money | None) -> int | None:
    return None if money is None else money.minor


def _money(minor: int | None, ccy: str) -> Money | None:
    return None if minor is None else Money.from_minor(int(minor), ccy)


def _row(app: Application) -> dict[str, Any]:
    return {
        "application_id": app.application_id,
        "customer_id": app.customer_id,
        "name": app.name,
        "currency": app.currency,
        "segment": app.segment,
        "group_id": app.group_id,
        "country": app.country,
        "industry": app.industry,
        "registered_on": app.registered_on,
        "company_code": app.company_code,
        "requested_limit_minor": app.requested_limit.minor,
        "requested_terms_days": app.requested_terms_days,
        "financials": json.dumps(app.financials),
        "bureau": json.dumps(app.bureau),
        "status": app.status.value,
        "submitted_by": app.submitted_by,
        "submitted_at": app.submitted_at,
        "submitted_on": app.submitted_on,
        "pd": app.pd,
        "grade": app.grade,
        "proposed_limit_minor": _minor(app.proposed_limit),
        "proposed_terms_days": app.proposed_terms_days,
        "working": json.dumps(app.working, default=str),
        "required_role": app.required_role.value,
        "approvals": json.dumps(app.approvals),
        "decided_by": app.decided_by,
        "decided_at": app.decided_at,
        "decided_limit_minor": _minor(app.decided_limit),
        "decided_terms_days": app.decided_terms_days,
        "review_on": app.review_on,
        "reason": app.reason,
    }


def _application(r: Any) -> Application:
    ccy = r.currency
    requested = _money(r.requested_limit_minor, ccy)
    assert requested is not None
    return Application(
        application_id=r.application_id,
        customer_id=r.customer_id,
        name=r.name,
        currency=ccy,
        segment=r.segment,
        group_id=r.group_id,
        country=r.country,
        industry=r.industry,
        registered_on=r.registered_on,
        company_code=r.company_code,
        requested_limit=requested,
        requested_terms_days=r.requested_terms_days,
        financials=json.loads(r.financials or "[]"),
        bureau=json.loads(r.bureau or "[]"),
        status=Status(r.status),
        submitted_by=r.submitted_by,
        submitted_at=r.submitted_at,
        submitted_on=r.submitted_on,
        pd=r.pd,
        grade=r.grade,
        proposed_limit=_money(r.proposed_limit_minor, ccy),
        proposed_terms_days=r.proposed_terms_days,
        working=json.loads(r.working or "{}"),
        required_role=Role(r.required_role),
        approvals=json.loads(r.approvals or "[]"),
        decided_by=r.decided_by,
        decided_at=r.decided_at,
        decided_limit=_money(r.decided_limit_minor, ccy),
        decided_terms_days=r.decided_terms_days,
        review_on=r.review_on,
        reason=r.reason,
    )


def _to_minor(text: str | None, ccy: str) -> int | None:
    return None if text is None else Money(Decimal(text), ccy).minor


class SqlApplications:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, app: Application) -> None:
        self._conn.execute(insert(A).values(**_row(app)))

    def save(self, app: Application) -> None:
        values = _row(app)
        values.pop("application_id")
        self._conn.execute(update(A).where(A.c.application_id == app.application_id).values(**values))

    def get(self, application_id: str, *, lock: bool = False) -> Application | None:
        query = select(A).where(A.c.application_id == application_id)
        if lock:
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        return None if row is None else _application(row)

    def pending_for(self, customer_id: str) -> Application | None:
        row = self._conn.execute(select(A).where(A.c.customer_id == customer_id, A.c.status == "pending")).first()
        return None if row is None else _application(row)

    def find(self, status: str | None = None, submitted_by: str | None = None, limit: int = 500) -> list[Application]:
        query = select(A)
        if status is not None:
            query = query.where(A.c.status == status)
        if submitted_by is not None:
            query = query.where(A.c.submitted_by == submitted_by)
        rows = self._conn.execute(query.order_by(A.c.submitted_at.desc(), A.c.application_id).limit(limit))
        return [_application(r) for r in rows]

    def copy_documents(self, app: Application) -> None:
        """The application's statements and bureau reports, now the customer's."""
        for s in app.financials:
            ccy = s["currency"]
            row: dict[str, Any] = {
                "customer_id": app.customer_id,
                "period_end": date.fromisoformat(s["period_end"]),
                "currency": ccy,
            }
            for name in (*t.STATEMENT_REQUIRED_MONEY, *t.STATEMENT_OPTIONAL_MONEY):
                row[f"{name}_minor"] = _to_minor(s.get(name), ccy)
            self._conn.execute(insert(t.financial_statements).values(**row))
        for b in app.bureau:
            ccy = b.get("currency")
            self._conn.execute(
                insert(t.bureau_reports).values(
                    customer_id=app.customer_id,
                    provider=b["provider"],
                    report_date=date.fromisoformat(b["report_date"]),
                    score=b["score"],
                    rating=b.get("rating"),
                    pd=b.get("pd"),
                    recommended_limit_minor=_to_minor(b.get("recommended_limit"), ccy) if ccy else None,
                    currency=ccy,
                    events=";".join(b["events"]) if b.get("events") else None,
                )
            )

    def emit(self, application_id: str, event_type: str, payload: dict[str, Any], at: datetime) -> None:
        """An application's event, on its own stream ``application:ID`` (there is no account yet)."""
        o = t.outbox
        stream = f"application:{application_id}"
        seq = self._conn.execute(select(func.coalesce(func.max(o.c.stream_seq), 0)).where(o.c.stream == stream))
        self._conn.execute(
            insert(o).values(
                stream=stream,
                stream_seq=int(seq.scalar_one()) + 1,
                type=event_type,
                payload=json.dumps(payload, default=str),
                at=at,
            )
        )
