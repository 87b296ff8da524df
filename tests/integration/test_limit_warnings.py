"""A limit far above the policy's recommendation: the request and the approval carry its
warnings, the approval needs a comment (negative control: the same approval without one is
refused and changes nothing), and the audit records the warnings with the figures."""

from __future__ import annotations

from datetime import date

import pytest

from creditdesk.bootstrap import Services
from creditdesk.domain.customers import Customer
from creditdesk.domain.limit_policy import recommend
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.customers import RegisterCustomer, register_customer
from creditdesk.service.errors import InvalidInput
from creditdesk.service.limits import (
    DecideRequest,
    SetCreditLimit,
    decide_request,
    preview_limit,
    set_credit_limit,
)
from tests.helpers import SteadySales


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def test_approving_five_times_the_recommendation_needs_a_comment_and_is_audited(services: Services) -> None:
    today = services.clock.today()
    customer = Customer("W1", "Wuxi Valves", "CNY", segment="standard", registered_on=date(2020, 1, 1))
    register_customer(RegisterCustomer(customer, cny("100000"), "root", Role.ADMIN), services.uow(), services.clock)
    advice = SteadySales(services, 50_000)
    _, policy = advice.active_limit_policy()
    recommended = recommend(advice.limit_inputs(today, "W1")[0], policy, today).final.amount
    assert recommended is not None and recommended > 0
    five = cny(str(recommended * 5))

    ask = SetCreditLimit("W1", five, "a large order from the new plant", "sam", Role.SALES)
    preview = preview_limit(ask, services.uow(), services.clock, advice)
    assert not preview.applies and preview.required_role is not None
    assert [w.code for w in preview.context.warnings][:1] == ["ABOVE_RECOMMENDATION"]
    assert preview.context.warnings[0].values["ratio"] == "5.00"

    outcome = set_credit_limit(ask, services.uow(), services.clock, advice)
    assert outcome.request is not None and outcome.context is not None
    request_id = outcome.request.request_id
    approver = outcome.request.required_role

    # Negative control: the approval without a comment is refused, and the limit stays.
    with pytest.raises(InvalidInput, match=r"needs a comment: it carries warnings \(ABOVE_RECOMMENDATION: 5\.00×"):
        decide_request(DecideRequest(request_id, True, "mia", approver), services.uow(), services.clock, advice)
    with pytest.raises(InvalidInput, match="needs a comment"):  # a blank comment is no comment
        decide_request(DecideRequest(request_id, True, "mia", approver, "  "), services.uow(), services.clock, advice)
    with services.read_uow() as uow:
        assert uow.accounts.get("W1").limit == cny("100000")  # type: ignore[union-attr]

    decided = decide_request(
        DecideRequest(request_id, True, "mia", approver, "plant visit done, parent guarantee on file"),
        services.uow(),
        services.clock,
        advice,
    )
    assert decided.status.value == "approved"
    with services.read_uow() as uow:
        assert uow.accounts.get("W1").limit == five  # type: ignore[union-attr]
        records = [r for r in uow.audit.records() if r.entity_id == "W1"]
    asked = next(r for r in records if r.action == "limit.requested")
    assert asked.payload["context"]["recommended"] == str(recommended)
    approved = next(r for r in records if r.action == "limit.request.approved")
    assert approved.payload["comment"] == "plant visit done, parent guarantee on file"
    codes = [w["code"] for w in approved.payload["context"]["warnings"]]
    assert codes[0] == "ABOVE_RECOMMENDATION" and "LARGE_INCREASE" in codes
    applied = [r for r in records if r.action == "limit.set"][-1]
    assert applied.payload["warnings"][0] == {
        "code": "ABOVE_RECOMMENDATION",
        "ratio": "5.00",
        "recommended": str(recommended),
        "requested": str(five.amount),
    }


def test_a_rejection_and_an_approval_within_the_recommendation_need_no_comment(services: Services) -> None:
    """Negative control of the rule: without warnings an approval goes through uncommented."""
    customer = Customer("W2", "Wuxi Pumps", "CNY", segment="standard", registered_on=date(2020, 1, 1))
    register_customer(RegisterCustomer(customer, cny("50000"), "root", Role.ADMIN), services.uow(), services.clock)
    advice = SteadySales(services, 50_000)  # recommends 80,000
    small = SetCreditLimit("W2", cny("75000"), "a little more", "sam", Role.SALES)
    outcome = set_credit_limit(small, services.uow(), services.clock, advice)
    assert outcome.request is not None and outcome.context is not None and outcome.context.warnings == ()
    decide_request(
        DecideRequest(outcome.request.request_id, True, "mia", outcome.request.required_role),
        services.uow(),
        services.clock,
        advice,
    )
    big = SetCreditLimit("W2", cny("9000000"), "a lot more", "sam", Role.SALES)
    request = set_credit_limit(big, services.uow(), services.clock, advice).request
    assert request is not None
    rejected = decide_request(
        DecideRequest(request.request_id, False, "mia", Role.ADMIN), services.uow(), services.clock
    )
    assert rejected.status.value == "rejected"
