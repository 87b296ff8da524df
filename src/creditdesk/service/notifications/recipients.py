"""Who may act on what is notified: the people told of each kind of event."""

from __future__ import annotations

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.domain.rules import CheckPolicy

from .ports import Person

# --- recipients: who may act ----------------------------------------------------------------------


def releasers(people: list[Person], policy: CheckPolicy, amount: Money, *, second: bool = False) -> list[Person]:
    """Who may release a held order of ``amount`` (account currency): alone, or as the second of
    two people (``second``: only that); nobody: the admins, who may change the policy."""

    def entitled(person: Person) -> bool:
        if not may(person.role, Permission.RELEASE_ORDERS):
            return False
        if second:
            return policy.may_approve_release(person.role, amount)
        return policy.may_release(person.role, amount) or policy.may_approve_release(person.role, amount)

    found = [p for p in people if entitled(p)]
    return found or [p for p in people if p.role is Role.ADMIN]


def deciders(people: list[Person], required_role: Role) -> list[Person]:
    """Who may decide a limit request that needs ``required_role``."""
    return [p for p in people if may(p.role, Permission.SET_LIMIT) and p.role.at_least(required_role)]


def managers(people: list[Person]) -> list[Person]:
    return [p for p in people if p.role.at_least(Role.MANAGER)]


def reviewers(people: list[Person]) -> list[Person]:
    return [p for p in people if p.role in (Role.ANALYST, Role.MANAGER)]


def admins(people: list[Person]) -> list[Person]:
    return [p for p in people if p.role is Role.ADMIN]
