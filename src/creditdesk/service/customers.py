"""Registering customers (idempotent on the caller's id)."""

from __future__ import annotations

from dataclasses import dataclass

from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.money import Money
from creditdesk.service.errors import Conflict
from creditdesk.service.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    customer: Customer
    credit_limit: Money | None
    actor: str


def register_customer(cmd: RegisterCustomer, uow: UnitOfWork, clock: Clock) -> bool:
    """Create the customer and its credit account; True when created, False when identical.

    The same id with different content is a conflict: ids are the caller's and a
    retry must not silently overwrite.
    """
    customer = cmd.customer
    with uow:
        existing = uow.customers.get(customer.customer_id)
        if existing is not None:
            account = uow.accounts.get(customer.customer_id)
            same_limit = cmd.credit_limit is None or (account is not None and account.limit == cmd.credit_limit)
            if existing == customer and same_limit:
                return False
            raise Conflict(f"customer {customer.customer_id!r} already exists with different content")
        if customer.group_id is not None and uow.groups.get(customer.group_id) is None:
            # ERP exports carry group codes without a group master; the code creates the group.
            uow.groups.add(CustomerGroup(customer.group_id, customer.group_id))
        uow.customers.add(customer)
        limit = cmd.credit_limit or Money.zero(customer.currency)
        zero = Money.zero(customer.currency)
        uow.accounts.add(
            CreditAccount(customer.customer_id, customer.currency, limit, AccountStatus.ACTIVE, zero, zero)
        )
        if cmd.credit_limit is not None:
            uow.limits.add(
                LimitChange(
                    customer.customer_id,
                    limit,
                    "initial limit",
                    cmd.actor,
                    clock.now(),
                    clock.today(),
                    source="initial",
                )
            )
        uow.audit.append(
            cmd.actor,
            "customer.registered",
            "customer",
            customer.customer_id,
            {"name": customer.name, "currency": customer.currency, "credit_limit": str(limit.amount)},
            stream=customer.customer_id,
        )
        uow.commit()
        return True
