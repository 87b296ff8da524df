"""Setting a credit limit by hand, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditdesk.domain.accounts import CreditAccount, LimitChange
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.errors import Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class SetCreditLimit:
    customer_id: str
    amount: Money
    reason: str
    actor: str
    role: Role
    expires_on: date | None = None


def set_credit_limit(cmd: SetCreditLimit, uow: UnitOfWork, clock: Clock) -> CreditAccount:
    if not may(cmd.role, Permission.SET_LIMIT):
        raise Forbidden(f"role {cmd.role.value!r} may not set credit limits")
    if cmd.amount.is_negative():
        raise InvalidInput("a credit limit cannot be negative")
    if not cmd.reason.strip():
        raise InvalidInput("a limit change needs a reason")
    today = clock.today()
    if cmd.expires_on is not None and cmd.expires_on <= today:
        raise InvalidInput(f"expires_on must be after today ({today}); got {cmd.expires_on}")
    with uow:
        account = uow.accounts.get(cmd.customer_id, for_update=True)
        if account is None:
            raise NotFound(f"customer {cmd.customer_id!r} does not exist")
        if cmd.amount.currency != account.currency:
            raise InvalidInput(
                f"the limit must be in the account currency {account.currency}; got {cmd.amount.currency}"
            )
        # A limit may fall below exposure (a penalty): new orders are then refused, nothing
        # already accepted is undone.
        uow.accounts.set_limit(cmd.customer_id, cmd.amount, cmd.expires_on)
        uow.limits.add(
            LimitChange(
                cmd.customer_id, cmd.amount, cmd.reason, cmd.actor, clock.now(), today, cmd.expires_on, source="manual"
            )
        )
        uow.audit.append(
            cmd.actor,
            "limit.set",
            "customer",
            cmd.customer_id,
            {
                "from": str(account.limit.amount),
                "to": str(cmd.amount.amount),
                "currency": account.currency,
                "reason": cmd.reason,
                "expires_on": cmd.expires_on.isoformat() if cmd.expires_on else None,
            },
            stream=cmd.customer_id,
        )
        updated = uow.accounts.get(cmd.customer_id)
        assert updated is not None
        uow.commit()
        return updated
