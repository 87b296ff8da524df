"""The credit check: the decision on an amount, the one reservation function, and the what-if.

Everything that raises exposure on our own decision (a new order, an upward amendment, a
release from a block, a reopened order) goes through ``reserve``, on a locked account.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from creditdesk.domain.decisions import Decision, Outcome
from creditdesk.domain.ledger import Delta, EntryKind
from creditdesk.domain.money import Money
from creditdesk.domain.rules import CheckInputs, GroupPosition, evaluate
from creditdesk.service.books import Groups, groups_of, known_company_code, spread, to_account
from creditdesk.service.errors import Conflict, InvalidInput, NotFound
from creditdesk.service.ports import AccountState, Clock, Posting, UnitOfWork


def decide(uow: UnitOfWork, state: AccountState, amount: Money, today: date, groups: Groups) -> Decision:
    policy = uow.reference.check_policy()
    rules = policy.rules_for(state.segment, state.risk_class)
    beyond = 0
    if rules.horizon_days is not None:
        beyond = uow.orders.reserved_beyond(state.customer_id, today + timedelta(days=rules.horizon_days))
    inputs = CheckInputs(
        customer_id=state.customer_id,
        currency=state.currency,
        segment=state.segment,
        risk_class=state.risk_class,
        status=state.status,
        limit=state.limit,
        totals=state.totals,
        limit_valid_to=state.limit_valid_to,
        next_review_on=state.next_review_on,
        oldest_open_due=state.oldest_open_due,
        overdue=state.overdue,
        dunning_level=state.dunning_level,
        dunning_since=state.dunning_since,
        reserved_beyond_horizon=beyond,
        customer_status=state.customer_status,
        merged_into=state.merged_into,
        groups=tuple(
            GroupPosition(group.group_id, group.currency, group.limit, group.totals.exposure, rate, group.kind)
            for group, rate in groups
        ),
    )
    return evaluate(rules, inputs, amount, today, policy.version)


def decision_record(decision: Decision) -> dict[str, Any]:
    """The decision as it is recorded with its order (the orders table, the stored outcome, the
    audit trail) and shown with it: the figures and the reasons in both languages."""
    return {
        "decision": decision.outcome.value,
        "reasons": [
            {"code": r.code.value, "reaction": r.reaction.value, "message": r.text("en"), "message_zh": r.text("zh")}
            for r in decision.reasons
        ],
        "currency": decision.limit.currency,
        "limit": decision.limit.to_json(),
        "exposure": {
            "receivables": decision.receivable.to_json(),
            "orders": decision.reserved.to_json(),
            "delivered": decision.delivered.to_json(),
            "total": decision.exposure.to_json(),
        },
        "available": decision.available_before.to_json(),
        "available_after": decision.available_after.to_json(),
        "approvable_up_to": decision.approvable.to_json(),
        "policy_version": decision.policy_version,
    }


def reserve(
    uow: UnitOfWork,
    state: AccountState,
    ref_id: str,
    amount: Money,
    today: date,
    order_date: date,
    *,
    valid_until: date | None,
    override: bool = False,
    source: Money | None = None,
    fx_rate: str | None = None,
    company_code: str | None = None,
) -> tuple[Decision, list[Posting]]:
    """Check ``amount`` (account currency) against the locked account; postings when it fits.

    ``override`` is a documented release by someone with the authority to accept what the
    rules refused: the postings are made although the decision stays as the rules gave it.
    A reservation for an order valid until a date makes sure the sweep will find it then.
    """
    if valid_until is not None and valid_until < today:
        raise Conflict(f"the order was valid until {valid_until}; submit a new order")
    groups = groups_of(uow, state, order_date, lock=True, company_code=company_code)
    decision = decide(uow, state, amount, today, groups)
    if decision.outcome is not Outcome.APPROVED and not override:
        return decision, []
    # Invariant: without an override, a reservation always fits what the rules allow.
    assert override or amount.minor <= decision.approvable.minor, "an approved reservation fits its limit"
    if valid_until is not None and (state.next_expiry is None or valid_until < state.next_expiry):
        uow.credit_accounts.set_next_expiry(state.customer_id, valid_until)
    delta = Delta(reserved=amount.minor)
    return decision, spread(state, EntryKind.RESERVE, ref_id, delta, groups, source, fx_rate)


def what_if(
    customer_id: str, amount: Money, uow: UnitOfWork, clock: Clock, company_code: str | None = None
) -> Decision:
    """A check that reserves nothing: one read of the account's figures, no lock."""
    if not amount.amount > 0:
        raise InvalidInput(f"the amount must be positive; got {amount.amount}")
    today = clock.today()
    with uow:
        state = uow.credit_accounts.account(customer_id, today, lock=False)
        if state is None:
            raise NotFound(
                f"customer {customer_id!r} does not exist",
                code="not_found",
                values={"what": "customer", "id": customer_id},
            )
        converted, _ = to_account(uow, amount, state.currency, today)
        known_company_code(uow, company_code)
        pools = groups_of(uow, state, today, lock=False, company_code=company_code)
        return decide(uow, state, converted, today, pools)
