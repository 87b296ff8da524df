"""Check policies: a validated policy is stored as the next version and applies from then on.

Only a role that administers activates a policy. A policy that loosens authority (a role may
release larger orders, or set larger limits or worse grades alone, than the active policy lets
it; a role gains authority it had not; a special group's raises need a lower role) is not
activated by the admin who asks: it waits as a pending activation until a second, different
person of manager rank or above confirms it (four eyes). Every path (web, CLI, a direct call)
goes through :func:`request_policy_activation` or :func:`activate_check_policy`, and both apply
the rule; each step is audited. The first policy of an installation (no version yet) is its
set-up and needs no second person.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from creditdesk.domain.authority import AuthorityMatrix
from creditdesk.domain.limit_policy import LimitPolicy
from creditdesk.domain.roles import Permission, Role, may
from creditdesk.domain.rules import CheckPolicy
from creditdesk.service.auth import refuse_non_person
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.ports import Clock, UnitOfWork

#: The lowest role that may confirm another admin's loosening.
CONFIRMING_ROLE = Role.MANAGER
PENDING, CONFIRMED, WITHDRAWN = "pending", "confirmed", "withdrawn"

#: One widening: ``what`` (release_authority, four_eyes_release, approval_authority,
#: approval_grade, segment_role), ``who`` (a role, or system), ``currency`` or the segment,
#: and the figure before and after ("unlimited", "none", an amount or a grade or a role).
Loosening = dict[str, str]


@dataclass(frozen=True)
class PendingActivation:
    activation_id: str
    name: str
    body: str
    sha256: str
    loosened: tuple[Loosening, ...]
    verdict: str | None
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    version: int | None = None


@dataclass(frozen=True)
class Activation:
    """What a request did: ``version`` when the policy is active now, ``pending`` (its id)
    when it waits for a second person, with what it loosens."""

    version: int | None
    pending: str | None
    loosened: tuple[Loosening, ...]


def _item(what: str, who: str, currency: str, before: str, after: str) -> Loosening:
    return {"what": what, "who": who, "currency": currency, "before": before, "after": after}


def _amount(value: Decimal | None) -> str:
    return "none" if value is None else f"{value:f}"


def _wider_amounts(
    what: str, who: str, before: Mapping[str, Decimal] | None, after: Mapping[str, Decimal] | None
) -> list[Loosening]:
    """``None``: no ceiling (unlimited); a missing currency: no authority in it."""
    if after is None:
        return [] if before is None else [_item(what, who, "", "", "unlimited")]
    if before is None:
        return []
    found = []
    for currency, amount in sorted(after.items()):
        old = before.get(currency)
        if old is None or amount > old:
            found.append(_item(what, who, currency, _amount(old), _amount(amount)))
    return found


Ceilings = Mapping[Role, dict[str, Decimal]]


def _release(what: str, before: Ceilings, after: Ceilings) -> list[Loosening]:
    found: list[Loosening] = []
    for role, ceilings in after.items():
        if role not in before:
            shown = "unlimited" if not ceilings else ", ".join(f"{c} {a:f}" for c, a in sorted(ceilings.items()))
            found.append(_item(what, role.value, "", "none", shown))
            continue
        found += _wider_amounts(what, role.value, before[role] or None, ceilings or None)
    return found


def _approval(before: AuthorityMatrix, after: AuthorityMatrix) -> list[Loosening]:
    found: list[Loosening] = []
    for who, authority in after.authorities.items():
        old = before.authorities.get(who)
        if old is None:
            found.append(_item("approval_authority", who, "", "none", "new"))
            continue
        if authority.worst_grade > old.worst_grade:
            found.append(_item("approval_grade", who, "", str(old.worst_grade), str(authority.worst_grade)))
        found += _wider_amounts("approval_authority", who, old.max_limit, authority.max_limit)
    return found


def _segment_roles(before: LimitPolicy, after: LimitPolicy) -> list[Loosening]:
    found: list[Loosening] = []
    for segment, rule in before.segments.items():
        if rule.min_role is None:
            continue
        new = after.segments.get(segment)
        new_role = None if new is None else new.min_role
        if new_role is None or not Role(new_role).at_least(Role(rule.min_role)):
            found.append(_item("segment_role", new_role or "", segment, rule.min_role, new_role or "none"))
    return found


def loosened_authority(
    before: tuple[CheckPolicy, LimitPolicy], after: tuple[CheckPolicy, LimitPolicy]
) -> tuple[Loosening, ...]:
    """Every way ``after`` lets someone release or approve more than ``before`` does."""
    (check_before, limits_before), (check_after, limits_after) = before, after
    found = _release("release_authority", check_before.release_authority, check_after.release_authority)
    found += _release("four_eyes_release", check_before.four_eyes_release or {}, check_after.four_eyes_release or {})
    found += _approval(limits_before.authority, limits_after.authority)
    found += _segment_roles(limits_before, limits_after)
    return tuple(found)


def _parse(uow: UnitOfWork, body: str) -> tuple[CheckPolicy, LimitPolicy]:
    try:
        return uow.policies.parse(body)
    except ValueError as error:
        raise InvalidInput(f"the policy is not valid: {error}") from None


def _activate(uow: UnitOfWork, name: str, body: str, actor: str, at: datetime, details: dict[str, object]) -> int:
    version = uow.reference.add_check_policy(name, body, actor, at)
    uow.audit.append(actor, "policy.activated", "check_policy", str(version), {"name": name, **details})
    return version


def request_policy_activation(
    name: str, body: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock, *, verdict: str | None = None
) -> Activation:
    """Activate the policy now, or (when it loosens authority) leave it pending for a second person.
    ``verdict``: the what-if's verdict the activator confirmed, kept with the activation."""
    if not may(role, Permission.ACTIVATE_POLICY):
        raise Forbidden(
            f"role {role.value!r} may not activate policies", code="role_may_not", values={"role": role.value}
        )
    with uow:
        refuse_non_person(uow, actor, "activating a policy")
        proposed = _parse(uow, body)
        version, check, limits = uow.policies.active()
        loosened = loosened_authority((check, limits), proposed) if version is not None else ()
        if not loosened:
            activated = _activate(uow, name, body, actor, clock.now(), {"verdict": verdict})
            uow.commit()
            return Activation(activated, None, ())
        activation_id = secrets.token_hex(8)
        pending = PendingActivation(activation_id, name, body, "", loosened, verdict, actor, clock.now(), PENDING)
        uow.policies.add_pending(pending)
        uow.audit.append(
            actor,
            "policy.activation_requested",
            "policy_activation",
            activation_id,
            {"name": name, "loosened": list(loosened), "verdict": verdict},
        )
        uow.commit()
        return Activation(None, activation_id, loosened)


