"""Roles and what each may do; a higher role may do everything a lower one may."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    SALES = "sales"
    ANALYST = "analyst"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class Permission(StrEnum):
    READ = "read"
    CHECK = "check"  # what-if checks and order submission
    WRITE_DOCUMENTS = "write_documents"  # customers, invoices, payments
    RELEASE_ORDERS = "release_orders"  # release or reject held orders, within the policy's authority
    SET_STANDING = "set_standing"  # hold, block or reactivate an account; its review date and risk class
    REQUEST_LIMIT = "request_limit"  # ask for a limit change, for someone with authority to decide
    SET_LIMIT = "set_limit"  # set or decide limits, within the policy's authority matrix
    SET_GROUP_LIMIT = "set_group_limit"  # a pooled limit over a whole group
    OPERATIONS = "operations"  # see the daily cycle's job runs and who holds the leases
    ACTIVATE_POLICY = "activate_policy"  # put a check or limit policy in force (loosening authority: four eyes)
    ADMINISTER = "administer"
    MANAGE_WEBHOOKS = "manage_webhooks"  # webhook subscriptions and their deliveries


MINIMUM_ROLE: dict[Permission, Role] = {
    Permission.READ: Role.VIEWER,
    Permission.CHECK: Role.SALES,
    Permission.WRITE_DOCUMENTS: Role.ANALYST,
    Permission.RELEASE_ORDERS: Role.ANALYST,
    Permission.SET_STANDING: Role.MANAGER,
    Permission.REQUEST_LIMIT: Role.SALES,
    Permission.SET_LIMIT: Role.ANALYST,
    Permission.SET_GROUP_LIMIT: Role.MANAGER,
    Permission.OPERATIONS: Role.MANAGER,
    Permission.ACTIVATE_POLICY: Role.MANAGER,  # the credit policy is the credit manager's
    Permission.ADMINISTER: Role.ADMIN,
    Permission.MANAGE_WEBHOOKS: Role.ADMIN,
}


def may(role: Role, permission: Permission) -> bool:
    return role.at_least(MINIMUM_ROLE[permission])
