"""What-if credit checks: nothing is reserved."""

from __future__ import annotations

from creditdesk.domain.decisions import Decision, check_static_limit
from creditdesk.domain.money import Money
from creditdesk.service.errors import InvalidInput, NotFound
from creditdesk.service.ports import UnitOfWork


def what_if_check(customer_id: str, amount: Money, uow: UnitOfWork) -> Decision:
    if amount.is_negative() or amount.is_zero():
        raise InvalidInput(f"the amount must be positive; got {amount.amount}")
    with uow:
        account = uow.accounts.get(customer_id)
        if account is None:
            raise NotFound(f"customer {customer_id!r} does not exist")
        if amount.currency != account.currency:
            raise InvalidInput(f"amount must be in the account currency {account.currency}; got {amount.currency}")
        return check_static_limit(account, amount)
