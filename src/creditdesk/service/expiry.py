"""Reservations whose validity has passed are released by the first command that locks the account."""

from __future__ import annotations

from datetime import date, datetime

from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.service.books import Change, groups_of, record, spread
from creditdesk.service.ports import AccountState, UnitOfWork


def expire_due(uow: UnitOfWork, state: AccountState, today: date, at: datetime) -> None:
    """Expire the locked account's open orders valid before ``today``; the caller holds the lock."""
    for order in uow.orders.expiring_orders(state.customer_id, today):
        groups = groups_of(uow, state, order.order_date, lock=True, company_code=order.company_code)
        postings = spread(state, EntryKind.EXPIRE, order.order_id, Delta(reserved=-order.reserved), groups)
        expired = order.expire()
        uow.orders.save_order(expired)
        record(uow, order.customer_id, "system", Change("order.expired", postings), at, expired)
    uow.credit_accounts.set_next_expiry(state.customer_id, None)
