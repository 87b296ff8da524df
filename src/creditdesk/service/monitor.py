"""The daily monitor: every account's facts on a day, the rules' verdicts, and their changes.

The facts are read for the whole portfolio at once; each account with something to change is
then locked, checked to still stand as its facts said (a person or an order may have moved it
since), changed and logged in one transaction. An account that moved in between is left for
the next run rather than changed on stale facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from creditdesk.domain.accounts import AccountStatus
from creditdesk.domain.authority import SYSTEM
from creditdesk.domain.limit_policy import LimitPolicy, Recommendation
from creditdesk.domain.limit_requests import LimitRequest, Origin
from creditdesk.domain.money import Money
from creditdesk.domain.monitoring import AccountFacts, Change, Field, assess
from creditdesk.domain.roles import Role
from creditdesk.service.limit_recommendation import recommend_limits
from creditdesk.service.limits import AppliedLimit, apply_limit, open_request
from creditdesk.service.ports import Clock, LimitInputStore, MonitorFactsStore, RecordedChange, UnitOfWork


@dataclass
class MonitorRun:
    as_of: date
    policy_version: int | None
    accounts: int = 0
    changes: list[RecordedChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # moved between reading and locking

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(change.rule for change in self.changes).items()))

    def as_json(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "policy_version": self.policy_version,
            "accounts": self.accounts,
            "changes": len(self.changes),
            "by_rule": self.by_rule(),
            "skipped": self.skipped,
            "items": [{"customer_id": c.customer_id, **c.as_json()} for c in self.changes],
        }


def account_facts(
    facts_store: MonitorFactsStore,
    inputs_store: LimitInputStore,
    as_of: date,
    policy: LimitPolicy,
    customer_id: str | None = None,
) -> list[AccountFacts]:
    """Each account's facts with its method limit and grade from the policy's recommendation."""
    _, recommendations = recommend_limits(inputs_store, as_of, policy, customer_id)
    facts = facts_store.monitor_facts(as_of, policy.grace_days, policy.monitor.reward_months, customer_id)
    return with_recommendations(facts, recommendations, policy)


def with_recommendations(
    facts: list[AccountFacts], recommendations: list[Recommendation], policy: LimitPolicy
) -> list[AccountFacts]:
    """The facts completed with each account's method limit, grade and the role its raises need."""
    methods = {r.inputs.customer_id: r for r in recommendations}
    completed = []
    for f in facts:
        rec = methods.get(f.customer_id)
        if rec is not None:
            f = replace(f, method_limit=rec.final.amount, grade=rec.inputs.grade, raise_role=rec.raise_role(policy))
        completed.append(f)
    return completed


@dataclass(frozen=True)
class Proposal:
    """What the rules call for on one account, and the standing they judged (the change is only
    made if the account still stands so when it is locked)."""

    customer_id: str
    currency: str
    as_of: date
    status: AccountStatus
    limit: Decimal
    grade: int | None
    changes: list[Change]

    @classmethod
    def of(cls, facts: AccountFacts, changes: list[Change]) -> Proposal:
        return cls(facts.customer_id, facts.currency, facts.as_of, facts.status, facts.limit, facts.grade, changes)


def proposals(facts: list[AccountFacts], policy: LimitPolicy) -> list[Proposal]:
    """The accounts the rules would change, each with its changes."""
    found = []
    for f in facts:
        changes = assess(f, policy.monitor, policy.authority, policy.unit)
        if changes:
            found.append(Proposal.of(f, changes))
    return found


def run_monitor(
    as_of: date,
    facts_store: MonitorFactsStore,
    inputs_store: LimitInputStore,
    uow_factory: Callable[[], UnitOfWork],
    clock: Clock,
    customer_id: str | None = None,
) -> MonitorRun:
    version, policy = inputs_store.active_limit_policy()
    facts = account_facts(facts_store, inputs_store, as_of, policy, customer_id)
    run = apply_proposals(proposals(facts, policy), as_of, version, uow_factory, clock)
    run.accounts = len(facts)
    return run


