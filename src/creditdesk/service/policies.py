"""Check policies: a validated policy is stored as the next version and applies from then on."""

from __future__ import annotations

from creditdesk.domain.roles import Permission, Role, may
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.errors import Forbidden
from creditdesk.service.ports import Clock, UnitOfWork


def activate_check_policy(name: str, body: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock) -> int:
    """Store a validated policy as the next version; it applies from the next check on."""
    if not may(role, Permission.ADMINISTER):
        raise Forbidden(f"role {role.value!r} may not activate policies")
    with uow:
        refuse_non_person(uow, actor, "activating a policy")
        version = uow.reference.add_check_policy(name, body, actor, clock.now())
        uow.audit.append(actor, "policy.activated", "check_policy", str(version), {"name": name})
        uow.commit()
        return version
