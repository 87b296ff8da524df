"""Limit changes on fakes: authority, requests, four eyes, temporary limits and reviews."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditdesk.adapters.clock import FixedClock
from creditdesk.domain.limit_requests import RequestStatus
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service.errors import Conflict, Forbidden, InvalidInput, NotFound
from creditdesk.service.limits import (
    CompleteReview,
    DecideRequest,
    SetCreditLimit,
    complete_review,
    decide_request,
    set_credit_limit,
)
from tests.fakes import Books, FakeUnitOfWork


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


@pytest.fixture
def scored(books: Books) -> Books:
    books.open_account("C1", "10000.00")
    books.grades["C1"] = 3
    return books


def limit(
    books: Books, clock: FixedClock, amount: str, role: Role, actor: str = "ann", expires_on: date | None = None
) -> bool:
    cmd = SetCreditLimit("C1", eur(amount), "annual review", actor, role, expires_on)
    return set_credit_limit(cmd, FakeUnitOfWork(books), clock).applied


def test_a_change_within_authority_applies_and_is_kept_in_the_history(scored: Books, clock: FixedClock) -> None:
    assert limit(scored, clock, "50000.00", Role.ANALYST)
    assert scored.accounts["C1"].limit == 5_000_000
    assert scored.accounts["C1"].last_increase_on == clock.today()
    assert [c.amount for c in scored.limit_changes] == [eur("50000.00")]
    assert "limit.set" in [action for _, action, _, _ in scored.audit]


def test_beyond_authority_a_request_waits_for_another_person(scored: Books, clock: FixedClock) -> None:
    outcome = set_credit_limit(
        SetCreditLimit("C1", eur("500000.00"), "big project", "ann", Role.ANALYST), FakeUnitOfWork(scored), clock
    )
    assert not outcome.applied and outcome.request is not None
    assert outcome.request.required_role is Role.MANAGER
    assert scored.accounts["C1"].limit == 1_000_000  # unchanged until decided
    request_id = outcome.request.request_id
    with pytest.raises(Forbidden, match="four eyes"):
        decide_request(DecideRequest(request_id, True, "ann", Role.MANAGER), FakeUnitOfWork(scored), clock)
    with pytest.raises(Forbidden, match="beyond its authority"):
        decide_request(DecideRequest(request_id, True, "bob", Role.ANALYST), FakeUnitOfWork(scored), clock)
    with pytest.raises(InvalidInput, match=r"needs a comment: it carries warnings .LARGE_INCREASE"):
        decide_request(DecideRequest(request_id, True, "mia", Role.MANAGER), FakeUnitOfWork(scored), clock)
    approval = DecideRequest(request_id, True, "mia", Role.MANAGER, "the project's contract is signed")
    decided = decide_request(approval, FakeUnitOfWork(scored), clock)
    assert decided.status is RequestStatus.APPROVED and scored.accounts["C1"].limit == 50_000_000
    with pytest.raises(Conflict, match="already approved"):
        decide_request(DecideRequest(request_id, False, "max", Role.ADMIN), FakeUnitOfWork(scored), clock)


def test_a_temporary_limit_keeps_the_permanent_one_underneath(scored: Books, clock: FixedClock) -> None:
    assert limit(scored, clock, "20000.00", Role.ANALYST, expires_on=clock.today() + timedelta(days=30))
    account = scored.accounts["C1"]
    assert (account.limit, account.base_limit, account.last_increase_on) == (2_000_000, 1_000_000, None)


def test_refusals_change_nothing(scored: Books, clock: FixedClock) -> None:
    with pytest.raises(Forbidden):
        limit(scored, clock, "1.00", Role.VIEWER)
    with pytest.raises(InvalidInput, match="negative"):
        limit(scored, clock, "-1.00", Role.ANALYST)
    with pytest.raises(NotFound):
        set_credit_limit(SetCreditLimit("NOPE", eur("1"), "x", "ann", Role.ANALYST), FakeUnitOfWork(scored), clock)
    assert scored.accounts["C1"].limit == 1_000_000 and not scored.limit_changes and not scored.audit


def test_a_service_user_always_asks(scored: Books, clock: FixedClock) -> None:
    scored.add_user("erp", role="admin", kind="service")
    assert not limit(scored, clock, "20000.00", Role.ADMIN, actor="erp")
    assert [r.status for r in scored.requests.values()] == [RequestStatus.PENDING]


def test_a_completed_review_schedules_the_next_by_grade(scored: Books, clock: FixedClock) -> None:
    scored.accounts["C1"].increases_frozen_since = clock.today() - timedelta(days=3)
    complete_review(CompleteReview("C1", "ann", Role.ANALYST, "financials fine"), FakeUnitOfWork(scored), clock)
    account = scored.accounts["C1"]
    assert account.next_review_on is not None and account.next_review_on > clock.today()
    assert account.increases_frozen_since is None
    assert [c.rule for c in scored.recorded] == ["REVIEW_COMPLETED"]
