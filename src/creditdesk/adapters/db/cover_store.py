"""Credit insurance, guarantees, letters of credit and claims."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, insert, or_, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.service.cover import Claim, CoverRow

_COVER = (
    "support_id",
    "customer_id",
    "kind",
    "provider",
    "amount_minor",
    "currency",
    "cover_share",
    "valid_from",
    "valid_to",
    "policy_number",
    "recorded_by",
)
_CLAIM = (
    "claim_id",
    "support_id",
    "customer_id",
    "amount_minor",
    "currency",
    "filed_on",
    "status",
    "paid_minor",
    "decided_on",
    "filed_by",
    "note",
)
LAPSED_DAYS = 90  # cover that lapsed this recently and was not renewed still needs attention


def _cover(row: Any) -> CoverRow:
    values = {c: row[c] for c in _COVER}
    values["cover_share"] = None if row["cover_share"] is None else Decimal(row["cover_share"])
    return CoverRow(**values)


def _claim(row: Any) -> Claim:
    return Claim(**{c: row[c] for c in _CLAIM})


def expiring_condition(as_of: date, days: int = 30) -> ColumnElement[bool]:
    """Accounts with exposure whose cover ends within ``days`` (or lapsed in the last
    LAPSED_DAYS) with no row of the same kind valid beyond that window (a renewal)."""
    acc, cs = t.credit_accounts, t.credit_support
    renewal = t.credit_support.alias("renewal")
    horizon = as_of + timedelta(days=days)
    exposure = acc.c.receivable_minor + acc.c.reserved_minor + acc.c.delivered_minor
    renewed = exists().where(
        renewal.c.customer_id == cs.c.customer_id,
        renewal.c.kind == cs.c.kind,
        renewal.c.valid_from <= horizon,
        or_(renewal.c.valid_to.is_(None), renewal.c.valid_to > horizon),
    )
    ending = exists().where(
        cs.c.customer_id == acc.c.customer_id,
        cs.c.valid_to.between(as_of - timedelta(days=LAPSED_DAYS), horizon),
        ~renewed,
    )
    return and_(exposure > 0, ending)


def claims_missing_condition() -> ColumnElement[bool]:
    """Defaulted accounts with insurance valid on the day of default and no claim filed."""
    acc, cs, cl = t.credit_accounts, t.credit_support, t.insurance_claims
    insured = exists().where(
        cs.c.customer_id == acc.c.customer_id,
        cs.c.kind == "insurance",
        cs.c.valid_from <= acc.c.in_default_since,
        or_(cs.c.valid_to.is_(None), cs.c.valid_to >= acc.c.in_default_since),
    )
    claimed = exists().where(cl.c.customer_id == acc.c.customer_id, cl.c.status != "rejected")
    return and_(acc.c.in_default_since.is_not(None), insured, ~claimed)


class SqlCover:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # cover ----------------------------------------------------------------------------------
    def add(self, row: CoverRow) -> None:
        values = {c: getattr(row, c) for c in _COVER}
        values["cover_share"] = None if row.cover_share is None else str(row.cover_share)
        self._conn.execute(insert(t.credit_support).values(**values))

    def get(self, support_id: str) -> CoverRow | None:
        cs = t.credit_support
        row = self._conn.execute(select(cs).where(cs.c.support_id == support_id)).mappings().first()
        return _cover(row) if row else None

    def set_valid_to(self, support_id: str, valid_to: date) -> None:
        cs = t.credit_support
        self._conn.execute(update(cs).where(cs.c.support_id == support_id).values(valid_to=valid_to))

    def rows(self, customer_id: str | None) -> list[CoverRow]:
        cs = t.credit_support
        query = select(cs).order_by(cs.c.customer_id, cs.c.valid_from, cs.c.support_id)
        if customer_id is not None:
            query = query.where(cs.c.customer_id == customer_id)
        return [_cover(r) for r in self._conn.execute(query).mappings()]

    def expiring(self, as_of: date, days: int) -> list[dict[str, Any]]:
        acc, cs, c = t.credit_accounts, t.credit_support, t.customers
        ids = select(acc.c.customer_id).where(expiring_condition(as_of, days))
        horizon = as_of + timedelta(days=days)
        rows = self._conn.execute(
            select(cs, c.c.name)
            .join(c, c.c.customer_id == cs.c.customer_id)
            .where(cs.c.customer_id.in_(ids), cs.c.valid_to.between(as_of - timedelta(days=LAPSED_DAYS), horizon))
            .order_by(cs.c.valid_to, cs.c.support_id)
        ).mappings()
        return [{**_cover(r).as_json(as_of), "name": r["name"]} for r in rows]

    def defaulted_without_claim(self, as_of: date) -> list[dict[str, Any]]:
        acc, c = t.credit_accounts, t.customers
        rows = self._conn.execute(
            select(acc.c.customer_id, c.c.name, acc.c.in_default_since, acc.c.receivable_minor, acc.c.currency)
            .join(c, c.c.customer_id == acc.c.customer_id)
            .where(claims_missing_condition())
            .order_by(acc.c.in_default_since, acc.c.customer_id)
        ).mappings()
        return [
            {
                "customer_id": r["customer_id"],
                "name": r["name"],
                "in_default_since": r["in_default_since"].isoformat(),
                "receivable_minor": int(r["receivable_minor"]),
                "currency": r["currency"],
            }
            for r in rows
        ]

    # claims ---------------------------------------------------------------------------------
    def add_claim(self, claim: Claim) -> None:
        self._conn.execute(insert(t.insurance_claims).values(**{c: getattr(claim, c) for c in _CLAIM}))

    def claim(self, claim_id: str) -> Claim | None:
        cl = t.insurance_claims
        row = self._conn.execute(select(cl).where(cl.c.claim_id == claim_id)).mappings().first()
        return _claim(row) if row else None

    def save_claim(self, claim: Claim) -> None:
        cl = t.insurance_claims
        self._conn.execute(
            update(cl)
            .where(cl.c.claim_id == claim.claim_id)
            .values(status=claim.status, paid_minor=claim.paid_minor, decided_on=claim.decided_on)
        )

    def claims(self, customer_id: str | None, status: str | None) -> list[Claim]:
        cl = t.insurance_claims
        query = select(cl).order_by(cl.c.filed_on.desc(), cl.c.claim_id)
        if customer_id is not None:
            query = query.where(cl.c.customer_id == customer_id)
        if status is not None:
            query = query.where(cl.c.status == status)
        return [_claim(r) for r in self._conn.execute(query).mappings()]
