"""Collections' rows: promises to pay, each account's dunning level, and the cash customers sent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from creditdesk.adapters.db import tables as t
from creditdesk.domain.collections import Promise, PromiseStatus
from creditdesk.domain.documents import SettlementKind
from creditdesk.domain.money import Money


def _promise(row: RowMapping) -> Promise:
    return Promise(
        promise_id=row["promise_id"],
        customer_id=row["customer_id"],
        amount=Money.from_minor(row["amount_minor"], row["currency"]),
        promised_on=row["promised_on"],
        made_on=row["made_on"],
        invoice_id=row["invoice_id"],
        note=row["note"],
        recorded_by=row["recorded_by"],
        status=PromiseStatus(row["status"]),
        resolved_on=row["resolved_on"],
    )


class SqlCollections:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_promise(self, promise: Promise) -> None:
        self._c.execute(
            insert(t.payment_promises),
            {
                "promise_id": promise.promise_id,
                "customer_id": promise.customer_id,
                "invoice_id": promise.invoice_id,
                "amount_minor": promise.amount.minor,
                "currency": promise.amount.currency,
                "promised_on": promise.promised_on,
                "made_on": promise.made_on,
                "note": promise.note,
                "recorded_by": promise.recorded_by,
                "status": promise.status.value,
                "resolved_on": promise.resolved_on,
            },
        )

    def promise(self, promise_id: str) -> Promise | None:
        p = t.payment_promises
        row = self._c.execute(select(p).where(p.c.promise_id == promise_id)).mappings().first()
        return _promise(row) if row else None

    def promises(self, *, status: PromiseStatus | None = None, customer_id: str | None = None) -> list[Promise]:
        p = t.payment_promises
        query = select(p).order_by(p.c.customer_id, p.c.promised_on, p.c.promise_id)
        if status is not None:
            query = query.where(p.c.status == status.value)
        if customer_id is not None:
            query = query.where(p.c.customer_id == customer_id)
        return [_promise(row) for row in self._c.execute(query).mappings()]

    def resolve_promise(self, promise_id: str, status: PromiseStatus, on: date) -> None:
        p = t.payment_promises
        self._c.execute(update(p).where(p.c.promise_id == promise_id).values(status=status.value, resolved_on=on))

    def cash_received(self, customer_id: str, start: date, end: date) -> int:
        """Cash (not credit notes or write-offs) from the customer dated ``start`` to ``end``, minor units."""
        pay = t.payments
        total = self._c.execute(
            select(func.coalesce(func.sum(pay.c.amount_minor), 0)).where(
                pay.c.customer_id == customer_id,
                pay.c.kind == SettlementKind.PAYMENT.value,
                pay.c.payment_date >= start,
                pay.c.payment_date <= end,
            )
        ).scalar_one()
        return int(total)

    def dunning_level(self, customer_id: str) -> int | None:
        a = t.credit_accounts
        level = self._c.execute(select(a.c.dunning_level).where(a.c.customer_id == customer_id)).scalar()
        return None if level is None else int(level)

    def dunning_levels(self) -> dict[str, tuple[int, date | None]]:
        a = t.credit_accounts
        rows = self._c.execute(select(a.c.customer_id, a.c.dunning_level, a.c.dunning_since))
        return {cid: (int(level), since) for cid, level, since in rows}
