"""Dunning levels and promises to pay: the pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from creditdesk.domain.collections import Promise, PromiseStatus, dunning_level, level_for_age, promise_outcome
from creditdesk.domain.money import Money


@pytest.mark.parametrize(
    ("days", "level"), [(-5, 0), (0, 0), (1, 1), (14, 1), (15, 2), (29, 2), (30, 3), (59, 3), (60, 4), (400, 4)]
)
def test_the_level_follows_the_oldest_items_age(days: int, level: int) -> None:
    assert level_for_age(days) == level


def test_a_promise_holds_the_level_and_a_broken_one_raises_it() -> None:
    assert dunning_level(35, 2, promise_open=True, promise_broken=False) == 2  # held, not raised to 3
    assert dunning_level(10, 2, promise_open=True, promise_broken=False) == 1  # it may still fall
    assert dunning_level(35, 0, promise_open=True, promise_broken=False) == 1  # at least a reminder
    assert dunning_level(20, 2, promise_open=False, promise_broken=True) == 3  # one above where it stood
    assert dunning_level(70, 4, promise_open=False, promise_broken=True) == 4  # never beyond the top
    assert dunning_level(0, 4, promise_open=False, promise_broken=True) == 0  # paid: cleared


def test_a_promise_is_kept_by_cash_and_broken_after_its_grace() -> None:
    promise = Promise("P", "C", Money.of("600", "EUR"), date(2024, 4, 5), date(2024, 3, 25))
    assert promise.due_by == date(2024, 4, 8)
    assert promise_outcome(promise, Money.of("600", "EUR"), date(2024, 4, 1)) is PromiseStatus.KEPT
    assert promise_outcome(promise, Money.of("599.99", "EUR"), date(2024, 4, 8)) is PromiseStatus.OPEN
    assert promise_outcome(promise, Money.of("599.99", "EUR"), date(2024, 4, 9)) is PromiseStatus.BROKEN
