"""Recommended limits for the portfolio or one customer, each with every method's working,
and applying them within the system's authority."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from creditdesk.domain.accounts import AccountStatus, ManagedAccount
from creditdesk.domain.authority import SYSTEM
from creditdesk.domain.limit_policy import LimitPolicy, Recommendation, recommend
from creditdesk.domain.limit_requests import LimitRequest, Origin
from creditdesk.domain.money import Money
from creditdesk.service.errors import NotFound
from creditdesk.service.limits import AppliedLimit, apply_limit, open_request
from creditdesk.service.ports import Clock, LimitInputStore, UnitOfWork


def recommend_limits(
    store: LimitInputStore, as_of: date, policy: LimitPolicy | None = None, customer_id: str | None = None
) -> tuple[int | None, list[Recommendation]]:
    """The recommendations under ``policy`` or else the active policy's limits section, and the
    policy version they followed (None: the built-in defaults)."""
    found = store.limit_inputs(as_of, customer_id)
    if customer_id is not None and not found:
        raise NotFound(
            f"customer {customer_id!r} does not exist", code="not_found", values={"what": "customer", "id": customer_id}
        )
    version, active = (None, policy) if policy is not None else store.active_limit_policy()
    return version, [recommend(inputs, active, as_of) for inputs in found]


@dataclass
class ApplyRun:
    as_of: date
    policy_version: int | None
    applied: list[dict[str, str]] = field(default_factory=list)
    requested: list[dict[str, str]] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # customer -> why its limit stays

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "policy_version": self.policy_version,
            "applied": self.applied,
            "requested": self.requested,
            "kept": len(self.kept),
            "kept_because": dict(Counter(self.kept.values())),
        }


def apply_recommendations(
    store: LimitInputStore,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    as_of: date,
    customer_id: str | None = None,
    *,
    dry_run: bool = False,
    follow: Callable[[Recommendation], str | None] | None = None,
    explain: Callable[[Recommendation, str], str] | None = None,
    explain_zh: Callable[[Recommendation], str | None] | None = None,
) -> ApplyRun:
    """Move each limit to its recommendation: cuts always, increases within the system's own
    authority (beyond it, a request for the role that may decide), and never an increase for an
    account in default, held, blocked, frozen or under a running temporary limit.

    ``follow``: which recommendations to act on, each with why (the start of the change's
    reason), or None to leave that limit as it stands; default: every one. ``explain_zh``: the
    change's reason in Chinese, kept beside it for a Chinese reader (the system's words)."""
    version, policy = store.active_limit_policy()
    _, found = recommend_limits(store, as_of, policy, customer_id)
    run = ApplyRun(as_of, version)
    with uow_factory() as uow:
        pending = uow.management.pending_customers()
    for rec in found:
        target = rec.final.amount
        cid = rec.inputs.customer_id
        if target is None or target == rec.inputs.current_limit:
            run.kept[cid] = "no recommendation" if target is None else "already at the recommendation"
            continue
        why = follow(rec) if follow is not None else "policy recommendation"
        if why is None:
            run.kept[cid] = "not asked to follow the recommendation"
            continue
        if cid in pending:
            run.kept[cid] = "a limit request is pending"
            continue
        with uow_factory() as uow:
            account = uow.management.account(cid, lock=True)
            assert account is not None
            current = account.limit_on(as_of)
            new = Money(target, account.currency)
            if new == current:
                run.kept[cid] = "already at the recommendation"
                continue
            blocker = _increase_blocker(account, as_of) if new.amount > current.amount else None
            if blocker is not None:
                run.kept[cid] = blocker
                continue
            line = {"customer_id": cid, "from": str(current.amount), "to": str(new.amount), "currency": new.currency}
            reason = explain(rec, why) if explain is not None else f"{why}: {rec.final.formula}"
            reason_zh = explain_zh(rec) if explain_zh is not None else None
            raise_role = rec.raise_role(policy)
            if policy.authority.may_set(SYSTEM, new, current, rec.inputs.grade, raise_role):
                run.applied.append(line)
                if not dry_run:
                    applied = AppliedLimit(
                        reason, SYSTEM, "rule", rule="RECOMMENDATION", policy_version=version, reason_zh=reason_zh
                    )
                    apply_limit(uow, account, new, None, applied, as_of, clock.now())
                    uow.commit()
                continue
            role = policy.authority.required_role(new, current, rec.inputs.grade, raise_role)
            request_id = f"LR-{cid}-{as_of:%Y%m%d}-RECOMMENDATION"
            if uow.management.request(request_id) is not None:
                run.kept[cid] = "requested and decided today already"
                continue
            run.requested.append({**line, "required_role": role.value})
            if not dry_run:
                request = LimitRequest(
                    request_id=request_id,
                    customer_id=cid,
                    amount=new,
                    reason=reason,
                    reason_zh=reason_zh,
                    origin=Origin.REVIEW,
                    required_role=role,
                    requested_by=SYSTEM,
                    requested_on=as_of,
                    requested_at=clock.now(),
                    grade=rec.inputs.grade,
                    policy_version=version,
                )
                open_request(uow, request)
                uow.commit()
    return run


def _increase_blocker(account: ManagedAccount, as_of: date) -> str | None:
    if account.in_default_since is not None:
        return "in default"
    if account.status is not AccountStatus.ACTIVE:
        return f"account {account.status.value}"
    if account.increases_frozen_since is not None:
        return "increases frozen"
    if account.base_limit is not None and account.limit_valid_to is not None and account.limit_valid_to >= as_of:
        return "a temporary limit is running"
    return None
