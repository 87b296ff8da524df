"""Registering customers (idempotent on the caller's id).

An initial credit limit is a limit like any other: it applies only within the caller's
authority (the policy's matrix, for an unscored customer); beyond it the account opens at zero
and the limit waits as a request for someone who may decide it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from creditdesk.domain.accounts import AccountStatus, CreditAccount, LimitChange
from creditdesk.domain.customers import Customer, CustomerGroup
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.limit_requests import LimitRequest, Origin
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import is_person
from creditdesk.service.errors import Conflict
from creditdesk.service.limits import open_request, raise_role_of
from creditdesk.service.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class RegisterCustomer:
    customer: Customer
    credit_limit: Money | None
    actor: str
    role: Role


@dataclass(frozen=True, slots=True)
class Registered:
    created: bool  # False: the same customer was registered before
    limit_request: LimitRequest | None = None  # the initial limit, waiting for approval


def initial_request_id(customer_id: str) -> str:
    """One initial-limit request per customer, so a retried registration finds its own."""
    return "LR-init-" + hashlib.sha256(customer_id.encode()).hexdigest()[:16]


def may_set_initial_limit(policy: LimitPolicy, role: Role | None, limit: Money, segment: str | None) -> bool:
    """Whether ``role`` may open an unscored customer's account at ``limit`` alone."""
    if role is None or not may(role, Permission.SET_LIMIT):
        return False
    return policy.authority.may_set(role, limit, Money.zero(limit.currency), None, raise_role_of(policy, segment))


def initial_limit_request(
    policy: LimitPolicy, version: int | None, customer: Customer, limit: Money, actor: str, clock: Clock
) -> LimitRequest:
    special = raise_role_of(policy, customer.segment)
    return LimitRequest(
        request_id=initial_request_id(customer.customer_id),
        customer_id=customer.customer_id,
        amount=limit,
        reason="initial limit",
        reason_zh="初始额度",
        origin=Origin.INITIAL,
        required_role=policy.authority.required_role(limit, Money.zero(limit.currency), None, special),
        requested_by=actor,
        requested_on=clock.today(),
        requested_at=clock.now(),
        policy_version=version,
    )


def register_customer(cmd: RegisterCustomer, uow: UnitOfWork, clock: Clock) -> Registered:
    """Create the customer and its credit account (an initial limit beyond the caller's
    authority becomes a pending request).

    The same id with different content is a conflict: ids are the caller's and a
    retry must not silently overwrite.
    """
    customer = cmd.customer
    with uow:
        existing = uow.customers.get(customer.customer_id)
        if existing is not None:
            account = uow.accounts.get(customer.customer_id)
            waiting = uow.management.request(initial_request_id(customer.customer_id))
            same_limit = (
                cmd.credit_limit is None
                or (account is not None and account.limit == cmd.credit_limit)
                or (waiting is not None and waiting.amount == cmd.credit_limit)
            )
            if existing == customer and same_limit:
                return Registered(False)
            raise Conflict(f"customer {customer.customer_id!r} already exists with different content")
        if customer.group_id is not None and uow.groups.get(customer.group_id) is None:
            # ERP exports carry group codes without a group master; the code creates the group.
            uow.groups.add(CustomerGroup(customer.group_id, customer.group_id))
        uow.customers.add(customer)
        # Version 1 of the customer's master data (docs/master-data.md).
        uow.master_data.first_versions([asdict(customer)], "register", cmd.actor, clock.now())
        zero = Money.zero(customer.currency)
        limit, request = cmd.credit_limit or zero, None
        if limit.amount > 0:
            version, policy = uow.management.limit_policy()
            person = is_person(uow, cmd.actor)
            if not (person and may_set_initial_limit(policy, cmd.role, limit, customer.segment)):
                request = initial_limit_request(policy, version, customer, limit, cmd.actor, clock)
                limit = zero
        uow.accounts.add(
            CreditAccount(customer.customer_id, customer.currency, limit, AccountStatus.ACTIVE, zero, zero)
        )
        if request is None and cmd.credit_limit is not None:
            uow.limits.add(
                LimitChange(
                    customer.customer_id,
                    limit,
                    "initial limit",
                    cmd.actor,
                    clock.now(),
                    clock.today(),
                    source="initial",
                    reason_zh="初始额度",
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
        if request is not None:
            open_request(uow, request)
        uow.commit()
        return Registered(True, request)