def activate_check_policy(name: str, body: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock) -> int:
    """Store a validated policy as the next version; it applies from the next check on. A policy
    that loosens authority is refused here (it needs :func:`request_policy_activation` and a
    second person)."""
    if not may(role, Permission.ACTIVATE_POLICY):
        raise Forbidden(
            f"role {role.value!r} may not activate policies", code="role_may_not", values={"role": role.value}
        )
    with uow:
        refuse_non_person(uow, actor, "activating a policy")
        version, check, limits = uow.policies.active()
        if version is not None and loosened_authority((check, limits), _parse(uow, body)):
            raise Forbidden(
                "this policy loosens authority: a second person must confirm its activation",
                code="four_eyes_policy",
            )
        activated = _activate(uow, name, body, actor, clock.now(), {})
        uow.commit()
        return activated


def _waiting(uow: UnitOfWork, activation_id: str) -> PendingActivation:
    found = uow.policies.activation(activation_id, lock=True)
    if found is None:
        raise NotFound(f"no policy activation {activation_id!r}")
    if found.status != PENDING:
        raise Conflict(f"policy activation {activation_id!r} is {found.status} already")
    return found


def confirm_policy_activation(activation_id: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock) -> int:
    """The second person confirms a pending activation: never the person who asked, only a
    manager or an admin."""
    if not role.at_least(CONFIRMING_ROLE):
        raise Forbidden(
            f"role {role.value!r} may not confirm a policy activation (a manager or an admin confirms)",
            code="role_may_not",
            values={"role": role.value},
        )
    with uow:
        refuse_non_person(uow, actor, "confirming a policy activation")
        found = _waiting(uow, activation_id)
        if found.requested_by == actor:
            raise Forbidden(
                "the person who asked for this activation may not confirm it: a second person confirms",
                code="four_eyes_policy_confirm",
            )
        version = _activate(
            uow,
            found.name,
            found.body,
            actor,
            clock.now(),
            {"requested_by": found.requested_by, "activation_id": activation_id, "verdict": found.verdict},
        )
        uow.policies.decide(activation_id, CONFIRMED, actor, clock.now(), version)
        uow.audit.append(
            actor,
            "policy.activation_confirmed",
            "policy_activation",
            activation_id,
            {"version": version, "requested_by": found.requested_by},
        )
        uow.commit()
        return version


def withdraw_policy_activation(activation_id: str, actor: str, role: Role, uow: UnitOfWork, clock: Clock) -> None:
    """The person who asked takes it back, or a person who may confirm turns it down."""
    with uow:
        found = _waiting(uow, activation_id)
        if found.requested_by != actor and not role.at_least(CONFIRMING_ROLE):
            raise Forbidden(
                f"role {role.value!r} may not turn down a policy activation",
                code="role_may_not",
                values={"role": role.value},
            )
        uow.policies.decide(activation_id, WITHDRAWN, actor, clock.now(), None)
        uow.audit.append(actor, "policy.activation_withdrawn", "policy_activation", activation_id, {})
        uow.commit()


def pending_activations(uow: UnitOfWork) -> list[PendingActivation]:
    with uow:
        return uow.policies.pending()


def pending_activation(activation_id: str, uow: UnitOfWork) -> PendingActivation | None:
    with uow:
        return uow.policies.activation(activation_id)