def apply_proposals(
    found: list[Proposal], as_of: date, version: int | None, uow_factory: Callable[[], UnitOfWork], clock: Clock
) -> MonitorRun:
    """Carry out each proposal under its account's lock, audited; one whose account moved since
    its facts were read is skipped (the next run judges it afresh). The monitor's own path and the
    nightly batch's (whose proposals were computed elsewhere) both come through here."""
    run = MonitorRun(as_of, version, accounts=len(found))
    for proposal in found:
        applied = _apply(proposal, version, uow_factory(), clock)
        if applied is None:
            run.skipped.append(proposal.customer_id)
        else:
            run.changes += applied
    return run


def _apply(proposal: Proposal, version: int | None, uow: UnitOfWork, clock: Clock) -> list[RecordedChange] | None:
    as_of, at = proposal.as_of, clock.now()
    with uow:
        account = uow.management.account(proposal.customer_id, lock=True)
        if account is None or account.status is not proposal.status or account.limit.amount != proposal.limit:
            return None
        recorded = []
        for change in proposal.changes:
            entry = RecordedChange(
                proposal.customer_id,
                as_of,
                change.rule.value,
                change.field.value,
                change.before,
                change.after,
                change.inputs,
                version,
                change.en,
                change.zh,
                SYSTEM,
                at,
            )
            _carry_out(uow, proposal, change, version, as_of, at)
            uow.management.record(entry)
            recorded.append(entry)
        uow.commit()
        return recorded


def _carry_out(
    uow: UnitOfWork, proposal: Proposal, change: Change, version: int | None, as_of: date, at: datetime
) -> None:
    cid, ccy = proposal.customer_id, proposal.currency
    if change.field is Field.STATUS:
        assert change.after is not None
        status = AccountStatus(change.after)
        uow.management.set_rule_status(cid, status, as_of)
        uow.audit.append(
            SYSTEM,
            "account.standing",
            "customer",
            cid,
            {"from": {"status": change.before}, "to": {"status": status.value}, "reason": change.en},
            stream=cid,
        )
        standing = {"customer_id": cid, "from": change.before, "to": status.value, "rule": change.rule.value}
        uow.ledger.emit(cid, "account.status_changed", {**standing, "reason": change.en, "reason_zh": change.zh}, at)
    elif change.field is Field.LIMIT:
        assert change.after is not None
        account = uow.management.account(cid)
        assert account is not None
        why = AppliedLimit(
            change.en, SYSTEM, "rule", rule=change.rule.value, policy_version=version, reason_zh=change.zh
        )
        apply_limit(uow, account, Money(Decimal(change.after), ccy), None, why, as_of, at)
    elif change.field is Field.DEFAULT:
        since = date.fromisoformat(change.after) if change.after else None
        uow.management.set_in_default(cid, since)
        defaulted = {"customer_id": cid, "since": change.after, "rule": change.rule.value}
        uow.ledger.emit(cid, "account.defaulted", {**defaulted, "reason": change.en, "reason_zh": change.zh}, at)
    elif change.field is Field.FREEZE:
        uow.management.set_increases_frozen(cid, date.fromisoformat(str(change.after)))
    elif change.field is Field.REVIEW:
        uow.management.set_next_review(cid, date.fromisoformat(str(change.after)))
    elif change.field is Field.REQUEST:
        assert change.after is not None and change.required_role is not None
        request = LimitRequest(
            request_id=f"LR-{cid}-{as_of:%Y%m%d}-{change.rule.value}",
            customer_id=cid,
            amount=Money(Decimal(change.after), ccy),
            reason=change.en,
            reason_zh=change.zh,
            origin=Origin.RULE,
            required_role=Role(change.required_role),
            requested_by=SYSTEM,
            requested_on=as_of,
            requested_at=at,
            grade=proposal.grade,
            policy_version=version,
        )
        open_request(uow, request)
