"""Who may set which limit alone: the authority matrix (limit amount and grade → role).

Each role (and the system itself, for the monitor's automatic increases) may set a limit up to
an amount per currency, for customers of a grade no worse than its own worst grade. Cutting a
limit never needs more authority than holding the permission to set limits: it only lowers
risk. Anything beyond the caller's authority becomes a limit request for the lowest role that
may decide it, and the requester never approves their own request (four eyes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role

SYSTEM = "system"  # the actor name of the monitor's own decisions
UNSCORED_GRADE = 9  # a customer without a score is treated as the weakest live grade


@dataclass(frozen=True, slots=True)
class Authority:
    worst_grade: int
    max_limit: Mapping[str, Decimal] | None  # per currency; None: no ceiling

    def covers(self, limit: Money, grade: int | None) -> bool:
        if (grade if grade is not None else UNSCORED_GRADE) > self.worst_grade:
            return False
        if self.max_limit is None:
            return True
        ceiling = self.max_limit.get(limit.currency)
        return ceiling is not None and limit.amount <= ceiling


def _default_authorities() -> dict[str, Authority]:
    return {
        SYSTEM: Authority(6, {"CNY": Decimal(500_000), "EUR": Decimal(60_000), "USD": Decimal(70_000)}),
        Role.ANALYST.value: Authority(6, {"CNY": Decimal(1_000_000), "EUR": Decimal(120_000), "USD": Decimal(140_000)}),
        Role.MANAGER.value: Authority(
            8, {"CNY": Decimal(10_000_000), "EUR": Decimal(1_200_000), "USD": Decimal(1_400_000)}
        ),
        Role.ADMIN.value: Authority(10, None),
    }


#: The roles that may decide limits, weakest first; requests go to the first that may.
DECIDING_ROLES = (Role.ANALYST, Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class AuthorityMatrix:
    authorities: Mapping[str, Authority] = field(default_factory=_default_authorities)

    def may_set(
        self, who: Role | str, new: Money, current: Money, grade: int | None, raise_role: str | None = None
    ) -> bool:
        """Whether ``who`` (a role or SYSTEM) may move a limit from ``current`` to ``new`` alone;
        ``raise_role``: a special group's raises need at least this role (never the system)."""
        key = who.value if isinstance(who, Role) else who
        if key not in self.authorities:
            return False
        if new.amount <= current.amount:
            return True
        if raise_role is not None and (key == SYSTEM or not Role(key).at_least(Role(raise_role))):
            return False
        return self.authorities[key].covers(new, grade)

    def required_role(self, new: Money, current: Money, grade: int | None, raise_role: str | None = None) -> Role:
        """The lowest role that may decide the change; an admin decides what no one else may."""
        for role in DECIDING_ROLES:
            if self.may_set(role, new, current, grade, raise_role):
                return role
        return Role.ADMIN
